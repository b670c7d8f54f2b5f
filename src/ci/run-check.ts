// One `check` run over one database or many: connect, run the playbooks, apply the config file, save a
// snapshot per database when asked, and mark what is new against a baseline. Headless: the command prints.
import path from 'node:path';
import { applyConfig, type Applied } from '../config/apply.ts';
import type { Config } from '../config/schema.ts';
import type { Target } from '../db/target.ts';
import { FLEET_CONNECTIONS, runFleet } from '../fleet/run.ts';
import { severityRank, type Decision, type Finding, type Notebook, type RunResult, type Severity } from '../playbooks/types.ts';
import { connect, runLive } from '../playbooks/live.ts';
import { TOOL_VERSION } from '../version.ts';
import type { WorkloadFormat } from '../workload/types.ts';
import { markNew, readBaseline } from './baseline.ts';
import { databaseOutcome, type CheckOutcome, type DatabaseOutcome, type SavedFiles } from './outcome.ts';

export type AcceptLevel = Severity | 'all' | 'none';

export interface CheckPlan {
  targets: Target[];
  /** several databases (a fleet run): each saves into its own folder and a failure is reported, not thrown */
  fleet: boolean;
  notebooks: Notebook[];
  config: Config;
  jobs: number;
  failOn: Severity | null;
  /** --workload files (checked before anything connects) and --workload-database */
  workload?: { files: { path: string; format: WorkloadFormat }[]; database?: string };
  /** the roles the application connects as (--app-role, else the config's app_roles), judged by the RLS checks */
  appRoles?: string[];
  /** --fail-on-new */
  baseline: string | null;
  save: { dir: string; accept: AcceptLevel; carryFrom: string | null } | null;
  /** told when a database starts needing the demo, and when each database is done */
  onDemo?: () => void;
  onDone?: (db: DatabaseOutcome, done: number) => void;
}

export async function runCheck(plan: CheckPlan): Promise<CheckOutcome> {
  // read before connecting: a bad baseline is a usage error, not something to find out after the run
  const baseline = plan.baseline ? await readBaseline(plan.baseline) : null;
  const one = (target: Target) => checkDatabase(target, plan);
  const databases = plan.fleet ? await runFleet(plan.targets, plan.jobs, one, plan.onDone) : [await one(plan.targets[0])];
  if (baseline) markNew(databases, baseline);
  return { databases, notebooks: plan.notebooks, config: plan.config, failOn: plan.failOn, baseline: plan.baseline };
}

async function checkDatabase(target: Target, plan: CheckPlan): Promise<DatabaseOutcome> {
  // a fleet keeps to two connections a database, with `jobs` databases at once (fleet/run.ts)
  const conn = await connect(target, { appRoles: plan.appRoles, ...(plan.fleet ? { connections: FLEET_CONNECTIONS } : {}) });
  let data: RunResult;
  try {
    if (conn.demo) plan.onDemo?.();
    // without --save nothing keeps the evidence-only probes, so only what yields findings runs
    data = await runLive(conn, plan.notebooks, undefined, undefined, {
      findingsOnly: !plan.save,
      thresholds: plan.config.thresholds,
      workloadFiles: plan.workload?.files ?? [],
      workloadDatabase: plan.workload?.database,
    });
  } finally {
    await conn.close();
  }
  let saved: SavedFiles | null = null;
  if (plan.save) {
    const dir = plan.fleet ? path.join(plan.save.dir, folderFor(target)) : plan.save.dir;
    saved = await saveChecked(dir, data, applyConfig(data.findings, plan.config), plan.save.accept, conn.demo, plan.save.carryFrom, plan.config.file);
  }
  return databaseOutcome(conn.target.display, data, plan.config, saved);
}

/** `host_port_db` for a fleet's per-database folder (no user, nothing a path could misread). */
export function folderFor(target: Target): string {
  return target.display.replace(/^[^@]*@/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

/**
 * The snapshot and migration, accepting what --accept names. Severities are the config's; an ignored
 * finding is recorded as rejected, with the ignore's reason as the note.
 */
async function saveChecked(dir: string, data: RunResult, applied: Applied, accept: AcceptLevel, demo: boolean, carryFrom: string | null, configFile: string | null) {
  const { newSnapshot, readSnapshot } = await import('../snapshot/io.ts');
  const { saveSession } = await import('../snapshot/save.ts');
  const at = new Date().toISOString();
  const findings = [...applied.findings, ...applied.suppressed.map((s) => s.finding)];
  const order = new Map(data.findings.map((f, i) => [f.id, i]));
  findings.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const decisions: Record<string, Decision> = {};
  for (const f of applied.findings) decisions[f.id] = { state: accepts(accept, f) ? 'accepted' : 'pending', note: '', at };
  for (const s of applied.suppressed) decisions[s.finding.id] = { state: 'rejected', note: `ignored by ${configFile}: ${s.reason}`, at };
  let snapshot = newSnapshot({ ...data, findings }, { toolVersion: TOOL_VERSION, takenAt: at, demo, decisions });
  if (carryFrom) {
    const { carryDecisions } = await import('../snapshot/carry.ts');
    snapshot = carryDecisions(await readSnapshot(carryFrom), snapshot);
  }
  return saveSession(dir, snapshot);
}

function accepts(level: AcceptLevel, f: Finding): boolean {
  if (level === 'none') return false;
  if (level === 'all') return true;
  return severityRank(f.severity) >= severityRank(level);
}
