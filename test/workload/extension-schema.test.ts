// pg_stat_statements installed in a schema off the session's search_path (Supabase's `extensions`, a dedicated
// schema): the cells name it unqualified, so each read-only transaction appends the extension's schema to the
// session's search_path. Planted: the extension in a schema whose name needs quoting, off the path, with the
// application's statements recorded. Near miss: the schema already on the database's search_path stays where
// it was, and the path is never changed beyond the transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, runLive, selectNotebooks, type Connected } from '../../src/playbooks/live.ts';
import { cellErrors } from '../../src/playbooks/cell-errors.ts';
import { createDatabase, hasRealServer, withClient, type TestDatabase } from '../support/db.ts';
import { runWorkload } from '../playbooks/workload/support.ts';

const SCHEMA = 'Ext "stats"';
const SETUP = `
CREATE SCHEMA "Ext ""stats""";
CREATE EXTENSION pg_stat_statements SCHEMA "Ext ""stats""";
CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL, total numeric NOT NULL);
INSERT INTO orders SELECT g, g % 300, g FROM generate_series(1, 5000) g;
ANALYZE orders;
`;
const APP = 'SELECT total FROM orders WHERE customer = $1';

/** the search_path inside the advisor's transaction, and the schema `pg_stat_statements` resolves to there */
const path = async (conn: Connected) =>
  (await conn.db.query(`SELECT current_setting('search_path') AS p, (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = to_regclass('pg_stat_statements')) AS view`)).rows[0];

describe.skipIf(!hasRealServer)('pg_stat_statements in a schema off the search_path', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(SETUP);
  });
  afterAll(() => db?.drop());

  it('every cell that reads it runs, and the workload is the application’s', async () => {
    await runWorkload(db.url, [{ sql: APP, times: 25, params: (i) => [i] }]);
    const conn = await connect(db.url);
    try {
      expect(conn.server.extensions.find((e) => e.name === 'pg_stat_statements')?.schema).toBe(SCHEMA);
      expect(await path(conn)).toEqual({ p: '"$user", public, "Ext ""stats"""', view: '"Ext ""stats"""' });
      const data = await runLive(conn, await selectNotebooks(['workload', 'connections']));
      expect(cellErrors(data.playbooks)).toEqual([]);
      const statements = data.playbooks.find((p) => p.id === 'workload')!.runs.find((r) => r.cell === 'statements')!;
      expect(statements.status).toBe('ok');
      const texts = (statements.rows ?? []).map((r) => String(r.query));
      expect(texts).toContain(APP);
      expect(texts.filter((t) => t.includes('pgadvisor'))).toEqual([]);
      expect(data.playbooks.find((p) => p.id === 'connections')!.runs.find((r) => r.cell === 'work_mem_spills')!.status).toBe('ok');
    } finally {
      await conn.close();
    }
    // the session's own search_path is untouched outside the advisor's transactions
    await withClient(db.url, async (c) => {
      expect((await c.query(`SELECT current_setting('search_path') AS p`)).rows[0].p).toBe('"$user", public');
    });
  });

  it('a schema already on the search_path is not added again, and the path keeps its order', async () => {
    await withClient(db.url, (c) => c.query(`ALTER DATABASE ${db.name} SET search_path = "Ext ""stats""", public`));
    try {
      const conn = await connect(db.url);
      try {
        expect(await path(conn)).toEqual({ p: '"Ext ""stats""", public', view: '"Ext ""stats"""' });
      } finally {
        await conn.close();
      }
    } finally {
      await withClient(db.url, (c) => c.query(`ALTER DATABASE ${db.name} RESET search_path`));
    }
  });
});
