// What `check` reports for each database it ran on, whatever the output format: the findings after the
// config file (severities, ignores), the checks that were skipped or failed, and whether the database
// could be checked at all. A fleet run is a list of these; a single run is a list of one.
import { applyConfig, type Expired, type Suppressed } from '../config/apply.ts';
import { cellErrors, FAILED_STATUSES, type CellError } from '../playbooks/cell-errors.ts';
import type { Config } from '../config/schema.ts';
import type { Finding, Notebook, ServerFacts, RunResult, Severity, Skipped } from '../playbooks/types.ts';
import { severityRank } from '../playbooks/types.ts';
import type { WorkloadSourceSummary } from '../workload/types.ts';

/** How each finding- or skip-producing cell ended, for the JUnit report's test cases. */
export interface CheckRun {
  playbook: string;
  check: string;
  title: string;
  status: 'ok' | 'skipped' | 'error';
  reason: string | null;
}

export interface SavedFiles {
  snapshot: string;
  migration: string;
  rollback: string;
}

export interface DatabaseOutcome {
  /** `user@host:port/db`: never a password or a full URL */
  target: string;
  /** the database's name (from the server when it answered) */
  database: string;
  /** `failed`: the database could not be checked (unreachable, refused, not read-only…) */
  status: 'ok' | 'failed';
  error: string | null;
  server: ServerFacts | null;
  findings: Finding[];
  suppressed: Suppressed[];
  expired: Expired[];
  skipped: Skipped[];
  errors: CellError[];
  checks: CheckRun[];
  saved: SavedFiles | null;
  /** what each workload source gave and left out (counts and reasons, never statement text) */
  workload: WorkloadSourceSummary[];
  /** with --fail-on-new: the ids of findings the baseline did not have (null without a baseline) */
  newIds: Set<string> | null;
}

export interface CheckOutcome {
  databases: DatabaseOutcome[];
  notebooks: Notebook[];
  config: Config;
  /** --fail-on: the level a finding must reach to fail the run (null: findings never fail it) */
  failOn: Severity | null;
  /** --fail-on-new: the baseline file, as given */
  baseline: string | null;
}

/** One database's run, with the config applied. Keeps no cell rows: a fleet holds many of these at once. */
export function databaseOutcome(target: string, data: RunResult, config: Config, saved: SavedFiles | null = null): DatabaseOutcome {
  const applied = applyConfig(data.findings, config);
  const checks: CheckRun[] = [];
  for (const p of data.playbooks) {
    for (const r of p.runs) {
      const failed = FAILED_STATUSES.includes(r.status);
      if (r.kind === 'probe' && r.status === 'ok') continue;
      checks.push({ playbook: p.id, check: r.cell, title: r.title, status: failed ? 'error' : r.status === 'skipped' ? 'skipped' : 'ok', reason: r.reason });
    }
  }
  return {
    target,
    database: data.server.database,
    status: 'ok',
    error: null,
    server: data.server,
    ...applied,
    skipped: data.skipped,
    errors: cellErrors(data.playbooks),
    checks,
    saved,
    workload: data.workload ?? [],
    newIds: null,
  };
}

/** A database that could not be checked: reported with its one-line reason, the others go on. */
export function failedOutcome(target: string, error: string): DatabaseOutcome {
  const database = /\/([^/]*)$/.exec(target)?.[1] ?? target;
  return { target, database, status: 'failed', error, server: null, findings: [], suppressed: [], expired: [], skipped: [], errors: [], checks: [], saved: null, workload: [], newIds: null };
}

/** The findings that fail the run: at or above --fail-on (any level with --fail-on-new alone), and new when there is a baseline. */
export function failingFindings(db: DatabaseOutcome, failOn: Severity | null, gateOnNew: boolean): Finding[] {
  if (!failOn && !gateOnNew) return [];
  return db.findings.filter((f) => (!failOn || severityRank(f.severity) >= severityRank(failOn)) && (!db.newIds || db.newIds.has(f.id)));
}

/**
 * 2 when a database could not be checked or a check failed (unless errors are allowed), else 1 when a
 * finding fails the run, else 0.
 */
export function exitCode(outcome: CheckOutcome, allowErrors = false): number {
  const dbs = outcome.databases;
  if (dbs.some((d) => d.status === 'failed')) return 2;
  if (!allowErrors && dbs.some((d) => d.errors.length)) return 2;
  return dbs.some((d) => failingFindings(d, outcome.failOn, outcome.baseline !== null).length) ? 1 : 0;
}

/**
 * A short stable name per database for reports and fingerprints: its name when no other database in the run
 * has it, else `host:port/db` (never the user or a password).
 */
export function databaseKeys(databases: DatabaseOutcome[]): Map<DatabaseOutcome, string> {
  const count = new Map<string, number>();
  for (const d of databases) count.set(d.database, (count.get(d.database) ?? 0) + 1);
  return new Map(databases.map((d) => [d, count.get(d.database)! > 1 ? d.target.replace(/^[^@]*@/, '') : d.database]));
}
