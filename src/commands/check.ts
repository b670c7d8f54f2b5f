import type { CheckOutcome, DatabaseOutcome } from '../ci/outcome.ts';
import type { AcceptLevel } from '../ci/run-check.ts';
import { LEVEL_ALIASES } from '../config/schema.ts';
import { UsageError, type Target } from '../db/target.ts';
import { SEVERITIES, severityRank, type Notebook, type Severity } from '../playbooks/types.ts';
import { selectNotebooks } from '../playbooks/live.ts';
import { PLAYBOOK_DIR } from '../playbooks/loader.ts';
import { asUsageError, teamDirs, type TeamPlaybookArgs } from './team-playbooks.ts';
import { serverLabel } from '../db/providers.ts';
import { jsonText, terminalText as printable } from '../util/untrusted-text.ts';
import type { WorkloadSourceSummary } from '../workload/types.ts';
import { workloadFiles, type WorkloadArgs } from './workload-files.ts';
import { TOOL_VERSION } from '../version.ts';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export interface CheckArgs extends WorkloadArgs, TeamPlaybookArgs {
  url?: string | string[];
  urlsFile?: string;
  allDatabases?: boolean;
  jobs?: number;
  playbook?: string[];
  json?: boolean;
  format?: string;
  /** report files (repeatable), each in the format its extension names */
  output?: string | string[];
  failOn?: string;
  failOnNew?: string;
  save?: string;
  accept?: string;
  baseline?: string;
  allowErrors?: boolean;
  /** a file, or false for --no-config */
  config?: string | false;
  /** roles the application connects as (--app-role); the config file's app_roles otherwise */
  appRole?: string[];
}

/**
 * Non-interactive run of the playbooks for CI and scripts, on one database or many. Exit 2 when a database
 * could not be checked or a cell failed (its findings are missing, so a clean result cannot be told from a
 * check that did not run) unless --allow-errors for the cells; else 1 when a finding fails the run
 * (--fail-on, --fail-on-new); else 0.
 */
export async function checkCommand(args: CheckArgs): Promise<number> {
  const format = parseFormat(args);
  const outputs = parseOutputs(args.output);
  const failOn = args.failOn ? parseLevel(args.failOn, '--fail-on') : null;
  const accept = args.save ? parseAccept(args.accept ?? 'none') : null;
  if (args.accept && !args.save) throw new UsageError('--accept needs --save DIR');
  const jobs = args.jobs === undefined ? null : parseJobs(args.jobs);

  const { loadConfig, emptyConfig } = await import('../config/load.ts');
  const config = args.config === false ? emptyConfig() : await loadConfig(args.config);
  const teams = teamDirs(args, config);
  const all = await selectNotebooks(undefined, PLAYBOOK_DIR, teams).catch((err) => Promise.reject(asUsageError(err)));
  const { appRolesOf, checkConfigAgainst } = await import('../config/apply.ts');
  if (config.file) checkConfigAgainst(config, all);
  const chosen = args.playbook?.length ? args.playbook : config.playbooks;
  const notebooks = chosen?.length ? await selectNotebooks(chosen, PLAYBOOK_DIR, teams) : all;

  const files = await workloadFiles(args);
  const { targets, fleet, unlisted } = await resolveTargets(args);
  const [{ runCheck }, { defaultJobs }] = await Promise.all([import('../ci/run-check.ts'), import('../fleet/run.ts')]);
  const width = jobs ?? defaultJobs();
  const outcome = await runCheck({
    targets,
    fleet,
    notebooks,
    config,
    jobs: width,
    failOn,
    baseline: args.failOnNew ?? null,
    workload: { files, database: args.workloadDatabase },
    appRoles: appRolesOf(args.appRole, config),
    save: args.save && accept ? { dir: args.save, accept, carryFrom: args.baseline ?? null } : null,
    onDemo: () => process.stderr.write('pgadvisor: no connection given; checking the embedded demo database\n'),
  });
  outcome.databases.unshift(...unlisted);

  if (outputs.length) {
    const { writeFileAtomically } = await import('../util/atomic.ts');
    for (const o of outputs) await writeFileAtomically(o.file, await render(outcome, o.format, fleet, width));
  }
  process.stdout.write(await render(outcome, format, fleet, width));

  await report(outcome, format, args, notebooks.length < all.length);
  const { exitCode } = await import('../ci/outcome.ts');
  return exitCode(outcome, args.allowErrors);
}

/** --url (repeatable), --urls-file, --all-databases; a fleet run whenever more than one database may be meant. */
async function resolveTargets(args: CheckArgs): Promise<{ targets: Target[]; fleet: boolean; unlisted: DatabaseOutcome[] }> {
  const { readUrlsFile, targetsOf, allDatabases } = await import('../fleet/targets.ts');
  const urls = [...(Array.isArray(args.url) ? args.url : args.url ? [args.url] : [])];
  if (args.urlsFile) urls.push(...(await readUrlsFile(args.urlsFile)));
  const fleet = urls.length > 1 || Boolean(args.urlsFile) || Boolean(args.allDatabases);
  const given = targetsOf(urls);
  if (!args.allDatabases) return { targets: given, fleet, unlisted: [] };
  if (given.some((t) => t.source === 'demo')) throw new UsageError('--all-databases needs a server: give --url, DATABASE_URL or PG* variables');
  const { failedOutcome } = await import('../ci/outcome.ts');
  const { clean } = await import('../db/errors.ts');
  const targets: Target[] = [];
  const unlisted: DatabaseOutcome[] = [];
  for (const server of given) {
    // a server whose databases cannot be listed is reported like a database that cannot be checked
    try {
      targets.push(...(await allDatabases(server)));
    } catch (err) {
      unlisted.push(failedOutcome(server.display, `cannot list the databases: ${clean((err as Error).message).replace(` to ${server.display}:`, ':')}`));
    }
  }
  const seen = new Set<string>();
  return { targets: targets.filter((t) => !seen.has(t.display) && seen.add(t.display)), fleet, unlisted };
}

async function render(outcome: CheckOutcome, format: Format, fleet: boolean, jobs: number): Promise<string> {
  switch (format) {
    case 'json': {
      const { databaseJson, fleetJson } = await import('../ci/json.ts');
      return jsonText(fleet ? fleetJson(outcome) : databaseJson(outcome.databases[0]), 2) + '\n';
    }
    case 'sarif':
      return jsonText(await (await import('../ci/sarif.ts')).sarifLog(outcome), 2) + '\n';
    case 'junit':
      return (await import('../ci/junit.ts')).junitXml(outcome) + '\n';
    case 'markdown':
      return (await import('../ci/markdown.ts')).markdownSummary(outcome);
    case 'text':
      return fleet ? (await import('../ci/fleet-text.ts')).fleetText(outcome, jobs) : textReport(outcome.databases[0], outcome.notebooks, outcome.config.file);
  }
}

/** What the output itself may not say where a person sees it: failures, expired ignores, stale ignores (stderr). */
async function report(outcome: CheckOutcome, format: Format, args: CheckArgs, subset: boolean): Promise<void> {
  const say = (line: string) => process.stderr.write(`pgadvisor: ${line}\n`);
  const dbs = outcome.databases;
  const failedDbs = dbs.filter((d) => d.status === 'failed');
  if (failedDbs.length && (format !== 'text' || dbs.length > 1)) {
    say(`${failedDbs.length} of ${dbs.length} database${dbs.length === 1 ? '' : 's'} could not be checked (${failedDbs.map((d) => printable(d.target)).join(', ')}); exit 2`);
  }
  if (failedDbs.length === 1 && dbs.length === 1) say(printable(`${failedDbs[0].target}: ${failedDbs[0].error}`));
  const errors = dbs.flatMap((d) => d.errors);
  if (errors.length && !args.allowErrors) {
    say(`${errors.length} cell${errors.length === 1 ? '' : 's'} failed (${errors.map((e) => `${printable(e.playbook)}/${printable(e.check)}`).join(', ')}); exit 2 (--allow-errors to ignore)`);
  }
  const expired = dbs.flatMap((d) => d.expired);
  if (expired.length && format !== 'text') {
    say(`${expired.length} ignore${expired.length === 1 ? ' has' : 's have'} expired; reported again: ${[...new Set(expired.map((e) => `${printable(e.id)} (expired ${e.expires})`))].join(', ')}`);
  }
  if (outcome.config.file && !subset && dbs.some((d) => d.status === 'ok')) {
    const ids = dbs.flatMap((d) => [...d.findings, ...d.suppressed.map((s) => s.finding)].map((f) => f.id));
    const { unusedIgnores } = await import('../config/apply.ts');
    for (const i of unusedIgnores(outcome.config, ids)) say(`${outcome.config.file}:${i.line}: ignore "${printable(i.finding)}" matched no finding (fixed? remove it)`);
  }
}

function parseFormat(args: CheckArgs): Format {
  const format = args.format ?? (args.json ? 'json' : 'text');
  if (!FORMATS.includes(format as Format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  if (args.json && format !== 'json') throw new UsageError(`--json is --format json; it cannot go with --format ${format}`);
  return format as Format;
}

const BY_EXTENSION: [RegExp, Format][] = [
  [/\.sarif(\.json)?$/i, 'sarif'],
  [/\.xml$/i, 'junit'],
  [/\.json$/i, 'json'],
  [/\.(md|markdown)$/i, 'markdown'],
  [/\.(txt|log)$/i, 'text'],
];

/** --output FILE (repeatable): the format comes from the extension, so one run writes every report CI wants. */
function parseOutputs(v: string | string[] | undefined): { file: string; format: Format }[] {
  return (Array.isArray(v) ? v : v ? [v] : []).map((file) => {
    const format = BY_EXTENSION.find(([re]) => re.test(file))?.[1];
    if (!format) throw new UsageError(`--output ${file}: name the format by the extension (.sarif, .xml for JUnit, .json, .md, .txt)`);
    return { file, format };
  });
}

function parseJobs(v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 256) throw new UsageError(`--jobs must be a whole number from 1 to 256 (got ${v})`);
  return v;
}

/** A level as the screens show it (warn, crit) or in full, in any case; null when it is none. */
export function severityOf(v: string): Severity | null {
  return LEVEL_ALIASES[v.trim().toLowerCase()] ?? null;
}

const LEVELS = 'info, warn (warning) or crit (critical)';

function parseLevel(v: string, flag: string): Severity {
  const level = severityOf(v);
  if (!level) throw new UsageError(`${flag} must be ${LEVELS} (got "${printable(v)}")`);
  return level;
}

function parseAccept(v: string): AcceptLevel {
  if (v === 'all' || v === 'none') return v;
  const level = severityOf(v);
  if (!level) throw new UsageError(`--accept must be all, none, or ${LEVELS} (got "${printable(v)}")`);
  return level;
}

const MARK: Record<Severity, string> = { critical: 'CRIT', warning: 'WARN', info: 'INFO' };

function textReport(db: DatabaseOutcome, notebooks: Notebook[], configFile: string | null): string {
  const out: string[] = [];
  if (db.status === 'failed') return `pgadvisor ${TOOL_VERSION} — ${printable(db.target)} — could not be checked: ${printable(db.error ?? '')}\n`;
  out.push(`pgadvisor ${TOOL_VERSION} — ${printable(db.target)} — ${printable(serverLabel(db.server!))}`);
  const expired = new Map(db.expired.map((e) => [e.id, e]));
  for (const p of notebooks) {
    const found = db.findings.filter((f) => f.playbook === p.id);
    out.push('', `## ${printable(p.title)} (${found.length} finding${found.length === 1 ? '' : 's'})`);
    for (const f of [...found].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))) {
      const marks = `${f.up ? '' : '  [advice]'}${db.newIds?.has(f.id) ? '  [new]' : ''}`;
      out.push(`  ${MARK[f.severity]}  ${printable(f.target)}  ${printable(f.title)}${marks}`);
      const e = expired.get(f.id);
      if (e) out.push(`        ignore expired ${e.expires} (${printable(e.reason)}): reported again`);
    }
    for (const e of db.errors.filter((x) => x.playbook === p.id)) out.push(`  ERR   ${printable(e.check)}: ${printable(e.error)}`);
  }
  const bySeverity = SEVERITIES.map((s) => `${db.findings.filter((f) => f.severity === s).length} ${s}`).reverse().join(', ');
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const fresh = db.newIds ? `, ${db.findings.filter((f) => db.newIds!.has(f.id)).length} new` : '';
  out.push('', `${n(db.findings.length, 'finding')} (${bySeverity}${fresh}); ${n(db.skipped.length, 'check')} skipped; ${n(db.errors.length, 'cell')} failed`);
  for (const s of db.skipped) out.push(`  skipped ${printable(s.playbook)}/${printable(s.check)}: ${printable(s.reason)}`);
  if (db.suppressed.length) {
    out.push('', `${n(db.suppressed.length, 'finding')} ignored by ${configFile}:`);
    for (const s of db.suppressed) out.push(`  ${printable(s.finding.id)}: ${printable(s.reason)}${s.expires ? ` (until ${s.expires})` : ''}`);
  }
  if (db.workload.length) out.push('', 'Workload:', ...db.workload.flatMap(workloadLines));
  if (db.saved) out.push('', `snapshot:  ${printable(db.saved.snapshot)}`, `migration: ${printable(db.saved.migration)}`, `rollback:  ${printable(db.saved.rollback)}`);
  return out.join('\n') + '\n';
}

/** One source of the workload: what it gave, what it left out and why (counts and reasons, never statement text). */
function workloadLines(s: WorkloadSourceSummary): string[] {
  const skipped = s.skipped.reduce((a, k) => a + k.count, 0);
  return [
    `  ${printable(s.name)} (${printable(s.format)}): ${s.entries} entries, ${s.statements} statements${skipped ? `, ${skipped} left out` : ''}`,
    ...s.skipped.map((k) => `    ${k.count} × ${printable(k.reason)}`),
    ...s.notes.map((note) => `    note: ${printable(note)}`),
  ];
}
