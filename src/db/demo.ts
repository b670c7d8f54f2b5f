// The embedded demo database: demo/schema.sql loaded into PGlite once, analyzed, and kept as a data
// directory on disk; every start opens a scratch copy of it (PGlite's NodeFS reads only the pages it
// needs, where a tarball would be unpacked whole into memory), refreshes the statistics PGlite loses at
// every restart and replays demo/workload.sql.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { protocol, type PGlite } from '@electric-sql/pglite';
import { cacheDir, compilePgliteWasm, messageScanner, openPglite, pgliteVersion, servePglite, type PgliteServer } from './pglite-server.ts';
import type { Target } from './target.ts';
import { PACKAGE_ROOT } from '../paths.ts';

export const DEMO_DIR = join(PACKAGE_ROOT, 'demo');
const EXTENSIONS = ['pg_stat_statements', 'pg_trgm'];
// The demo's whole database is about 30 MB: a 32 MB buffer cache holds it. PGlite's default (128 MB) is
// zeroed at every start in WebAssembly, which took about 100 ms of the start; the settings playbook reports
// the value the demo really runs with.
const SETTINGS = { shared_buffers: '32MB' };
/** Bump when buildDataDir changes what it produces from the same schema. */
const BUILD_RECIPE = 5;
/** Written into a cached data directory once it is complete, before it is renamed into place. */
const COMPLETE = 'pgadvisor-demo.complete';
const SCRATCH_PREFIX = 'pgadvisor-demo-';

export interface DemoTimings {
  /** building the data directory from demo/schema.sql (0 when the cache was used) */
  buildMs: number;
  /** copying the cached data directory and opening it in PGlite */
  loadMs: number;
  /** ANALYZE + the workload, then serving it on a socket */
  workloadMs: number;
  totalMs: number;
  /** CPU time (user + system) of this process over the start: PGlite's work, whatever else shares the machine */
  cpuMs: number;
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
  /** where each start's copy of it goes (default: /dev/shm when there is one, else the temp folder) */
  scratchDir?: string;
}

export async function startDemo(opts: DemoOptions = {}, retried = false): Promise<Demo> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // compiled on V8's background threads while this thread reads the files and copies the data directory
  const wasm = compilePgliteWasm();
  wasm.catch(() => undefined); // awaited below, where a failure is reported
  const schema = await readDemoFile('schema.sql');
  const workload = parseWorkload(await readDemoFile('workload.sql'));
  const cache = demoCacheDir(schema, opts.cacheDir);

  const cached = existsSync(join(cache, COMPLETE));
  let buildMs = 0;
  if (!cached) {
    const b = performance.now();
    await buildDataDir(schema, cache).catch((err: Error) => {
      throw new Error(`cannot build the embedded demo database: ${err.message.split('\n')[0]}`, { cause: err });
    });
    buildMs = performance.now() - b;
  }

  const l = performance.now();
  const scratch = await scratchCopy(cache, opts.scratchDir);
  const wasmModule = await wasm.catch(async (err: Error) => {
    await rm(scratch, { recursive: true, force: true });
    throw new Error(`cannot load PGlite's WebAssembly module: ${err.message.split('\n')[0]}`, { cause: err });
  });
  let db: PGlite;
  try {
    db = await openPglite({ extensions: EXTENSIONS, path: scratch, wasmModule, settings: SETTINGS });
  } catch (err) {
    await rm(scratch, { recursive: true, force: true });
    if (cached && !retried) {
      // It is there but does not start: throw it away and build afresh.
      await rm(cache, { recursive: true, force: true });
      return startDemo(opts, true);
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
    await rm(scratch, { recursive: true, force: true });
    throw new Error(`the embedded demo database failed to start: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const workloadMs = performance.now() - w;

  let stopped: Promise<void> | undefined;
  return {
    target: { source: 'demo', display: 'embedded demo database (PGlite)', config: { connectionString: server.url } },
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        await rm(scratch, { recursive: true, force: true });
      })()),
    cached,
    timings: {
      buildMs: Math.round(buildMs),
      loadMs: Math.round(loadMs),
      workloadMs: Math.round(workloadMs),
      totalMs: Math.round(performance.now() - t0),
      cpuMs: Math.round(((c) => c.user + c.system)(process.cpuUsage(cpu0)) / 1000),
    },
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

/** The cached data directory for this schema: keyed by the PGlite version, the extensions, the build recipe and the schema. */
export function demoCacheDir(schema: string, dir = cacheDir()): string {
  const key = createHash('sha256').update(`${pgliteVersion()}\0${EXTENSIONS.join(',')}\0${BUILD_RECIPE}\0${schema}`).digest('hex').slice(0, 16);
  return join(dir, `demo-${key}`);
}

/**
 * Builds the data directory beside `cache` and renames it into place once complete (with its marker), so a
 * start never finds half of one; when another start got there first, its directory is kept.
 */
async function buildDataDir(schema: string, cache: string): Promise<void> {
  const building = `${cache}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(building, { recursive: true });
  try {
    // Loading writes ~60 MB of WAL; without recycling, the checkpoints delete it instead of keeping
    // it as spare segments, so the directory (and every start's copy) is that much smaller.
    const db = await openPglite({ extensions: EXTENSIONS, path: building, settings: { wal_recycle: 'off', min_wal_size: '32MB' } });
    try {
      // pg_trgm is loaded so that it is available (pg_available_extensions), as on most servers, but
      // not installed: a trigram index proposed for the workload creates it
      await db.exec('DROP EXTENSION pg_trgm');
      await db.exec(schema);
      // every column's statistics, kept in pg_statistic; each start refreshes only the row counts
      await db.exec('ANALYZE');
      await db.exec('CHECKPOINT');
      await db.exec('CHECKPOINT');
    } finally {
      await db.close();
    }
    // The schema's DDL removed the relation cache's init files (global/ and base/*/pg_internal.init); a
    // backend that starts without them reads the catalogs and writes them. Started once here, so that
    // every start from the cache finds them instead of redoing that.
    await (await openPglite({ extensions: EXTENSIONS, path: building })).close();
    await writeFile(join(building, COMPLETE), `${pgliteVersion()}\n`);
    await rm(cache, { recursive: true, force: true }); // an incomplete one (no marker) left by a killed build
    await rename(building, cache).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
    await removeTarballCaches(dirname(cache));
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/** The demo caches of earlier versions, gzipped tarballs (the fresh data directories beside them stay in use). */
async function removeTarballCaches(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (/^demo-[0-9a-f]{16}\.tar\.gz$/.test(name)) await rm(join(dir, name), { force: true });
  }
}

/** A copy of the cached data directory for one start: PGlite writes to its data directory, the cache stays as built. */
async function scratchCopy(cache: string, base = defaultScratchBase()): Promise<string> {
  await removeAbandonedCopies(base);
  const dir = join(base, `${SCRATCH_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await copyTree(cache, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot copy the embedded demo database to ${base}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  return dir;
}

/**
 * The folders made first (synchronously: there are about 30), then the ~1,100 files copied at once on
 * libuv's thread pool: about half the time of cpSync, which copies one file after the other, and a quarter
 * of fs.promises.cp's (it stats every file on both sides).
 */
async function copyTree(from: string, to: string): Promise<void> {
  const files: [string, string][] = [];
  const walk = (src: string, dest: string) => {
    mkdirSync(dest, { recursive: true });
    for (const entry of readdirSync(src, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(src, entry.name), join(dest, entry.name));
      else if (entry.name !== COMPLETE) files.push([join(src, entry.name), join(dest, entry.name)]);
    }
  };
  walk(from, to);
  await Promise.all(files.map(([src, dest]) => copyFile(src, dest)));
}

/** /dev/shm (memory: the copy costs no disk writes) when this system has it, else the temp folder. */
function defaultScratchBase(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** Copies left by demo processes that were killed (their pid is in the name and no longer runs). */
async function removeAbandonedCopies(base: string): Promise<void> {
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const pid = Number(/^pgadvisor-demo-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (pid && !isRunning(pid)) await rm(join(base, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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
 * PGlite keeps no statistics across a restart (its close writes no statistics file, neither the server's
 * nor pg_stat_statements'), so each start: ANALYZE (n_live_tup, n_dead_tup from the planted dead rows), an
 * empty pg_stat_statements, the workload, and a flush so pg_stat_user_tables/indexes show it at once. The
 * helper queries that pick parameters run with tracking off, so pg_stat_statements holds the workload and
 * nothing else. Each statement's executions go to the server in one message, in order, each with its own
 * Sync (its own transaction, one pg_stat_statements call), as a pipelining client sends them.
 */
async function refreshStatistics(db: PGlite, workload: WorkloadStatement[]): Promise<void> {
  // One column per table is enough to report live/dead tuples (ANALYZE counts them on every page it
  // reads, and it reads every page of tables this small); pg_statistic keeps the build's statistics for
  // every column. The column is one without a collation where the table has one: sorting its sample
  // then compares numbers or timestamps, not strings through the collation, which costs several times more.
  const analyze = await rows(
    db,
    `SELECT format('ANALYZE %I.%I (%I)', n.nspname, c.relname,
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                     ORDER BY a.attcollation <> 0, a.attnum LIMIT 1))
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`,
  );
  await db.exec(analyze.map((r) => `${r[0]};`).join('\n'));
  await db.exec(`SET pg_stat_statements.track_utility = off; SET pg_stat_statements.track = 'none'`);
  await rows(db, 'SELECT pg_stat_statements_reset()');
  try {
    for (const st of workload) {
      const params = st.each ? await rows(db, st.each) : [[]];
      await db.exec(`SET pg_stat_statements.track = 'top'`);
      await replay(db, st.sql, Array.from({ length: st.repeat }, () => params).flat());
      await db.exec(`SET pg_stat_statements.track = 'none'`);
    }
    await rows(db, 'SELECT pg_stat_force_next_flush()');
  } finally {
    await db.exec('RESET pg_stat_statements.track; RESET pg_stat_statements.track_utility');
  }
}

/** Parse, Bind, Describe, Execute and Sync for each parameter set (none: once without parameters), in one message. */
function extendedProtocol(sql: string, paramSets: (string | null)[][]): Uint8Array {
  const { serialize } = protocol;
  return concat(paramSets.flatMap((values) => [serialize.parse({ text: sql }), serialize.bind({ values }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()]));
}

/**
 * The statement prepared once (named, as an ORM's prepared statements are), then Bind, Execute and Sync
 * for each parameter set, each its own transaction and pg_stat_statements call; then the statement closed.
 */
function preparedExecutions(sql: string, paramSets: (string | null)[][]): Uint8Array {
  const { serialize } = protocol;
  const name = 'pgadvisor_demo_workload';
  return concat([
    serialize.parse({ name, text: sql }),
    ...paramSets.flatMap((values) => [serialize.bind({ statement: name, values }), serialize.execute(), serialize.sync()]),
    serialize.close({ type: 'S', name }),
    serialize.sync(),
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    message.set(p, at);
    at += p.length;
  }
  return message;
}

/**
 * A statement through the extended protocol, once per parameter set, all in a single message; parameters
 * and results as Postgres text (what an ORM sends; db.query would add a Describe round trip and parse
 * every value). The rows of every execution, in order.
 */
async function rows(db: PGlite, sql: string, paramSets: (string | null)[][] = [[]]): Promise<(string | null)[][]> {
  const messages = await db.runExclusive(() => db.execProtocolStream(extendedProtocol(sql, paramSets)));
  return messages.filter((m) => m.name === 'dataRow').map((m) => (m as unknown as { fields: (string | null)[] }).fields);
}

const ERROR_RESPONSE = 0x45; // 'E'

/**
 * The workload's executions, prepared once, with the server's answer only scanned for errors (the rows
 * are not wanted: parsing thousands of them into objects took longer than running them).
 * A statement that fails is sent once more the parsing way, to throw the server's error.
 */
async function replay(db: PGlite, sql: string, paramSets: (string | null)[][]): Promise<void> {
  let failed = false;
  const scan = messageScanner((type) => (failed ||= type === ERROR_RESPONSE));
  await db.runExclusive(() => db.execProtocolRawStream(preparedExecutions(sql, paramSets), { onRawData: scan }));
  if (failed) {
    await rows(db, sql, paramSets);
    throw new Error(`a workload statement failed: ${sql.split('\n')[0]}`);
  }
}
