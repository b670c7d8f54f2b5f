// EXPLAIN on any statement, on a real server: never executed, a generic plan for $n parameters, a custom
// plan with the workload's constants, and with hypopg the plan with the proposed index beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { fromUrl } from '../../src/db/target.ts';
import { explainStatement, hypoDdl } from '../../src/explain/explain.ts';
import { costliest, indexesUsed, planTree, walk } from '../../src/explain/plan-tree.ts';
import { planLines } from '../../src/tui/plan-view.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';

const SETUP = `
CREATE EXTENSION hypopg;
CREATE TABLE rental (id int PRIMARY KEY, customer_id int NOT NULL, returned_at timestamptz);
INSERT INTO rental SELECT g, g % 5000, CASE WHEN g % 7 = 0 THEN NULL ELSE now() END FROM generate_series(1, 200000) g;
CREATE TABLE customer (id int PRIMARY KEY, name text);
INSERT INTO customer SELECT g, 'c' || g FROM generate_series(0, 4999) g;
ANALYZE;`;

const text = (lines: { segs: { text: string }[] }[]) => lines.map((l) => l.segs.map((s) => s.text).join('')).join('\n');

describe.skipIf(!hasRealServer)('EXPLAIN a statement without running it', () => {
  let db: TestDatabase;
  let session: ReadOnlyDb;
  beforeAll(async () => {
    db = await createDatabase(SETUP, { untracked: true });
    session = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('with $n parameters: a generic plan; without the index a Seq Scan, with the hypothetical one an index scan, cheaper', async () => {
    const sql = `SELECT r.id, c.name FROM rental r JOIN customer c ON c.id = r.customer_id WHERE r.customer_id = $1 AND r.returned_at IS NULL`;
    const out = await explainStatement(session, { sql, hypothetical: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS rental_customer_id_idx ON public.rental (customer_id);'] });
    expect(out.before.mode).toBe('generic');
    expect(out.before.params).toBe(1);
    expect(walk(out.before.tree).some(({ node }) => node.operation === 'Seq Scan' && node.target === 'on rental r')).toBe(true);
    expect(costliest(out.before.tree).target).toBe('on rental r');
    expect(out.after).not.toBeNull();
    expect(out.hypothetical).toHaveLength(1);
    expect(out.hypothetical[0].name).toMatch(/^<\d+>btree_rental_customer_id$/);
    expect(out.hypothetical[0].bytes).toBeGreaterThan(100_000);
    expect(indexesUsed(out.after!.tree)).toContain(out.hypothetical[0].name);
    expect(out.after!.tree.total).toBeLessThan(out.before.tree.total / 10);
    // hypothetical only: nothing is left in the database or the session
    expect((await db.exec(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'rental'`)).rows[0].n).toBe(1);
    expect((await session.query(`SELECT count(*)::int AS n FROM hypopg_list_indexes`)).rows[0].n).toBe(0);
    expect((await session.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).rows[0].n).toBe(0);

    const screen = text(planLines({ label: sql, sql, queryid: null, hypothetical: ['x'], hypoFrom: ['indexes/missing/rental'] }, out, null, 160));
    expect(screen).toContain('generic plan');
    expect(screen).toMatch(/Seq Scan on rental r +rows [\d,]+ · cost [\d.,]+\.\.[\d.,]+ ◀ most expensive/);
    expect(screen).toMatch(/Index Scan using <\d+>btree/);
    expect(screen).toMatch(/│ .*With the proposed index/);
    expect(screen).toMatch(/total cost [\d,]+ → [\d.,]+ \(-\d+ %\)/);
  });

  it("with the workload's constants: a custom plan whose conditions are not shown; the constants decide the estimate", async () => {
    const sql = `SELECT * FROM rental WHERE customer_id = $1 AND id < $2`;
    const few = await explainStatement(session, { sql, sample: ['7', '100'] });
    const many = await explainStatement(session, { sql, sample: ['7', '190000'] });
    expect(few.before.mode).toBe('custom');
    expect(few.before.tree.rows).toBeLessThan(many.before.tree.rows);
    const screen = text(planLines({ label: sql, sql, queryid: '1', hypothetical: [], hypoFrom: [] }, few, null, 120));
    expect(screen).toContain('constants the workload saw');
    expect(screen).not.toMatch(/Cond|Filter/);
  });

  it('a statement without parameters is planned as is, never run: a DELETE is planned, not executed, and nothing changes', async () => {
    const plain = await explainStatement(session, { sql: `SELECT count(*) FROM rental WHERE returned_at IS NULL;` });
    expect(plain.before.mode).toBe('plain');
    expect(plain.before.tree.operation).toMatch(/Aggregate/);
    const del = await explainStatement(session, { sql: `DELETE FROM rental WHERE customer_id = $1` });
    expect(del.before.tree.operation).toBe('ModifyTable');
    expect(del.before.mode).toBe('generic');
    expect((await db.exec(`SELECT count(*)::int AS n FROM rental`)).rows[0].n).toBe(200000);
    await expect(explainStatement(session, { sql: `SELECT * FROM no_such_table` })).rejects.toThrow(/does not exist/);
    // the constants are quoted by the server: one that looks like SQL stays a value
    const hostile = await explainStatement(session, { sql: `SELECT * FROM customer WHERE name = $1`, sample: ["x'); DROP TABLE customer; --"] });
    expect(hostile.before.mode).toBe('custom');
    expect((await db.exec(`SELECT count(*)::int AS n FROM customer`)).rows[0].n).toBe(5000);
  });

  it('without hypopg in the database: the plan and why there is no second one', async () => {
    const bare = await createDatabase(`CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 1000); ANALYZE t;`, { untracked: true });
    const s = await ReadOnlyDb.open(fromUrl(bare.url, 'url'));
    try {
      const out = await explainStatement(s, { sql: `SELECT * FROM t WHERE a = $1`, hypothetical: ['CREATE INDEX ON t (a)'] });
      expect(out.after).toBeNull();
      expect(out.afterNote).toMatch(/hypopg is not installed in this database/);
    } finally {
      await s.close();
      await bare.drop();
    }
  });
});

describe('the plan tree', () => {
  it("marks the node whose own cost is largest, not the root's total", () => {
    const tree = planTree([
      {
        Plan: {
          'Node Type': 'Hash Join', 'Join Type': 'Inner', 'Startup Cost': 10, 'Total Cost': 120, 'Plan Rows': 5, 'Hash Cond': '(a.id = b.id)',
          Plans: [
            { 'Node Type': 'Seq Scan', 'Relation Name': 'a', Alias: 'a', 'Parent Relationship': 'Outer', 'Startup Cost': 0, 'Total Cost': 100, 'Plan Rows': 1000 },
            { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', 'Startup Cost': 8, 'Total Cost': 8, 'Plan Rows': 10, Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'b', Alias: 'x', 'Parent Relationship': 'Outer', 'Startup Cost': 0, 'Total Cost': 8, 'Plan Rows': 10 }] },
          ],
        },
      },
    ]);
    expect(tree.operation).toBe('Hash Join (Inner)');
    expect(tree.self).toBe(12);
    expect(costliest(tree).target).toBe('on a');
    expect(walk(tree).map(({ node, depth }) => `${depth}:${node.target ?? node.operation}`)).toEqual(['0:Hash Join (Inner)', '1:on a', '1:Hash', '2:on b x']);
    expect(() => planTree('[]')).toThrow(/no plan/);
  });

  it('hypopg gets a plain CREATE INDEX', () => {
    expect(hypoDdl('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i" ON s.t USING btree (a);')).toBe('CREATE UNIQUE INDEX "i" ON s.t USING btree (a)');
  });
});
