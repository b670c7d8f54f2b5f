// Every shipped `up` states the lock it takes (evidence.lock); here each one is applied on a real server and the
// strongest lock it really takes on a relation that existed before it — read from pg_locks — must be the one
// declared. Transactional statements are run in a transaction and their own locks read before it rolls back;
// a CONCURRENTLY statement is held up by a second session's open snapshot and its locks read while it waits.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_MODES, type LockEvidence, type LockMode } from '../../src/playbooks/locks.ts';
import type { Finding } from '../../src/playbooks/types.ts';
import { splitStatements } from '../../src/migration/statements.ts';
import { createDatabase, hasRealServer, withClient, type TestDatabase } from '../support/db.ts';
import { runPlaybook } from '../support/run.ts';
import { connect, runLive, selectNotebooks } from '../../src/playbooks/live.ts';
import { plantAfterFixture } from './indexes/plant.ts';
import { dropRoles, fixture, newSuffix } from './rls/helpers.ts';

const MODE_OF: Record<string, LockMode> = {
  AccessShareLock: 'ACCESS SHARE',
  RowShareLock: 'ROW SHARE',
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  ShareLock: 'SHARE',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE',
  ExclusiveLock: 'EXCLUSIVE',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE',
};
const stronger = (a: LockMode, b: LockMode) => (LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b);

interface Taken {
  mode: LockMode;
  relations: string[];
}

// relation locks of one backend on relations of the database's own schemas (not the catalogs or their TOAST
// tables), by name, quoted as the server quotes them
const LOCKS_OF = `
  SELECT format('%I.%I', n.nspname, c.relname) AS rel, c.oid::int8 AS oid, l.mode
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;

function strongest(rows: { rel: string; oid: string; mode: string }[], existing: Set<string>): Taken {
  let mode: LockMode = 'none';
  for (const r of rows) if (existing.has(String(r.oid))) mode = stronger(mode, MODE_OF[r.mode]);
  const relations = [...new Set(rows.filter((r) => existing.has(String(r.oid)) && MODE_OF[r.mode] === mode).map((r) => r.rel))].sort();
  return { mode, relations };
}

async function existingRelations(c: pg.Client): Promise<Set<string>> {
  const { rows } = await c.query(`SELECT oid::int8 AS oid FROM pg_class`);
  return new Set(rows.map((r) => String(r.oid)));
}

/** The strongest lock one statement run in a transaction takes, then rolled back. */
async function transactional(url: string, sql: string): Promise<Taken> {
  return withClient(url, async (c) => {
    const existing = await existingRelations(c);
    await c.query('BEGIN');
    try {
      await c.query(sql);
      const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      return strongest((await c.query(LOCKS_OF, [pid])).rows, existing);
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

/**
 * The strongest lock a CONCURRENTLY statement holds while it waits for an older snapshot of another session
 * (which reads every relation the finding declares); the statement then completes.
 */
async function concurrent(url: string, sql: string, declared: string[]): Promise<Taken> {
  const blocker = new pg.Client({ connectionString: url });
  const runner = new pg.Client({ connectionString: url });
  await blocker.connect();
  await runner.connect();
  const pid = (runner as unknown as { processID: number }).processID;
  try {
    const existing = await existingRelations(blocker);
    await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    // every relation the finding names and the tables of indexes among them: an open snapshot and a lock on each
    const tables = await blocker.query(
      `SELECT DISTINCT format('%I.%I', n.nspname, t.relname) AS t
         FROM unnest($1::text[]) r(name)
         JOIN pg_class c ON c.oid = to_regclass(r.name)
         LEFT JOIN pg_index i ON i.indexrelid = c.oid
         JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
         JOIN pg_namespace n ON n.oid = t.relnamespace`,
      [declared],
    );
    for (const { t } of tables.rows) await blocker.query(`SELECT 1 FROM ${t} LIMIT 1`);
    const done = runner.query(sql);
    let settled = false;
    done.then(
      () => (settled = true),
      () => (settled = true),
    );
    let taken: Taken = { mode: 'none', relations: [] };
    // Until it waits or ends: a concurrent build runs for as long as the machine's load makes it before it waits.
    for (const until = Date.now() + 90_000; !settled && Date.now() < until; ) {
      // Waiting is read from pg_locks (a lock it asked for and was not granted), which is read afresh each time;
      // pg_stat_activity would be read from the snapshot of backend states the blocker's transaction took.
      const { rows } = await blocker.query(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted) AS waiting`, [pid]);
      // Its locks are read once it waits while holding some: a wait before it holds any (its first lock queued
      // behind another holder, such as autovacuum on the same table) says nothing about what it takes.
      if (rows[0].waiting) {
        taken = strongest((await blocker.query(LOCKS_OF, [pid])).rows, existing);
        if (taken.mode !== 'none') break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await blocker.query('COMMIT');
    await done;
    return taken;
  } finally {
    await blocker.end();
    await runner.end();
  }
}

/** The strongest lock a finding's up takes, statement by statement in the order a migration runs them. */
async function measure(url: string, f: Finding): Promise<Taken> {
  const lock = f.evidence.lock as LockEvidence;
  const statements = splitStatements(f.up!, f.id);
  const conc = statements.filter((s) => s.phase === 'concurrent-create' || s.phase === 'concurrent-drop');
  const tx = statements.filter((s) => !conc.includes(s));
  let taken: Taken = { mode: 'none', relations: [] };
  const add = (t: Taken) => {
    if (t.mode === taken.mode) taken = { mode: t.mode, relations: [...new Set([...taken.relations, ...t.relations])].sort() };
    else if (stronger(t.mode, taken.mode) === t.mode) taken = t;
  };
  for (const s of conc) add(await concurrent(url, s.sql, lock.on));
  if (tx.length) add(await transactional(url, tx.map((s) => s.sql).join(';\n')));
  return taken;
}

/** Undoes what a concurrent up left behind (a transactional up was rolled back). */
async function undo(db: TestDatabase, f: Finding): Promise<void> {
  const statements = splitStatements(f.up!, f.id);
  if (!statements.some((s) => s.phase === 'concurrent-create' || s.phase === 'concurrent-drop')) return;
  // the transactional part of a mixed up was rolled back: its down must not run, only the concurrent part's undo
  const mixed = statements.some((s) => s.phase !== 'concurrent-create' && s.phase !== 'concurrent-drop');
  if (mixed) {
    for (const s of statements.filter((x) => x.phase === 'concurrent-create')) {
      const name = (s.node.IndexStmt as { idxname: string; relation: { schemaname?: string } }).idxname;
      const schema = (s.node.IndexStmt as { relation: { schemaname?: string } }).relation.schemaname ?? 'public';
      await db.exec(`DROP INDEX IF EXISTS ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`);
    }
    return;
  }
  for (const s of splitStatements(f.down!, f.id)) await db.exec(s.sql);
}

async function expectDeclaredLocks(db: TestDatabase, findings: Finding[]): Promise<string[]> {
  const checked: string[] = [];
  for (const f of findings.filter((x) => x.up)) {
    const lock = f.evidence.lock as LockEvidence;
    const taken = await measure(db.url, f);
    expect(taken.mode, `${f.id}: declared ${lock.mode}`).toBe(lock.mode);
    // the declared relations are among those the strongest lock is taken on
    for (const rel of lock.on) expect(taken.relations, `${f.id}: ${rel}`).toContain(rel);
    await undo(db, f);
    checked.push(f.check);
  }
  return [...new Set(checked)].sort();
}

describe.skipIf(!hasRealServer)('the lock each up declares is the lock it takes (pg_locks)', () => {
  const dbs: TestDatabase[] = [];
  const s = newSuffix();
  // every role the planted RLS fixture creates
  const roles = ['app_owner', 'app_user', 'admin', 'bypass_login', 'bypass_nologin', 'group_owner', 'provisioner', 'dbmaker', 'creator_nologin'].map(
    (r) => `${r}_${s}`,
  );
  afterAll(async () => {
    for (const db of dbs) await db.drop();
    await dropRoles(roles);
  });
  const fresh = async (setup: string) => {
    const db = await createDatabase(setup);
    dbs.push(db);
    return db;
  };

  it('indexes: concurrent drops and builds, the partitioned procedures, REINDEX CONCURRENTLY', async () => {
    const db = await fresh(await readFile(new URL('./indexes/fixture.sql', import.meta.url), 'utf8'));
    await plantAfterFixture(db);
    // an invalid index left by a failed concurrent build (division by zero in its expression), then made buildable
    await db.exec(`CREATE TABLE app.ratios (id int PRIMARY KEY, d int); INSERT INTO app.ratios VALUES (1, 1), (2, 0)`);
    await db.exec(`CREATE INDEX CONCURRENTLY ratios_inv ON app.ratios ((1 / d))`).catch(() => undefined);
    await db.exec(`DELETE FROM app.ratios WHERE d = 0`);
    // statistics counted old enough for the unused indexes' drops (the threshold lowered, as in the indexes test)
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-nb-'));
    try {
      const src = await readFile(new URL('../../playbooks/indexes.md', import.meta.url), 'utf8');
      await writeFile(join(dir, 'indexes.md'), src.replaceAll(`interval '30 days'`, `interval '0 seconds'`));
      await writeFile(join(dir, 'workload.md'), await readFile(new URL('../../playbooks/workload.md', import.meta.url), 'utf8'));
      const conn = await connect(db.url);
      const data = await runLive(conn, await selectNotebooks(['indexes'], dir)).finally(() => conn.close());
      expect(await expectDeclaredLocks(db, data.findings)).toEqual([
        'duplicate_indexes',
        'fk_without_index',
        'index_bloat',
        'invalid_indexes',
        'redundant_indexes',
        'unused_indexes',
        'unused_partitioned_indexes',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('schema integrity: primary key promotion, json rewrite, identity conversion, validations (tables and domains)', async () => {
    const db = await fresh(await readFile(new URL('./schema/fixture.sql', import.meta.url), 'utf8'));
    const data = await runPlaybook(db.url, ['schema-integrity']);
    expect(await expectDeclaredLocks(db, data.findings)).toEqual([
      'fk_type_mismatch',
      'json_columns',
      'missing_primary_key',
      'not_valid_constraints',
      'redundant_unique_constraints',
      'serial_columns',
    ]);
  }, 120_000);

  it('rls-security and workload: RLS switches, policy rewrites and indexes, definer functions, views, schema grants, extensions', async () => {
    const db = await fresh(fixture('planted', s));
    const data = await runPlaybook(db.url, ['rls-security', 'workload']);
    expect(await expectDeclaredLocks(db, data.findings)).toEqual([
      'default_privileges_public',
      'owner_not_forced',
      'per_row_function_calls',
      'pg_stat_statements_not_created',
      'policies_rls_disabled',
      'policy_columns_unindexed',
      'schema_create_public',
      'security_definer_search_path',
      'views_bypass_rls',
    ]);
  }, 120_000);

  it('maintenance: per-table autovacuum options and sequence widening', async () => {
    const db = await fresh(`
      CREATE TABLE off_t (id int) WITH (autovacuum_enabled = false);
      INSERT INTO off_t SELECT generate_series(1, 2000); DELETE FROM off_t WHERE id <= 1500;
      CREATE TABLE churn (id int, v int) WITH (autovacuum_enabled = false);
      INSERT INTO churn SELECT g, 0 FROM generate_series(1, 100000) g;`);
    await db.exec(`ANALYZE churn`);
    await db.exec(`UPDATE churn SET v = 1`);
    await db.exec(`CREATE SEQUENCE narrow AS int; CREATE TABLE wide (id bigint DEFAULT nextval('narrow')); SELECT setval('narrow', 1500000000)`);
    const data = await runPlaybook(db.url, ['maintenance']);
    expect(await expectDeclaredLocks(db, data.findings)).toEqual(['autovacuum_disabled', 'autovacuum_tuning', 'sequence_exhaustion']);
  }, 120_000);
});
