// Design advice from the workload on the real server: a materialized view for a repeated aggregate (with its
// refresh), a cache for catalog reads, partitioning for a large table growing in time order, a pooler for
// connection churn — each planted next to a near miss.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { runShippedCells, workloadThenCells } from './support.ts';

const SETUP = `
CREATE EXTENSION pg_stat_statements;
CREATE TABLE sales (id bigint PRIMARY KEY, region text NOT NULL, amount numeric(10, 2) NOT NULL);
INSERT INTO sales SELECT g, (ARRAY['eu', 'us', 'apac', 'latam'])[1 + g % 4], g % 1000 FROM generate_series(1, 400000) g;
CREATE TABLE readings (id bigint PRIMARY KEY, at timestamptz NOT NULL, v float8) WITH (autovacuum_enabled = false);
INSERT INTO readings SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', g FROM generate_series(1, 50000) g;
CREATE TABLE notes (id bigint PRIMARY KEY, at timestamptz NOT NULL, body text);
INSERT INTO notes SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', 'n' FROM generate_series(1, 5000) g;
ANALYZE;
-- readings as large as a 3 GB table to the planner and the catalog (its statistics stay: autovacuum is off for it)
UPDATE pg_class SET relpages = 400000, reltuples = 60000000 WHERE oid = 'readings'::regclass;
`;

const AGGREGATE = 'SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY total DESC';
const WORK = [
  { sql: AGGREGATE, times: 30 },
  // near miss: the same aggregate with a parameter, run three times
  { sql: 'SELECT region, count(*) FROM sales WHERE amount > $1 GROUP BY region', times: 3, params: () => [500] },
  { sql: 'SELECT name FROM pg_timezone_names', times: 120 },
  // near miss: a cheap catalog lookup
  { sql: 'SELECT relname FROM pg_class WHERE oid = $1', times: 200, params: () => [1259] },
  { sql: 'SELECT avg(v) FROM readings WHERE at >= $1 AND at < $2', times: 20, params: (i: number) => [`2024-01-${String(2 + i).padStart(2, '0')}`, `2024-01-${String(3 + i).padStart(2, '0')}`] },
  { sql: 'DELETE FROM readings WHERE at < $1', times: 3, params: (i: number) => [`2024-01-01 0${i}:00`] },
  // near miss: the same pattern on a small table
  { sql: 'SELECT count(*) FROM notes WHERE at >= $1 AND at < $2', times: 20, params: () => ['2024-01-02', '2024-01-03'] },
  { sql: 'DELETE FROM notes WHERE at < $1', times: 3, params: () => ['2024-01-01 01:00'] },
];

const DESIGN = { workload: ['statements', 'workload_design', 'connection_churn'] };
const byKind = (d: RunResult, kind: string): Finding[] => d.findings.filter((f) => f.check === 'workload_design' && (f.evidence as { kind: string }).kind === kind);

describe.skipIf(!hasRealServer)('design advice from the workload (real server; needs TEST_DATABASE_URL)', () => {
  let db: TestDatabase;
  let data: RunResult;

  beforeAll(async () => {
    db = await createDatabase(SETUP);
    data = await workloadThenCells(db.url, WORK, DESIGN);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  test('a repeated aggregate: a materialized view with a refresh interval that keeps its cost small', async () => {
    const [f, ...rest] = byKind(data, 'materialized view');
    expect(rest).toEqual([]);
    expect(f.title).toMatch(/^Serve a repeated aggregate over public\.sales from a materialized view \(30 calls, /);
    expect(f.up).toBeNull();
    const ev = f.evidence as { refresh: { interval: string; on_change: boolean }; materialized_view: string[]; statement: { query: string } };
    expect(ev.statement.query).toBe(AGGREGATE);
    expect(ev.materialized_view[0]).toMatch(/^CREATE MATERIALIZED VIEW "public"\."sales_[0-9a-f]{8}_mv" AS SELECT region, sum\(amount\) AS total FROM sales GROUP BY region ORDER BY total DESC;$/);
    // with the unique index a concurrent refresh needs, on the column that tells the rows apart; run as written
    const view = /^CREATE MATERIALIZED VIEW ("public"\."sales_[0-9a-f]{8}_mv") AS /.exec(ev.materialized_view[0])![1];
    expect(ev.materialized_view.slice(1)).toEqual([
      "-- the unique index REFRESH MATERIALIZED VIEW CONCURRENTLY needs, on the columns that tell the view's rows apart:",
      `CREATE UNIQUE INDEX ON ${view} ("region");`,
    ]);
    await db.exec(ev.materialized_view.join('\n'));
    await db.exec(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`);
    await db.exec(`DROP MATERIALIZED VIEW ${view}`);
    // sales had no writes in the workload: refresh after loads, not on a timer
    expect(ev.refresh.on_change).toBe(true);
    expect(f.rationale).toMatch(/refresh it after each data load/);
    // near miss: the parameterized aggregate ran three times
    expect(data.findings.filter((x) => (x.evidence as { statement?: { query: string } }).statement?.query?.includes('amount > $1'))).toEqual([]);
  });

  test('catalog reads the application repeats: pg_timezone_names, cached; a cheap catalog lookup is left alone', () => {
    const found = byKind(data, 'catalog cache');
    expect(found.map((f) => (f.evidence as { catalog_views: string[] }).catalog_views)).toEqual([['pg_catalog.pg_timezone_names']]);
    expect(found[0].rationale).toMatch(/reads the time-zone database from disk on every call/);
  });

  test('a large table growing in time order, read by time ranges and pruned by DELETE: partition it by time; a small one is left alone', () => {
    const found = byKind(data, 'partitioning');
    expect(found.map((f) => f.target)).toEqual(['public.readings']);
    const f = found[0];
    expect(f.title).toBe('Partition public.readings by at (3.1 GB, growing in time order)');
    expect(f.rationale).toMatch(/1 statement read it by ranges of at/);
    expect(f.rationale).toMatch(/1 statement delete old rows by at \(DELETE … WHERE at < …\): with partitions, retention becomes DETACH PARTITION … CONCURRENTLY/);
    expect((f.evidence as { sketch: string[] }).sketch[0]).toBe('CREATE TABLE "public"."readings_partitioned" (LIKE "public"."readings" INCLUDING ALL) PARTITION BY RANGE ("at");');
  });

  test('connection churn: a burst of short sessions is a case for a transaction pooler; a quiet database is not', async () => {
    expect(data.findings.filter((f) => f.check === 'connection_churn')).toEqual([]);
    const busy = await createDatabase('SELECT 1');
    try {
      const reset = new pg.Client({ connectionString: busy.url });
      await reset.connect();
      await reset.query('SELECT pg_stat_reset()');
      await reset.end();
      for (let i = 0; i < 150; i++) {
        const c = new pg.Client({ connectionString: busy.url });
        await c.connect();
        await c.query('SELECT 1');
        await c.end();
      }
      const churn = await runShippedCells(busy.url, { workload: ['connection_churn'] });
      const [f] = churn.findings;
      expect(f.check).toBe('connection_churn');
      expect(f.title).toMatch(/^\d+(\.\d)? new sessions per second, each lasting [\d,]+ ms on average$/);
      expect(Number((f.evidence as { sessions: number }).sessions)).toBeGreaterThanOrEqual(150);
      expect(f.rationale).toMatch(/transaction-mode pooler/);
    } finally {
      await busy.drop();
    }
  });
});
