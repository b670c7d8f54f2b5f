import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { OWN_STATEMENT_FILTER } from '../workload/own.ts';
import { ANALYZER_INPUTS, declaredUses, WORKLOAD_INPUT, type AnalyzerInputs } from './inputs.ts';
import { MANAGED_TOPICS, type ManagedTopic } from './managed.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import type { Cell, CellKind, Notebook, NotebookBlock, Privilege, Requirement, Severity, Threshold } from './types.ts';
import { thresholdMarkers } from './thresholds.ts';
import { SEVERITIES } from './types.ts';

export const PLAYBOOK_DIR = join(PACKAGE_ROOT, 'playbooks');

export class NotebookError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${notebookPath(file)}:${line}: ${message}`);
  }
}

// team folders read so far: their notebooks are named by path, since two folders may hold the same file name
const teamFolders = new Set<string>();

/** A shipped notebook by its name (indexes.md); a team's by its path from the working directory. */
export function notebookPath(file: string): string {
  const abs = resolve(file);
  if (!teamFolders.has(dirname(abs))) return basename(abs);
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/** A --playbooks folder that cannot be read. */
export class PlaybookDirError extends Error {}

const ID = /^[a-z][a-z0-9_-]*$/;
const PRIVILEGES: Privilege[] = ['superuser', 'pg_read_all_stats', 'pg_monitor', 'pg_read_all_settings'];
// Cells must not change session state: that would defeat the read-only session.
const SESSION_CHANGING = /^\s*(set|reset|begin|start|commit|end|rollback|abort|discard|savepoint|release|prepare|deallocate|listen|lock|do|call|copy)\b/i;

export type AnalyzerDeclarations = Readonly<Record<string, AnalyzerInputs>>;

export async function loadNotebooks(dir = PLAYBOOK_DIR, analyzers: AnalyzerDeclarations = ANALYZER_INPUTS, teamDirs: readonly string[] = []): Promise<Notebook[]> {
  const notebooks = [...(await readFolder(dir, analyzers, null))];
  for (const team of teamDirs) notebooks.push(...(await readFolder(team, analyzers, team)));
  const seen = new Map<string, string>();
  for (const nb of notebooks) {
    const other = seen.get(nb.id);
    if (other) throw new NotebookError(nb.file, 2, `playbook id "${nb.id}" is also used by ${notebookPath(other)}`);
    seen.set(nb.id, nb.file);
  }
  checkWorkloadFeed(notebooks);
  return notebooks.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

/** The shipped notebooks and those of each team folder (--playbooks DIR, playbook_dirs in the config), validated alike. */
export function loadPlaybooks(teamDirs: readonly string[] = []): Promise<Notebook[]> {
  return loadNotebooks(PLAYBOOK_DIR, ANALYZER_INPUTS, teamDirs);
}

/** The notebooks of one folder: every .md but README.md; a team folder's are marked with it. */
async function readFolder(dir: string, analyzers: AnalyzerDeclarations, team: string | null): Promise<Notebook[]> {
  let names: string[];
  try {
    if (team !== null && !(await stat(dir)).isDirectory()) throw new PlaybookDirError(`--playbooks ${team}: not a folder`);
    names = await readdir(dir);
  } catch (err) {
    if (err instanceof PlaybookDirError || team === null) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new PlaybookDirError(`--playbooks ${team}: ${code === 'ENOENT' ? 'no such folder' : `cannot read the folder (${code ?? 'error'})`}`);
  }
  const files = names.filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
  if (team !== null) teamFolders.add(resolve(dir));
  if (team !== null && !files.length) throw new PlaybookDirError(`--playbooks ${team}: no notebook (.md file) in the folder`);
  return Promise.all(
    files.map(async (f) => {
      const nb = parseNotebook(join(dir, f), await readFile(join(dir, f), 'utf8'), analyzers);
      return team === null ? nb : { ...nb, team };
    }),
  );
}

/** One probe feeds the workload of every notebook: exactly one when any analyzer reads the workload, never two. */
function checkWorkloadFeed(notebooks: Notebook[]): void {
  const feeds = notebooks.flatMap((nb) => nb.cells.filter((c) => c.feeds).map((c) => ({ nb, c })));
  if (feeds.length > 1) {
    const [first, second] = feeds;
    throw new NotebookError(second.nb.file, second.c.line, `cell "${second.c.id}" feeds the workload, and so does ${notebookPath(first.nb.file)}:${first.c.line}; one probe feeds it`);
  }
  if (feeds.length) return;
  for (const nb of notebooks) {
    const reader = nb.cells.find((c) => c.uses.includes(WORKLOAD_INPUT));
    if (reader) throw new NotebookError(nb.file, reader.line, `cell "${reader.id}" reads the workload, but no probe has "-- feeds: workload"`);
  }
}

export function parseNotebook(file: string, text: string, analyzers: AnalyzerDeclarations = ANALYZER_INPUTS): Notebook {
  const lines = text.split(/\r?\n/);
  const front = parseFrontMatter(file, lines);
  const blocks: NotebookBlock[] = [];
  const cells: Cell[] = [];
  let prose: string[] = [];
  const flushProse = () => {
    const t = prose.join('\n').trim();
    if (t) blocks.push({ type: 'prose', text: t });
    prose = [];
  };
  let i = front.bodyStart;
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^```(sql|analyzer)\s+(probe|check)?\s*([^\s`]*)\s*$/.exec(line);
    if (!fence) {
      if (/^```(sql|analyzer)\b/.test(line)) {
        throw new NotebookError(file, i + 1, 'a cell fence must read "```sql probe ID", "```sql check ID" or "```analyzer ID"');
      }
      prose.push(line);
      i++;
      continue;
    }
    const start = i;
    const body: string[] = [];
    i++;
    while (i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i++]);
    if (i >= lines.length) throw new NotebookError(file, start + 1, 'cell is not closed with ```');
    i++;
    flushProse();
    const kind: CellKind = fence[1] === 'analyzer' ? 'analyzer' : ((fence[2] ?? '') as CellKind);
    const id = fence[3];
    if (fence[1] === 'sql' && !fence[2]) throw new NotebookError(file, start + 1, 'an sql cell must say "probe" or "check"');
    if (fence[1] === 'analyzer' && fence[2]) throw new NotebookError(file, start + 1, 'write "```analyzer ID" (no probe/check)');
    if (!ID.test(id)) throw new NotebookError(file, start + 1, `cell id "${id}" must match ${ID}`);
    if (cells.some((c) => c.id === id)) throw new NotebookError(file, start + 1, `duplicate cell id "${id}"`);
    if (id === WORKLOAD_INPUT) throw new NotebookError(file, start + 1, `cell id "${id}" is reserved: analyzer cells list it in "uses" to read the run's workload`);
    cells.push(parseCell(file, start + 1, kind, id, body, analyzers));
    blocks.push({ type: 'cell', cellId: id });
  }
  flushProse();
  for (const c of cells) {
    for (const u of c.uses) {
      if (u !== WORKLOAD_INPUT && !cells.some((o) => o.id === u && o.kind !== 'analyzer')) {
        throw new NotebookError(file, c.line, `cell "${c.id}" uses "${u}", which is not a probe or check cell of this notebook`);
      }
    }
  }
  return { ...front.meta, file, blocks, cells };
}

function parseFrontMatter(file: string, lines: string[]) {
  if (lines[0]?.trim() !== '---') throw new NotebookError(file, 1, 'a notebook starts with a --- front-matter block');
  const end = lines.indexOf('---', 1);
  if (end < 0) throw new NotebookError(file, 1, 'front matter is not closed with ---');
  const fields: Record<string, string> = {};
  for (let n = 1; n < end; n++) {
    const m = /^([a-z]+):\s*(.*?)\s*(#.*)?$/.exec(lines[n]);
    if (!m) throw new NotebookError(file, n + 1, `cannot read front-matter line "${lines[n]}"`);
    fields[m[1]] = m[2];
  }
  for (const k of ['id', 'title', 'order']) {
    if (!fields[k]) throw new NotebookError(file, 1, `front matter needs "${k}"`);
  }
  if (!ID.test(fields.id)) throw new NotebookError(file, 2, `playbook id "${fields.id}" must match ${ID}`);
  const order = Number(fields.order);
  if (!Number.isFinite(order)) throw new NotebookError(file, 2, `order "${fields.order}" is not a number`);
  return { meta: { id: fields.id, title: fields.title, order, summary: fields.summary ?? '' }, bodyStart: end + 1 };
}

function parseCell(file: string, line: number, kind: CellKind, id: string, body: string[], analyzers: AnalyzerDeclarations): Cell {
  const requires: Requirement = {};
  let title = id;
  let severity: Severity | null = null;
  let analyzer: string | null = null;
  let uses: string[] = [];
  let feeds: Cell['feeds'] = null;
  const thresholds: Threshold[] = [];
  let n = 0;
  for (; n < body.length; n++) {
    const m = /^--\s*([a-z]+):\s*(.*?)\s*$/.exec(body[n]);
    if (!m) break;
    const [, key, value] = m;
    const at = line + 1 + n;
    switch (key) {
      case 'title':
        title = value;
        break;
      case 'severity':
        if (!SEVERITIES.includes(value as Severity)) throw new NotebookError(file, at, `severity "${value}" is not one of ${SEVERITIES.join(', ')}`);
        severity = value as Severity;
        break;
      case 'analyzer':
        analyzer = value;
        break;
      case 'uses':
        uses = value.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case 'requires':
        addRequirement(requires, value, file, at);
        break;
      case 'feeds':
        if (value !== WORKLOAD_INPUT) throw new NotebookError(file, at, `"feeds" takes "${WORKLOAD_INPUT}" (got "${value}")`);
        if (kind !== 'probe') throw new NotebookError(file, at, `only a probe cell feeds the workload`);
        feeds = WORKLOAD_INPUT;
        break;
      case 'threshold': {
        const t = /^([a-z][a-z0-9_]*)\s*=\s*(\d+(?:\.\d+)?)\s+(\S.*)$/.exec(value);
        if (!t) throw new NotebookError(file, at, `cannot read threshold "${value}" (NAME = NUMBER what it means)`);
        if (thresholds.some((o) => o.name === t[1])) throw new NotebookError(file, at, `threshold "${t[1]}" is declared twice`);
        thresholds.push({ name: t[1], default: Number(t[2]), description: t[3] });
        break;
      }
      default:
        throw new NotebookError(file, at, `unknown cell header "${key}" (title, severity, requires, analyzer, uses, feeds, threshold)`);
    }
  }
  const sql = body.slice(n).join('\n').trim();
  if (kind === 'analyzer') {
    if (!analyzer) throw new NotebookError(file, line, `analyzer cell "${id}" needs an "-- analyzer: NAME" line`);
    const declared = analyzers[analyzer];
    if (!declared) throw new NotebookError(file, line, `cell "${id}" names analyzer "${analyzer}", which does not exist (${Object.keys(analyzers).sort().join(', ')})`);
    checkUses(file, line, id, analyzer, uses, declared);
    if (declared.findings && !severity) throw new NotebookError(file, line, `cell "${id}" needs "-- severity: info|warning|critical"`);
    if (!declared.findings && severity) throw new NotebookError(file, line, `cell "${id}" cannot have a severity: analyzer "${analyzer}" only shows evidence`);
  } else {
    if (!sql) throw new NotebookError(file, line, `cell "${id}" has no SQL`);
    if (SESSION_CHANGING.test(sql)) throw new NotebookError(file, line + 1 + n, `cell "${id}" would change session state; cells are single read-only queries`);
    if (analyzer || uses.length) throw new NotebookError(file, line, `only analyzer cells take "analyzer" and "uses"`);
    if (readsStatementStats(sql) && !squeeze(sql).includes(squeeze(OWN_STATEMENT_FILTER))) {
      throw new NotebookError(file, line, `cell "${id}" reads pg_stat_statements: leave out pgadvisor's own statements with "query ${OWN_STATEMENT_FILTER}"`);
    }
    const inner = /\b((?:obj|col|shobj)_description|ts_debug)\s*\(/i.exec(sqlCode(sql));
    if (inner) {
      throw new NotebookError(file, line, `cell "${id}" calls ${inner[1]}, an SQL function whose inner query PostgreSQL 13 records in pg_stat_statements as a statement of its own (track = all); read the catalog (pg_description) directly`);
    }
    if (feeds && !readsStatementStats(sql)) throw new NotebookError(file, line, `cell "${id}" feeds the workload, so it reads pg_stat_statements`);
    if (kind === 'probe' && severity) throw new NotebookError(file, line, `probe cell "${id}" cannot have a severity; make it a check`);
    if (kind === 'check' && !severity) throw new NotebookError(file, line, `cell "${id}" needs "-- severity: info|warning|critical"`);
  }
  checkThresholdMarkers(file, line, id, sql, thresholds);
  return { id, kind, title, sql: sql || null, analyzer, uses, feeds, severity, requires, thresholds, line };
}

/** Every marker in the SQL is declared, with the declared default; every declared threshold is used (analyzers read theirs in code). */
function checkThresholdMarkers(file: string, line: number, id: string, sql: string, thresholds: Threshold[]): void {
  const markers = thresholdMarkers(sql);
  for (const m of markers) {
    const t = thresholds.find((o) => o.name === m.name);
    if (!t) throw new NotebookError(file, line, `cell "${id}" uses threshold "${m.name}" without a "-- threshold: ${m.name} = N" line`);
    if (m.value !== t.default) throw new NotebookError(file, line, `cell "${id}" writes threshold "${m.name}" as ${m.literal}, but declares ${t.default}`);
  }
  if (sql) {
    const unused = thresholds.find((t) => !markers.some((m) => m.name === t.name));
    if (unused) throw new NotebookError(file, line, `cell "${id}" declares threshold "${unused.name}" but its SQL has no /*threshold:${unused.name}*/${unused.default}`);
  }
}

/** An analyzer cell lists exactly what its analyzer reads. */
function checkUses(file: string, line: number, id: string, analyzer: string, uses: string[], declared: AnalyzerInputs): void {
  const want = declaredUses(declared);
  const missing = want.filter((u) => !uses.includes(u));
  const extra = uses.filter((u) => !want.includes(u));
  if (!missing.length && !extra.length) return;
  const parts = [missing.length ? `lacks ${missing.join(', ')}` : '', extra.length ? `names ${extra.join(', ')}, which it does not read` : ''].filter(Boolean);
  throw new NotebookError(file, line, `cell "${id}": "-- uses:" ${parts.join(' and ')} (analyzer "${analyzer}" reads: ${want.join(', ') || 'nothing'})`);
}

/** True when the SQL reads the pg_stat_statements view or function (not pg_stat_statements_info, not a setting named after it). */
export function readsStatementStats(sql: string): boolean {
  return /(?<![\w$])"?pg_stat_statements"?(?![\w$])/i.test(sqlCode(sql));
}

/** The SQL without its string literals and comments. */
function sqlCode(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

function squeeze(s: string): string {
  return s.replace(/\s+/g, ' ');
}

function addRequirement(req: Requirement, value: string, file: string, line: number): void {
  let m: RegExpExecArray | null;
  if ((m = /^pg\s*(>=|<)\s*(\d+)$/.exec(value))) {
    const num = Number(m[2]) * 10000;
    if (m[1] === '>=') req.minVersion = num;
    else req.maxVersion = num - 1;
  } else if ((m = /^extension\s+([a-z0-9_]+)(?:\s*>=\s*(\d+(?:\.\d+)*))?$/.exec(value))) {
    req.extensions = [...(req.extensions ?? []), m[1]];
    if (m[2]) req.extensionVersions = { ...req.extensionVersions, [m[1]]: m[2] };
  } else if (value === 'workload') {
    req.workload = true;
  } else if ((m = /^self-managed\s+([a-z]+)$/.exec(value))) {
    if (!MANAGED_TOPICS.includes(m[1] as ManagedTopic)) throw new NotebookError(file, line, `unknown topic "${m[1]}" (${MANAGED_TOPICS.join(', ')})`);
    req.selfManaged = m[1] as ManagedTopic;
  } else if ((m = /^privilege\s+(.+)$/.exec(value))) {
    const privs = m[1].split('|').map((s) => s.trim());
    for (const p of privs) {
      if (!PRIVILEGES.includes(p as Privilege)) throw new NotebookError(file, line, `unknown privilege "${p}" (${PRIVILEGES.join(', ')})`);
    }
    req.privileges = privs as Privilege[];
  } else {
    throw new NotebookError(file, line, `cannot read requirement "${value}" (pg >= N, pg < N, extension NAME [>= VERSION], privilege A | B, workload, self-managed TOPIC)`);
  }
}
