// Scratch cells on a real server: the same read-only path as every cell (own transaction, the session's
// timeouts), a write refused by the server and shown as the cell's error, a long query cancelled server-side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { fromUrl } from '../../src/db/target.ts';
import { runScratch, scratchRefusal, SCRATCH_ROW_CAP } from '../../src/notebook/scratch.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';

describe.skipIf(!hasRealServer)('scratch cells on the read-only session', () => {
  let db: TestDatabase;
  let session: ReadOnlyDb;
  beforeAll(async () => {
    db = await createDatabase(`CREATE TABLE orders (id int PRIMARY KEY, note text); CREATE SEQUENCE order_no; INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 500) g;`, { untracked: true });
    session = await ReadOnlyDb.open(fromUrl(db.url, 'url'), { statementTimeoutMs: 1500 });
  });
  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('a query gives its rows as a table, cut at the cap with the true count', async () => {
    const small = await runScratch(session, `-- how many orders\nSELECT count(*)::int AS n, current_setting('transaction_read_only') AS ro FROM orders;`);
    expect(small).toMatchObject({ status: 'ok', reason: null, columns: ['n', 'ro'], rows: [{ n: 500, ro: 'on' }], rowCount: 1, truncated: false });
    const big = await runScratch(session, `SELECT id FROM orders ORDER BY id`);
    expect(big).toMatchObject({ status: 'ok', rowCount: 500, truncated: true });
    expect(big.rows).toHaveLength(SCRATCH_ROW_CAP);
  });

  it('a write is refused by the server and becomes the cell error; the table is unchanged', async () => {
    for (const sql of [`UPDATE orders SET note = 'x' WHERE id = 1`, `CREATE TABLE pwned (id int)`, `WITH d AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM d`, `SELECT nextval('order_no')`]) {
      const r = await runScratch(session, sql);
      expect(r.status, sql).toBe('error');
    }
    const update = await runScratch(session, `UPDATE orders SET note = 'x' WHERE id = 1`);
    expect(update.reason).toBe('cannot execute UPDATE in a read-only transaction (SQLSTATE 25006)');
    const { rows } = await db.exec(`SELECT note, (SELECT count(*) FROM pg_class WHERE relname = 'pwned')::int AS pwned, (SELECT count(*) FROM orders)::int AS n FROM orders WHERE id = 1`);
    expect(rows[0]).toEqual({ note: 'n1', pwned: 0, n: 500 });
  });

  it('two statements or one that would end the transaction never reach the server as such', async () => {
    const smuggled = await runScratch(session, `SELECT 1; COMMIT; CREATE TABLE pwned (id int)`);
    expect(smuggled.status).toBe('error');
    expect(smuggled.reason).toMatch(/multiple commands/);
    expect(scratchRefusal(`/* c */ commit`)).toMatch(/^not sent: COMMIT/);
    expect(scratchRefusal(`  -- x\nSET statement_timeout = 0`)).toMatch(/^not sent: SET/);
    expect(scratchRefusal(`select 1`)).toBeNull();
    expect((await runScratch(session, '  -- only a comment\n')).reason).toBe('nothing to run: the cell is empty');
    expect((await db.exec(`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'pwned'`)).rows[0].n).toBe(0);
  });

  it('Esc cancels a long query on the server; the session runs the next cell', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const run = runScratch(session, `SELECT pg_sleep(1.2) FROM generate_series(1, 1)`, { signal: abort.signal });
    await new Promise((r) => setTimeout(r, 300));
    abort.abort();
    const r = await run;
    expect(r.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1100);
    const still = await db.exec(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgadvisor' AND query LIKE '%pg_sleep%' AND state = 'active'`);
    expect(still.rows[0].n).toBe(0);
    expect((await runScratch(session, `SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
  });

  it('the session statement_timeout applies: a query past it is a timeout, not an error', async () => {
    const r = await runScratch(session, `SELECT pg_sleep(3)`);
    expect(r).toMatchObject({ status: 'timeout', reason: 'timed out after statement_timeout 1.5 s', rows: [] });
  });

  it('nothing the cell sets survives it: the transaction is rolled back', async () => {
    await runScratch(session, `SELECT set_config('work_mem', '77MB', false)`);
    const r = await runScratch(session, `SELECT current_setting('work_mem') AS wm`);
    expect(r.rows[0].wm).not.toBe('77MB');
  });
});
