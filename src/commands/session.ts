// `pgadvisor session`: the review TUI over a live run of the playbooks.
import path from 'node:path';
import { appRolesOf, checkConfigAgainst } from '../config/apply.ts';
import { ConfigError } from '../config/error.ts';
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

export interface SessionArgs extends WorkloadArgs {
  url?: string;
  playbook?: string[];
  out: string;
  baseline?: string;
  resume?: string;
  /** roles the application connects as (--app-role); the config file's app_roles otherwise */
  appRole?: string[];
  /** the config file (--config), false for none (--no-config); only its app_roles shape a session */
  config?: string | false;
}

export async function sessionCommand(args: SessionArgs): Promise<number> {
  if (!interactive()) return fail(needsTerminal('session'));

  let notebooks;
  let files: Awaited<ReturnType<typeof workloadFiles>> = [];
  let baseline: Snapshot | null = null;
  let resumed: Record<string, Decision> | undefined;
  let appRoles: string[];
  try {
    // the same file check reads, refused the same way when it is wrong
    const config = args.config === false ? emptyConfig() : await loadConfig(args.config);
    if (config.file) checkConfigAgainst(config, await selectNotebooks(undefined));
    appRoles = appRolesOf(args.appRole, config);
    notebooks = await selectNotebooks(args.playbook);
    files = await workloadFiles(args);
    if (args.baseline) baseline = await readSnapshot(args.baseline);
    if (args.resume) resumed = (await readSnapshot(args.resume)).decisions;
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
    const result = await runReview({
      source: demo ? { kind: 'demo', display: 'embedded demo database' } : { kind: 'live', display: conn!.target.display },
      run: {
        total: notebooks.reduce((n, nb) => n + nb.cells.length, 0),
        start: async (onEvent, signal) => {
          if (!conn) {
            onEvent({ type: 'status', text: 'starting the embedded demo database (PGlite)…' });
            conn = await connect(undefined, { appRoles });
          }
          return runLive(conn, notebooks, onEvent, signal, { workloadFiles: files, workloadDatabase: args.workloadDatabase });
        },
        rerun: (ids, onEvent, signal) =>
          runLive(conn!, withWorkloadFeed(notebooks.filter((n) => ids.includes(n.id)), notebooks, { whole: true }), onEvent, signal, { workloadFiles: files, workloadDatabase: args.workloadDatabase }),
      },
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
