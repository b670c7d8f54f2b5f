// `pgadvisor session`: the review TUI over a live run of the playbooks.
import path from 'node:path';
import { appRolesOf, checkConfigAgainst } from '../config/apply.ts';
import { emptyConfig, loadConfig } from '../config/load.ts';
import { UsageError, resolveTarget } from '../db/target.ts';
import type { Decision } from '../playbooks/types.ts';
import { connect, runLive, selectNotebooks, withWorkloadFeed, type Connected } from '../playbooks/live.ts';
import { readSnapshot, SnapshotError } from '../snapshot/io.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { findAutosave } from '../snapshot/save.ts';
import { farewell, interactive, needsTerminal, runReview } from '../tui/run.ts';
import { plural } from '../tui/text.ts';
import { TOOL_VERSION } from '../version.ts';
import { fail } from './fail.ts';
import { workloadFiles, type WorkloadArgs } from './workload-files.ts';
import { ConfigError } from '../config/error.ts';
import type { ScratchCell } from '../notebook/scratch.ts';
import type { Workload } from '../workload/types.ts';
import { PLAYBOOK_DIR } from '../playbooks/loader.ts';
import { asUsageError, teamDirs, type TeamPlaybookArgs } from './team-playbooks.ts';

export interface SessionArgs extends WorkloadArgs, TeamPlaybookArgs {
  url?: string;
  playbook?: string[];
  out: string;
  baseline?: string;
  resume?: string;
  /** roles the application connects as (--app-role); the config file's app_roles otherwise */
  appRole?: string[];
  /** the config file (--config), false for none (--no-config): a session takes its playbook_dirs and app_roles */
  config?: string | false;
}

export async function sessionCommand(args: SessionArgs): Promise<number> {
  if (!interactive()) return fail(needsTerminal('session'));

  let notebooks;
  let files: Awaited<ReturnType<typeof workloadFiles>> = [];
  let baseline: Snapshot | null = null;
  let resumed: Record<string, Decision> | undefined;
  let appRoles: string[];
  let resumedNotes: ScratchCell[] | undefined;
  try {
    // the same file check reads, refused the same way when it is wrong: a session takes its team folders and app_roles
    const config = args.config === false ? emptyConfig() : await loadConfig(args.config);
    const teams = teamDirs(args, config);
    const asUsage = (err: unknown) => Promise.reject(asUsageError(err));
    if (config.file) checkConfigAgainst(config, await selectNotebooks(undefined, PLAYBOOK_DIR, teams).catch(asUsage));
    appRoles = appRolesOf(args.appRole, config);
    notebooks = await selectNotebooks(args.playbook, PLAYBOOK_DIR, teams).catch(asUsage);
    files = await workloadFiles(args);
    if (args.baseline) baseline = await readSnapshot(args.baseline);
    if (args.resume) {
      const earlier = await readSnapshot(args.resume);
      resumed = earlier.decisions;
      resumedNotes = earlier.notes;
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof SnapshotError || err instanceof ConfigError) return fail(err.message);
    throw err;
  }

  // The demo shows its screen at once and starts inside the run; a real server is connected first, so a bad
  // URL or password is one line on stderr rather than a screen.
  const demo = resolveTarget(args.url).source === 'demo';
  let conn: Connected | null = null;
  if (!demo) {
    try {
      conn = await connect(args.url, { appRoles });
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
  }

  try {
    const notice: string[] = [];
    if (resumed) notice.push(`restored ${plural(Object.keys(resumed).length, 'decision')} from ${args.resume} (unsaved until w writes them)`);
    else {
      // only an autosave of this same database (the demo's, for the demo) is worth pointing at
      const earlier = await findAutosave(args.out, conn ? { database: conn.server.database, demo: false } : { demo: true });
      if (earlier) notice.push(`unsaved decisions of an earlier session of this database are in ${earlier.file} (quit and run with --resume ${earlier.file} to restore them)`);
    }
    const carried = baseline ? { file: path.basename(args.baseline!), takenAt: baseline.takenAt, decisions: { ...(baseline.baseline?.decisions ?? {}), ...baseline.decisions } } : null;
    // the run's workload, in memory only: EXPLAIN plans a statement with the constants a --workload file gave
    let workload: Workload | null = null;
    const onWorkload = (w: Workload) => (workload = w);
    const result = await runReview({
      source: demo ? { kind: 'demo', display: 'embedded demo database' } : { kind: 'live', display: conn!.target.display },
      run: {
        total: notebooks.reduce((n, nb) => n + nb.cells.length, 0),
        start: async (onEvent, signal) => {
          if (!conn) {
            onEvent({ type: 'status', text: 'starting the embedded demo database (PGlite)…' });
            conn = await connect(undefined, { appRoles });
          }
          return runLive(conn, notebooks, onEvent, signal, { workloadFiles: files, workloadDatabase: args.workloadDatabase, onWorkload });
        },
        rerun: (ids, onEvent, signal) =>
          runLive(conn!, withWorkloadFeed(notebooks.filter((n) => ids.includes(n.id)), notebooks, { whole: true }), onEvent, signal, { workloadFiles: files, workloadDatabase: args.workloadDatabase, onWorkload }),
      },
      database: () => (conn as Connected | null)?.db ?? null,
      samples: (queryid) => {
        const w = workload as Workload | null;
        const st = w?.statements.find((s) => s.queryid === queryid);
        return st ? (w!.samples(st.id)[0] ?? null) : null;
      },
      scratch: resumedNotes,
      restored: resumed,
      baseline: carried,
      carryFrom: baseline ? { snapshot: baseline, file: path.basename(args.baseline!) } : null,
      outDir: args.out,
      toolVersion: TOOL_VERSION,
      demo,
      notice,
    });
    farewell(result);
    return result.code;
  } finally {
    await (conn as Connected | null)?.close();
  }
}
