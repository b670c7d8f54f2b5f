// The embedded demo database: demo/schema.sql loaded into PGlite once, its data directory cached;
// every start loads the cache, refreshes statistics and replays demo/workload.sql.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { protocol, type PGlite } from '@electric-sql/pglite';
import {
  cacheDir,
  dropCachedTarball,
  openPglite,
  pgliteVersion,
  readCachedTarball,
  servePglite,
  writeCachedTarball,
  type PgliteServer,
} from './pglite-server.ts';
import type { Target } from './target.ts';
import { PACKAGE_ROOT } from '../paths.ts';

export const DEMO_DIR = join(PACKAGE_ROOT, 'demo');
const EXTENSIONS = ['pg_stat_statements'];
/** Bump when buildDataDir changes what it produces from the same schema. */
const BUILD_RECIPE = 2;

export interface DemoTimings {
  /** building the data directory from demo/schema.sql (0 when the cache was used) */
  buildMs: number;
  /** loading the data directory into PGlite */
  loadMs: number;
  /** ANALYZE + the workload, then serving it on a socket */
  workloadMs: number;
  totalMs: number;
}

export interface Demo {
  target: Target;
  stop(): Promise<void>;
  /** true when the cached data directory was used (no initdb, no schema load) */
  cached: boolean;
  timings: DemoTimings;
}

export interface DemoOptions {
  /** where the demo data directory is cached (default: cacheDir()) */
  cacheDir?: string;
}

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const t0 = performance.now();
  const schema = await readDemoFile('schema.sql');
  const workload = parseWorkload(await readDemoFile('workload.sql'));
  const file = demoCacheFile(schema, opts.cacheDir);

  let tar = await readCachedTarball(file);
  const cached = tar !== null;
  let buildMs = 0;
  if (!tar) {
    const b = performance.now();
    tar = await buildDataDir(schema).catch((err: Error) => {
      throw new Error(`cannot build the embedded demo database: ${err.message.split('\n')[0]}`, { cause: err });
    });
    await writeCachedTarball(file, tar).catch(() => undefined); // an unwritable cache only costs speed
    buildMs = performance.now() - b;
  }

  const l = performance.now();
  let db: PGlite;
  try {
    db = await openPglite({ extensions: EXTENSIONS, dataDir: tar });
  } catch (err) {
    if (cached) {
      // It gunzipped but does not start: throw it away and build afresh.
      await dropCachedTarball(file);
      return startDemo(opts);
    }
    throw new Error(`cannot start the embedded demo database: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const loadMs = performance.now() - l;

  const w = performance.now();
  let server: PgliteServer;
  try {
    await refreshStatistics(db, workload);
    server = await servePglite(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new Error(`the embedded demo database failed to start: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const workloadMs = performance.now() - w;

  return {
    target: { source: 'demo', display: 'embedded demo database (PGlite)', config: { connectionString: server.url } },
    stop: () => server.stop(),
    cached,
    timings: { buildMs: Math.round(buildMs), loadMs: Math.round(loadMs), workloadMs: Math.round(workloadMs), totalMs: Math.round(performance.now() - t0) },
  };
}

async function readDemoFile(name: string): Promise<string> {
  const path = join(DEMO_DIR, name);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the demo database's ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The cache file for this schema: keyed by the PGlite version, the extensions, the build recipe and the schema. */
export function demoCacheFile(schema: string, dir = cacheDir()): string {
  const key = createHash('sha256').update(`${pgliteVersion()}\0${EXTENSIONS.join(',')}\0${BUILD_RECIPE}\0${schema}`).digest('hex').slice(0, 16);
  return join(dir, `demo-${key}.tar.gz`);
}

async function buildDataDir(schema: string): Promise<Blob> {
  // Loading writes ~60 MB of WAL; without recycling, the checkpoints delete it instead of keeping
  // it as spare segments, so the tarball (and every start's untar) is that much smaller.
  const db = await openPglite({ extensions: EXTENSIONS, settings: { wal_recycle: 'off', min_wal_size: '32MB' } });
  try {
    await db.exec(schema);
    await db.exec('CHECKPOINT');
    await db.exec('CHECKPOINT');
    return await db.dumpDataDir('none');
  } finally {
    await db.close();
  }
}

export interface WorkloadStatement {
  sql: string;
  /** a query whose rows are the parameter sets, one execution per row */
  each?: string;
  repeat: number;
}

/** Statements end with ";" at a line end; `-- each: SQL` and `-- repeat: N` comment lines above one direct it. */
export function parseWorkload(text: string): WorkloadStatement[] {
  const out: WorkloadStatement[] = [];
  let each: string | undefined;
  let repeat = 1;
  let body: string[] = [];
  const finish = () => {
    const sql = body.join('\n').trim().replace(/;$/, '').trim();
    if (sql) out.push({ sql, each, repeat });
    else if (each) throw new Error(`workload: "-- each:" without a statement after it`);
    each = undefined;
    repeat = 1;
    body = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    const directive = /^--\s*(each|repeat):\s*(.+)$/.exec(trimmed);
    if (directive?.[1] === 'each') each = directive[2].replace(/;\s*$/, '');
    else if (directive?.[1] === 'repeat') {
      repeat = Number(directive[2]);
      if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`workload: bad repeat count "${directive[2]}"`);
    } else if (!trimmed.startsWith('--')) {
      body.push(line);
      if (trimmed.endsWith(';')) finish();
    }
  }
  finish();
  return out;
}

/**
 * PGlite keeps no statistics across a restart (no clean shutdown writes them), so each start:
 * ANALYZE (n_live_tup, n_dead_tup from the planted dead rows), an empty pg_stat_statements, the
 * workload, and a flush so pg_stat_user_tables/indexes show it at once. The helper queries that pick
 * parameters run with tracking off, so pg_stat_statements holds the workload and nothing else.
 */
async function refreshStatistics(db: PGlite, workload: WorkloadStatement[]): Promise<void> {
  // One column per table is enough to report live/dead tuples; pg_statistic keeps the cold build's
  // histograms for the other columns, and this is several times faster than a full ANALYZE.
  const analyze = await run(
    db,
    `SELECT format('ANALYZE %I.%I (%I)', n.nspname, c.relname, a.attname)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = (SELECT min(attnum) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped)
     WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`,
  );
  await db.exec(analyze.map((r) => `${r[0]};`).join('\n'));
  await db.exec(`SET pg_stat_statements.track_utility = off; SET pg_stat_statements.track = 'none'`);
  await run(db, 'SELECT pg_stat_statements_reset()');
  try {
    for (const st of workload) {
      const params = st.each ? await run(db, st.each) : [[]];
      await db.exec(`SET pg_stat_statements.track = 'top'`);
      for (let i = 0; i < st.repeat; i++) for (const p of params) await run(db, st.sql, p);
      await db.exec(`SET pg_stat_statements.track = 'none'`);
    }
    await run(db, 'SELECT pg_stat_force_next_flush()');
  } finally {
    await db.exec('RESET pg_stat_statements.track; RESET pg_stat_statements.track_utility');
  }
}

/**
 * One statement through the extended protocol in a single round trip, parameters and results as
 * Postgres text (what an ORM sends; db.query would add a Describe round trip and parse every value).
 */
async function run(db: PGlite, sql: string, params: (string | null)[] = []): Promise<(string | null)[][]> {
  const { serialize } = protocol;
  const parts = [serialize.parse({ text: sql }), serialize.bind({ values: params }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()];
  const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    message.set(p, at);
    at += p.length;
  }
  const { messages } = await db.runExclusive(() => db.execProtocol(message));
  return messages.filter((m) => m.name === 'dataRow').map((m) => (m as unknown as { fields: (string | null)[] }).fields);
}
