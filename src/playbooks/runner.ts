import { clean } from '../db/errors.ts';
import { isConnectionLoss } from '../db/read-only.ts';
import { SkipCell, type Analyzer } from './analyzer.ts';
import { targetSchema, toFindings } from './findings.ts';
import { unmetRequirement } from './requirements.ts';
import { CONNECTION_LOST, type Cell, type CellRun, type Finding, type Notebook, type Row, type ServerFacts, type RunResult, type Skipped } from './types.ts';

export interface QuerySource {
  query(sql: string, params?: unknown[], signal?: AbortSignal): Promise<{ columns: string[]; rows: Row[] }>;
  /** all of fn's statements on one connection (analyzers keep backend-local state, e.g. hypopg) */
  pinned<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly options: { statementTimeoutMs: number; connections: number };
}

export type RunEvent =
  | { type: 'cell-start'; playbook: string; cell: string; title: string }
  | { type: 'cell-done'; run: CellRun }
  /** before the cells: what the session is doing (e.g. starting the embedded demo) */
  | { type: 'status'; text: string };

export interface RunOptions {
  db: QuerySource;
  server: ServerFacts;
  notebooks: Notebook[];
  /** may still be loading while the SQL cells run; awaited before the first analyzer */
  analyzers: Record<string, Analyzer> | Promise<Record<string, Analyzer>>;
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
}

interface Job {
  notebook: Notebook;
  cell: Cell;
}

/** Runs every cell of the given notebooks; probes in parallel over the session's connections. */
export async function runPlaybooks(opts: RunOptions): Promise<RunResult> {
  const { notebooks } = opts;
  const runs = new Map<string, CellRun>();
  const rowsOf = new Map<string, Row[]>();
  const findings = new Map<string, Finding[]>();
  const key = (nb: Notebook, cell: Cell) => `${nb.id}\u0000${cell.id}`;

  const sqlJobs: Job[] = [];
  const analyzerJobs: Job[] = [];
  for (const notebook of notebooks) {
    for (const cell of notebook.cells) (cell.kind === 'analyzer' ? analyzerJobs : sqlJobs).push({ notebook, cell });
  }

  const execute = (analyzers: Record<string, Analyzer>) => async ({ notebook, cell }: Job) => {
    opts.onEvent?.({ type: 'cell-start', playbook: notebook.id, cell: cell.id, title: cell.title });
    const { run, rows, found } = await runCell(notebook, cell, opts, analyzers, rowsOf);
    runs.set(key(notebook, cell), run);
    rowsOf.set(key(notebook, cell), rows);
    findings.set(key(notebook, cell), found);
    opts.onEvent?.({ type: 'cell-done', run });
  };

  const loading = Promise.resolve(opts.analyzers);
  // handled before the first await: a failed load is reported where it is awaited, not as an unhandled rejection
  loading.catch(() => undefined);
  await inParallel(sqlJobs, opts.db.options.connections, execute({}));
  // Analyzers read probe rows, so they run once every SQL cell is done.
  if (analyzerJobs.length) await inParallel(analyzerJobs, 1, execute(await loading));

  const skipped: Skipped[] = [];
  const all: Finding[] = [];
  const playbooks = notebooks.map((nb) => ({
    id: nb.id,
    title: nb.title,
    summary: nb.summary,
    blocks: nb.blocks,
    runs: nb.cells.map((c) => {
      const run = runs.get(key(nb, c))!;
      if (run.status === 'skipped') skipped.push({ playbook: nb.id, check: c.id, reason: run.reason ?? '' });
      all.push(...(findings.get(key(nb, c)) ?? []));
      return run;
    }),
  }));
  return { server: opts.server, playbooks, findings: all, skipped };
}

async function runCell(
  notebook: Notebook,
  cell: Cell,
  opts: RunOptions,
  analyzers: Record<string, Analyzer>,
  rowsOf: Map<string, Row[]>,
): Promise<{ run: CellRun; rows: Row[]; found: Finding[] }> {
  const base = { playbook: notebook.id, cell: cell.id, kind: cell.kind, title: cell.title, sql: cell.sql };
  const done = (status: CellRun['status'], reason: string | null, durationMs = 0, columns: string[] = [], rows: Row[] = []) => ({
    ...base,
    status,
    reason,
    durationMs,
    columns,
    rows,
    rowCount: rows.length,
    truncated: false,
  });
  const analyzer = cell.analyzer ? analyzers[cell.analyzer] : undefined;
  if (cell.analyzer && !analyzer) return { run: done('error', `no analyzer named "${cell.analyzer}"`), rows: [], found: [] };
  const unmet = unmetRequirement(cell.requires, opts.server) ?? (analyzer?.requires ? unmetRequirement(analyzer.requires, opts.server) : null);
  if (unmet) return { run: done('skipped', unmet), rows: [], found: [] };
  if (opts.signal?.aborted) return { run: done('cancelled', 'cancelled before it ran'), rows: [], found: [] };

  const started = performance.now();
  try {
    let columns: string[];
    let rows: Row[];
    let findingRows: Row[];
    if (analyzer) {
      const inputs: Record<string, Row[]> = {};
      for (const u of cell.uses) inputs[u] = rowsOf.get(`${notebook.id}\u0000${u}`) ?? [];
      const signal = opts.signal ?? new AbortController().signal;
      const result = await opts.db.pinned((query) => analyzer.run({ server: opts.server, inputs, query, signal }), signal);
      ({ columns, rows } = result);
      findingRows = result.findings as unknown as Row[];
    } else {
      ({ columns, rows } = await opts.db.query(cell.sql!, [], opts.signal));
      findingRows = cell.kind === 'check' ? rows : [];
    }
    const all = toFindings(notebook.id, cell, findingRows);
    const managed = new Set(opts.server.managedSchemas);
    const found = all.filter((f) => !managed.has(targetSchema(f.target) ?? ''));
    const setAside = all.length - found.length;
    const note = setAside ? `${setAside} finding${setAside === 1 ? '' : 's'} in platform-managed schemas set aside (${[...managed].filter((m) => all.some((f) => targetSchema(f.target) === m)).join(', ')}): the platform owns them` : null;
    return { run: done('ok', note, elapsed(started), columns, rows), rows, found };
  } catch (err) {
    return { run: failure(err, opts, base, elapsed(started)), rows: [], found: [] };
  }
}

function failure(err: unknown, opts: RunOptions, base: Omit<CellRun, 'status' | 'reason' | 'durationMs' | 'columns' | 'rows' | 'rowCount' | 'truncated'>, durationMs: number): CellRun {
  const e = err as { code?: string; message?: string };
  const empty = { columns: [], rows: [], rowCount: 0, truncated: false, durationMs };
  if (opts.signal?.aborted) return { ...base, ...empty, status: 'cancelled', reason: 'cancelled (the server-side query was cancelled)' };
  if (err instanceof SkipCell) return { ...base, ...empty, status: 'skipped', reason: err.message };
  if (isConnectionLoss(err)) return { ...base, ...empty, status: 'error', reason: `${CONNECTION_LOST}: ${clean(e.message) || e.code}` };
  if (e.code === '57014') {
    return { ...base, ...empty, status: 'timeout', reason: `timed out after statement_timeout ${opts.db.options.statementTimeoutMs / 1000} s` };
  }
  // Missing privilege or a preload the server lacks: the cell cannot run here, which is a skip, not a failure.
  if (e.code === '42501' || e.code === '55000') return { ...base, ...empty, status: 'skipped', reason: clean(e.message) };
  return { ...base, ...empty, status: 'error', reason: clean(e.message) || String(err) };
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
}
