// PGlite (Postgres in WASM) served over a local TCP socket, so `pg` talks to it exactly as to a real
// server. Fresh data directories are initialised once and cached on disk (initdb takes seconds).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

export interface PgliteServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable */
  url: string;
  db: PGlite;
  stop(): Promise<void>;
}

export interface PgliteServerOptions {
  /** contrib extensions to load and CREATE (see PGLITE_EXTENSIONS) */
  extensions?: string[];
  /** an uncompressed or gzipped data-directory tarball (from db.dumpDataDir) to start from */
  dataDir?: Blob | File;
  /**
   * a data directory on disk (PGlite's NodeFS) instead of one in memory: opened as it is when it holds a
   * cluster, else filled from `dataDir` or the cached fresh data directory
   */
  path?: string;
  /** settings for this run only, e.g. { wal_recycle: 'off' } (postgres -c; not saved in the data dir) */
  settings?: Record<string, string>;
  /** PGlite's WebAssembly module, already compiled (compilePgliteWasm); else PGlite compiles it */
  wasmModule?: WebAssembly.Module;
}

/** Contrib extensions PGlite ships that we know how to load: name → [loader, SQL extension name]. */
export const PGLITE_EXTENSIONS: Record<string, [() => Promise<Extension>, string]> = {
  pg_stat_statements: [async () => (await import('@electric-sql/pglite/contrib/pg_stat_statements')).pg_stat_statements, 'pg_stat_statements'],
  pg_trgm: [async () => (await import('@electric-sql/pglite/contrib/pg_trgm')).pg_trgm, 'pg_trgm'],
  pgcrypto: [async () => (await import('@electric-sql/pglite/contrib/pgcrypto')).pgcrypto, 'pgcrypto'],
  citext: [async () => (await import('@electric-sql/pglite/contrib/citext')).citext, 'citext'],
  btree_gin: [async () => (await import('@electric-sql/pglite/contrib/btree_gin')).btree_gin, 'btree_gin'],
  btree_gist: [async () => (await import('@electric-sql/pglite/contrib/btree_gist')).btree_gist, 'btree_gist'],
  hstore: [async () => (await import('@electric-sql/pglite/contrib/hstore')).hstore, 'hstore'],
  uuid_ossp: [async () => (await import('@electric-sql/pglite/contrib/uuid_ossp')).uuid_ossp, 'uuid-ossp'],
  pg_buffercache: [async () => (await import('@electric-sql/pglite/contrib/pg_buffercache')).pg_buffercache, 'pg_buffercache'],
  amcheck: [async () => (await import('@electric-sql/pglite/contrib/amcheck')).amcheck, 'amcheck'],
};

let versionMemo: string | undefined;
/** The installed @electric-sql/pglite version (part of every cache key: data dirs are not portable across versions). */
export function pgliteVersion(): string {
  if (!versionMemo) {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
    versionMemo = pkg.version;
  }
  return versionMemo;
}

/**
 * PGlite's WebAssembly module (9 MB), compiled. V8 compiles it on background threads, so a caller that
 * starts this first can do other work (copying a data directory) while it compiles.
 */
export async function compilePgliteWasm(): Promise<WebAssembly.Module> {
  const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  return WebAssembly.compile(await readFile(join(dist, 'pglite.wasm')));
}

/** $XDG_CACHE_HOME/pgadvisor, default ~/.cache/pgadvisor. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'pgadvisor');
}

/**
 * A cached tarball, gunzipped; null when absent. A corrupt or truncated file (gzip checks a CRC and the
 * length) is deleted and reported as absent, so the caller rebuilds it.
 */
export async function readCachedTarball(file: string): Promise<Blob | null> {
  let gz: Buffer;
  try {
    gz = await readFile(file);
  } catch {
    return null;
  }
  try {
    return tarBlob(await gunzipAsync(gz));
  } catch {
    await rm(file, { force: true });
    return null;
  }
}

/** Writes gzip(tar) to `file` atomically (temp file + rename), so a killed writer never leaves a partial cache. */
export async function writeCachedTarball(file: string, tar: Blob): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const gz = await gzipAsync(new Uint8Array(await tar.arrayBuffer()), { level: 1 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, gz);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  await removeAbandonedTemps(file);
}

// Temp files of writers killed before their rename; an hour is far longer than any write takes.
async function removeAbandonedTemps(file: string): Promise<void> {
  const dir = dirname(file);
  const prefix = `${basename(file)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && Date.now() - info.mtimeMs > 3_600_000) await rm(path, { force: true });
  }
}

/** Deletes a cache entry that turned out to be unusable. */
export async function dropCachedTarball(file: string): Promise<void> {
  await rm(file, { force: true });
}

// PGlite recognises a gzipped tarball by MIME type; an explicit tar type makes it skip decompression.
function tarBlob(bytes: Buffer): Blob {
  return new Blob([new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength)], { type: 'application/x-tar' });
}

function normaliseExtensions(names: string[] = []): string[] {
  for (const n of names) {
    if (!PGLITE_EXTENSIONS[n]) {
      throw new Error(`PGlite has no extension "${n}" (available: ${Object.keys(PGLITE_EXTENSIONS).join(', ')})`);
    }
  }
  return [...new Set(names)].sort();
}

async function loadExtensions(names: string[]): Promise<Record<string, Extension>> {
  const out: Record<string, Extension> = {};
  for (const n of names) out[n] = await PGLITE_EXTENSIONS[n][0]();
  return out;
}

/** A PGlite instance started from `dataDir`, or from the cached fresh data dir for these extensions. */
export async function openPglite(opts: PgliteServerOptions = {}): Promise<PGlite> {
  const names = normaliseExtensions(opts.extensions);
  const extensions = await loadExtensions(names);
  const startParams = [...PGlite.defaultStartParams, ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const onDisk = { ...(opts.path ? { dataDir: opts.path } : {}), ...(opts.wasmModule ? { pgliteWasmModule: opts.wasmModule } : {}) };
  if (opts.dataDir) return PGlite.create({ extensions, loadDataDir: opts.dataDir, startParams, ...onDisk });
  if (opts.path && existsSync(join(opts.path, 'PG_VERSION'))) return PGlite.create({ extensions, startParams, ...onDisk });
  const key = `fresh-${pgliteVersion()}-${names.join('+') || 'plain'}`;
  for (let attempt = 0; ; attempt++) {
    const tar = await freshTarball(key, names, extensions);
    try {
      return await PGlite.create({ extensions, loadDataDir: tar, startParams, ...onDisk });
    } catch (err) {
      // A tarball that gunzips but does not start (e.g. written by a broken build): rebuild it once.
      freshMemo.delete(key);
      await dropCachedTarball(join(cacheDir(), `${key}.tar.gz`));
      if (attempt > 0) throw err;
    }
  }
}

const freshMemo = new Map<string, Promise<Blob>>();

function freshTarball(key: string, names: string[], extensions: Record<string, Extension>): Promise<Blob> {
  let p = freshMemo.get(key);
  if (!p) {
    p = buildFreshTarball(key, names, extensions);
    freshMemo.set(key, p);
    p.catch(() => freshMemo.delete(key));
  }
  return p;
}

async function buildFreshTarball(key: string, names: string[], extensions: Record<string, Extension>): Promise<Blob> {
  const file = join(cacheDir(), `${key}.tar.gz`);
  const cached = await readCachedTarball(file);
  if (cached) return cached;
  const db = await PGlite.create({ extensions });
  try {
    for (const n of names) await db.exec(`CREATE EXTENSION IF NOT EXISTS "${PGLITE_EXTENSIONS[n][1]}"`);
    await db.exec('CHECKPOINT');
    const tar = await db.dumpDataDir('none');
    await writeCachedTarball(file, tar).catch(() => undefined); // an unwritable cache only costs speed
    return tar;
  } finally {
    await db.close();
  }
}

/** Starts PGlite and serves it on 127.0.0.1 (an OS-chosen port) for `pg` clients. */
export async function startPgliteServer(opts: PgliteServerOptions = {}): Promise<PgliteServer> {
  return servePglite(await openPglite(opts));
}

/** Serves an open PGlite instance on 127.0.0.1 (an OS-chosen port); stop() also closes the instance. */
export async function servePglite(db: PGlite): Promise<PgliteServer> {
  keepProtocolSequencesTogether(db);
  // pg.Pool opens several connections; pglite-socket's default of 1 refuses the second.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  try {
    await server.start();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const port = Number(server.getServerConn().split(':').pop());
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    db,
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        await db.close().catch(() => undefined);
      })()),
  };
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const TERMINATE = 0x58; // 'X'
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]); // 'S', length 4

/**
 * pglite-socket multiplexes every connection onto PGlite's single backend, one protocol message at a
 * time, and switches connection only outside an explicit transaction (db.isInTransaction()). A pg
 * extended-protocol query is several messages (Parse, Bind, Describe, Execute, Sync); when they reach
 * the server in separate TCP reads, another connection's Parse can land in between and the first
 * connection then binds and runs the other's statement. Likewise a COPY FROM STDIN in progress.
 * The fix: the backend stays with one connection until the server has answered with ReadyForQuery,
 * which the socket server's queue already honours when isInTransaction() is true.
 */
function keepProtocolSequencesTogether(db: PGlite): void {
  let midSequence = false;
  const inTransaction = db.isInTransaction.bind(db);
  const rawStream = db.execProtocolRawStream.bind(db);
  const exec = db.exec.bind(db);
  db.isInTransaction = () => midSequence || inTransaction();
  db.execProtocolRawStream = async (message, options) => {
    let last: number | undefined;
    const scan = messageScanner((type) => (last = type));
    await rawStream(message, {
      ...options,
      onRawData: (data) => {
        scan(data);
        options.onRawData(data);
      },
    });
    midSequence = message[0] !== TERMINATE && !(scan.complete() && last === READY_FOR_QUERY);
  };
  // The socket server rolls back with db.exec when a connection drops while it holds the backend;
  // close its unfinished sequence first so the ROLLBACK is not swallowed.
  db.exec = async (query, options) => {
    if (midSequence) {
      midSequence = false;
      await db.runExclusive(() => rawStream(SYNC, { onRawData: () => undefined }));
    }
    return exec(query, options);
  };
}

/**
 * Reads backend output fed in arbitrary chunks and calls `onMessage` with the type byte of each message as
 * its header arrives; complete() says whether the output fed so far ends at a message boundary.
 */
export function messageScanner(onMessage: (type: number) => void): ((data: Uint8Array) => void) & { complete(): boolean } {
  let header: number[] = []; // type byte + 4 length bytes of the message being read
  let remaining = 0; // body bytes of the current message still to skip
  const feed = (data: Uint8Array) => {
    let i = 0;
    while (i < data.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, data.length - i);
        remaining -= n;
        i += n;
        continue;
      }
      header.push(data[i++]);
      if (header.length === 5) {
        const len = ((header[1] << 24) | (header[2] << 16) | (header[3] << 8) | header[4]) >>> 0;
        onMessage(header[0]);
        remaining = Math.max(0, len - 4);
        header = [];
      }
    }
  };
  return Object.assign(feed, { complete: () => remaining === 0 && header.length === 0 });
}
