// Test databases: a fresh database per fixture on the real server named by TEST_DATABASE_URL,
// or, with no server at all, a fresh PGlite instance served over a socket (same pg code path).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const hasRealServer = Boolean(TEST_DATABASE_URL);
export const CORPORA = new URL('../../../shared/corpora/', import.meta.url).pathname;

export interface TestDatabase {
  url: string;
  name: string;
  /** simple-protocol query as the owner (fixtures, assertions); never used by the advisor */
  exec(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export function urlFor(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = '/' + encodeURIComponent(db);
  return u.toString();
}

/** fn with a client of its own on url, closed afterwards. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function execOn(url: string, sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  return withClient(url, (c) => c.query(sql, params));
}

/**
 * A fresh, empty database; `setup` (multi-statement SQL) runs in it first. On the real server named by
 * TEST_DATABASE_URL, or on `opts.server` (one of the version matrix's servers). `untracked`: pg_stat_statements
 * records nothing from it (its 5,000 entries are shared by every test database; each one that runs every
 * playbook adds a few hundred, and evicting entries breaks the tests that read the workload).
 */
export async function createDatabase(setup = '', opts: { extensions?: string[]; server?: string; untracked?: boolean } = {}): Promise<TestDatabase> {
  const server = opts.server ?? TEST_DATABASE_URL;
  if (!server) {
    const { startPgliteServer } = await import('../../src/db/pglite-server.ts');
    const server = await startPgliteServer({ extensions: opts.extensions });
    const url = server.url;
    if (setup) await execOn(url, setup);
    return { url, name: 'postgres', exec: (sql, p) => execOn(url, sql, p), drop: () => server.stop() };
  }
  const name = `pgadv_t_${randomBytes(5).toString('hex')}`;
  await execOn(server, `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  const url = urlFor(server, name);
  if (opts.untracked) {
    const { rows } = await execOn(server, `SELECT 1 FROM pg_settings WHERE name = 'pg_stat_statements.track'`);
    if (rows.length) await execOn(server, `ALTER DATABASE ${name} SET pg_stat_statements.track = 'none'`);
  }
  if (setup) await execOn(url, setup);
  return {
    url,
    name,
    exec: (sql, p) => execOn(url, sql, p),
    drop: async () => {
      // pg_stat_statements keeps a dropped database's entries until they are evicted, crowding the other
      // test files' statements out of its fixed number of slots: free them first
      await execOn(
        url,
        // untracked, so the reset is not itself recorded: a database reusing this OID would inherit it
        `SET pg_stat_statements.track = 'none'; CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`,
      ).catch(() => undefined);
      await execOn(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Loads a shared corpus (../shared/corpora) into a fresh database on the real server (or on `server`). */
export async function loadCorpus(corpus: 'pagila' | 'musicbrainz' | 'basejump', withWorkload = false, server = TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!server) throw new Error('corpora need TEST_DATABASE_URL');
  const db = await createDatabase('', { server });
  await run('bash', [`${CORPORA}load.sh`, corpus, server, db.name], { maxBuffer: 1 << 24 });
  if (withWorkload) await run('psql', ['-X', '-q', '-d', db.url, '-f', `${CORPORA}${corpus}/workload.sql`], { maxBuffer: 1 << 26 });
  return db;
}

/** The schema as pg_dump sees it, for before/after comparisons. */
export async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '-d', url], { maxBuffer: 1 << 26 });
  return stdout.replace(/^--.*$/gm, '').replace(/^\\(un)?restrict .*$/gm, '').replace(/\n{2,}/g, '\n');
}

/** Runs SQL through psql the way an engineer applies a migration file. */
export async function psqlFile(url: string, file: string): Promise<void> {
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file]);
}
