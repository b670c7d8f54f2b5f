// pg, the runner and the analyzers (with libpg-query's WASM) are imported when a session connects and
// runs, not with this module: the demo's first screen is drawn before either happens.
import type { ReadOnlyDb, ReadOnlyDbOptions } from '../db/read-only.ts';
import { resolveTarget, UsageError, type Target } from '../db/target.ts';
import { ANALYZER_INPUTS } from './inputs.ts';
import { loadNotebooks, PLAYBOOK_DIR } from './loader.ts';
import type { RunEvent, RunOptions } from './runner.ts';
import type { Notebook, ServerFacts, RunResult } from './types.ts';
import type { WorkloadFormat } from '../workload/types.ts';

export interface Connected {
  db: ReadOnlyDb;
  target: Target;
  server: ServerFacts;
  demo: boolean;
  close(): Promise<void>;
}

/** Extensions the notebooks' SQL names without a schema, as it stays runnable pasted into psql. */
const UNQUALIFIED_EXTENSIONS = ['pg_stat_statements'];

/**
 * Where those extensions are installed in this database: a schema off the session's search_path (Supabase's
 * `extensions`, a dedicated one) is appended to it inside each read-only transaction (ReadOnlyDb.setExtensionSchemas).
 */
function unqualifiedExtensionSchemas(server: ServerFacts): string[] {
  return server.extensions.filter((e) => UNQUALIFIED_EXTENSIONS.includes(e.name)).map((e) => e.schema);
}

/**
 * Opens the read-only session: --url (or a target already resolved), DATABASE_URL, PG* variables, else the embedded
 * demo. `appRoles` are the application's roles every cell may read (ReadOnlyDb.setAppRoles).
 */
export async function connect(
  url: string | Target | undefined,
  { appRoles = [], ...options }: Partial<ReadOnlyDbOptions> & { appRoles?: string[] } = {},
): Promise<Connected> {
  let target = typeof url === 'object' ? url : resolveTarget(url);
  let stopDemo: (() => Promise<void>) | undefined;
  if (target.source === 'demo') {
    const { startDemoProcess } = await import('../db/demo-process.ts');
    const demo = await startDemoProcess();
    target = demo.target;
    stopDemo = demo.stop;
  }
  const early = Object.keys(options).length ? null : (await import('../db/prestart.ts')).takePrestarted(target);
  if (early) {
    const { db, server } = await early;
    db.setAppRoles(appRoles);
    db.setExtensionSchemas(unqualifiedExtensionSchemas(server));
    return { db, target, server, demo: false, close: () => db.close() };
  }
  const [{ ReadOnlyDb }, { probeServer }] = await Promise.all([import('../db/read-only.ts'), import('../db/server-facts.ts')]);
  let db: ReadOnlyDb;
  try {
    db = await ReadOnlyDb.open(target, options);
  } catch (err) {
    await stopDemo?.();
    throw err;
  }
  db.setAppRoles(appRoles);
  const server = await probeServer(db);
  db.setExtensionSchemas(unqualifiedExtensionSchemas(server));
  return {
    db,
    target,
    server,
    demo: Boolean(stopDemo),
    close: async () => {
      await db.close();
      await stopDemo?.();
    },
  };
}

/**
 * The notebooks to run: all, or those named (an unknown name is a usage error listing the valid ones). When a
 * named notebook reads the workload and the notebook whose probe feeds it is not named, that notebook comes
 * along with only the cells that read and show the workload, so the one read of pg_stat_statements stays a
 * visible cell.
 */
export async function selectNotebooks(ids: string[] | undefined, dir: string = PLAYBOOK_DIR, teamDirs: readonly string[] = []): Promise<Notebook[]> {
  const all = await loadNotebooks(dir, ANALYZER_INPUTS, teamDirs);
  if (!ids?.length) return all;
  const unknown = ids.filter((id) => !all.some((n) => n.id === id));
  if (unknown.length) {
    throw new UsageError(`unknown playbook ${unknown.map((u) => `"${u}"`).join(', ')} (available: ${all.map((n) => n.id).join(', ')})`);
  }
  return withWorkloadFeed(all.filter((n) => ids.includes(n.id)), all);
}

/**
 * `chosen` with the probe that feeds the workload: when one of them reads the workload and the notebook whose
 * probe feeds it is not among them, that notebook (from `all`) comes along — whole with `whole` (running
 * sections of a session again), else with only the cells that read and show the workload.
 */
export function withWorkloadFeed(chosen: Notebook[], all: Notebook[], { whole = false } = {}): Notebook[] {
  const feeding = all.find((n) => n.cells.some((c) => c.feeds));
  const readsWorkload = chosen.some((n) => n.cells.some((c) => ANALYZER_INPUTS[c.analyzer ?? '']?.workload));
  if (!feeding || chosen.some((n) => n.id === feeding.id) || !readsWorkload) return chosen;
  if (whole) return all.filter((n) => n === feeding || chosen.some((c) => c.id === n.id));
  const workloadOnly = (c: Notebook['cells'][number]) => {
    const d = ANALYZER_INPUTS[c.analyzer ?? ''];
    return c.feeds !== null || (d !== undefined && d.workload && !d.findings && !Object.keys(d.probes).length);
  };
  const keep = new Set(feeding.cells.filter(workloadOnly).map((c) => c.id));
  const partial = { ...feeding, cells: feeding.cells.filter((c) => keep.has(c.id)), blocks: feeding.blocks.filter((b) => b.type === 'cell' && keep.has(b.cellId)) };
  return all.filter((n) => n === feeding || chosen.some((c) => c.id === n.id)).map((n) => (n === feeding ? partial : chosen.find((c) => c.id === n.id)!));
}

export async function runLive(
  conn: Connected,
  notebooks: Notebook[],
  onEvent?: (e: RunEvent) => void,
  signal?: AbortSignal,
  {
    findingsOnly = false,
    workloadFiles = [],
    workloadDatabase,
    thresholds,
    onWorkload,
  }: {
    findingsOnly?: boolean;
    workloadFiles?: { path: string; format: WorkloadFormat }[];
    workloadDatabase?: string;
    thresholds?: Record<string, Record<string, number>>;
    onWorkload?: RunOptions['onWorkload'];
  } = {},
): Promise<RunResult> {
  const [{ runPlaybooks }, { findingCells }] = await Promise.all([import('./runner.ts'), import('./findings-only.ts')]);
  const cells = findingsOnly ? findingCells(notebooks, conn.server, { workloadFiles: workloadFiles.length }) : notebooks;
  // the analyzer registry loads while the SQL cells wait on the server (each analyzer's code on first use)
  const analyzers = import('./analyzers/index.ts').then((m) => m.ANALYZERS);
  // with a workload to analyze the parser is needed: its WebAssembly starts up while the client would
  // otherwise sit idle waiting on the server (for pg_stat_statements, once it has statements to analyze)
  const loadParser = () => void import('../workload/resolve.ts').then((m) => m.loadParser()).catch(() => undefined);
  if (workloadFiles.length) loadParser();
  return runPlaybooks({ db: conn.db, server: conn.server, notebooks: cells, analyzers, onEvent, signal, workloadFiles, workloadDatabase, thresholds, onWorkload, onWorkloadStatements: loadParser });
}
