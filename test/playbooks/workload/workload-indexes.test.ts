// The workload-driven missing-index analyzer on the real server: a planted missing index is
// proposed and proven (the real index then gives the predicted plan), near misses are not, and the
// read-only session is left exactly as it was.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReadOnlyDb } from '../../../src/db/read-only.ts';
import { resolveTarget } from '../../../src/db/target.ts';
import { probeServer } from '../../../src/db/server-facts.ts';
import { validateDrop } from '../../../src/playbooks/analyzers/hypo-drop.ts';
import { HypoLab, paramsAsText, VALUES_REJECTED } from '../../../src/playbooks/analyzers/hypo-session.ts';
import { ALIGNMENT_COLUMNS, workloadIndexes } from '../../../src/playbooks/analyzers/workload-indexes.ts';
import { loadNotebooks } from '../../../src/playbooks/loader.ts';
import type { CellRun } from '../../../src/playbooks/types.ts';
import { buildWorkload } from '../../../src/workload/build.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../../support/db.ts';
import { cellRun, INDEX_ANALYSIS, retryOnReset, runWorkload, workloadThenCells } from './support.ts';

const SETUP = `
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION hypopg;
CREATE SCHEMA "Shop Floor";
CREATE TABLE "Shop Floor"."Order Items" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "Customer Id" int NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL,
  note text
);
INSERT INTO "Shop Floor"."Order Items" ("Customer Id", created_at, status, note)
SELECT g % 3000, '2024-01-01'::timestamptz + g * interval '1 minute', (ARRAY['new', 'paid', 'shipped'])[g % 3 + 1], repeat('x', 40)
  FROM generate_series(1, 60000) g;
CREATE TABLE covered (id int PRIMARY KEY, account_id int NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO covered SELECT g, g % 2000, '2024-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, 60000) g;
CREATE INDEX covered_account_created ON covered (account_id, created_at);
CREATE TABLE tiny (id int PRIMARY KEY, code text NOT NULL);
INSERT INTO tiny SELECT g, 'c' || g FROM generate_series(1, 50) g;
ANALYZE;
`;

const LOOKUP = 'SELECT id, created_at FROM "Shop Floor"."Order Items" WHERE "Customer Id" = $1 ORDER BY created_at DESC LIMIT 10';
const WORK = [
  { sql: LOOKUP, times: 30, params: (i: number) => [i * 7] },
  { sql: 'SELECT id FROM covered WHERE account_id = $1 ORDER BY created_at DESC LIMIT 10', times: 30, params: (i: number) => [i] },
  { sql: 'SELECT id FROM tiny WHERE code = $1', times: 30, params: (i: number) => [`c${i}`] },
  // a third of the table per value: fetching the rows stays a sequential scan (a count(*) alone could become an
  // index-only scan once autovacuum sets the visibility map, which makes a status index genuinely cheaper)
  { sql: 'SELECT note FROM "Shop Floor"."Order Items" WHERE status = $1', times: 12, params: (i: number) => [['new', 'paid'][i % 2]] },
];

describe.skipIf(!hasRealServer)('workload-indexes analyzer (real server; needs TEST_DATABASE_URL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createDatabase(SETUP);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const analyse = () =>
    workloadThenCells(db.url, WORK, INDEX_ANALYSIS);

  test('proposes the planted index, proven cheaper by hypopg; near misses get none', async () => {
    const before = await schemaDump(db.url);
    const data = await analyse();
    const run = cellRun(data, 'workload_indexes');
    expect(run.status, run.reason ?? '').toBe('ok');

    const found = data.findings.filter((f) => f.check === 'workload_indexes');
    expect(found.map((f) => f.target)).toEqual(['"Shop Floor"."Order Items"."Order Items_Customer Id_created_at_idx"']);
    const f = found[0];
    expect(f.id).toBe('indexes/workload_indexes/"Shop Floor"."Order Items"."Order Items_Customer Id_created_at_idx"');
    expect(f.title).toBe('Add index on "Shop Floor"."Order Items" (Customer Id, created_at DESC)');
    expect(f.up).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Order Items_Customer Id_created_at_idx" ON "Shop Floor"."Order Items" USING btree ("Customer Id", "created_at" DESC)',
    );
    expect(f.down).toBe('DROP INDEX CONCURRENTLY IF EXISTS "Shop Floor"."Order Items_Customer Id_created_at_idx"');
    const ev = f.evidence as {
      statements: { query: string; cost_before: number; cost_after: number; saving: number; calls: number; plans: string }[];
      index_bytes_hypopg: number;
      index_bytes_estimate: number;
      table_rows: number;
      validation: string;
      severity_basis: { thresholds: string };
    };
    expect(ev.validation).toBe('hypopg');
    expect(ev.statements).toHaveLength(1);
    expect(ev.statements[0].query).toBe(LOOKUP.replace('LIMIT 10', 'LIMIT $2'));
    expect(ev.statements[0].calls).toBeGreaterThanOrEqual(30);
    expect(ev.statements[0].plans).toBe('generic plan');
    expect(ev.statements[0].saving).toBeGreaterThanOrEqual(0.3);
    expect(ev.statements[0].cost_before - ev.statements[0].cost_after).toBeGreaterThanOrEqual(25);
    expect(ev.table_rows).toBe(60000);
    // hypopg's own size estimate and ours agree within a factor of two.
    expect(ev.index_bytes_estimate / ev.index_bytes_hypopg).toBeGreaterThan(0.5);
    expect(ev.index_bytes_estimate / ev.index_bytes_hypopg).toBeLessThan(2);
    expect(f.rationale).toMatch(/cheaper with this index, planned with a hypothetical index \(hypopg, generic plans\)/);
    // a freshly loaded table: the counters are under a day old, so no write rate is extrapolated from the load
    expect(f.rationale).toMatch(/the write rate is unknown: the statistics counters cover under 24 hours/);
    expect(ev.severity_basis.thresholds).toMatch(/critical ≥ 5 min saved per hour of workload, warning ≥ 30 s per hour/);

    // The alignment table: one row per top statement, the index serving it today, the proposal, costs.
    expect(run.columns).toEqual(ALIGNMENT_COLUMNS);
    const row = (fragment: string) => run.rows.find((r) => String(r.query).includes(fragment))!;
    const lookup = row('"Customer Id" = $1');
    expect(lookup).toMatchObject({ index_today: 'none', proposed: 'Order Items_Customer Id_created_at_idx', proposed_targets: f.target, validated: 'hypopg' });
    expect(Number(lookup.cost_after)).toBeLessThan(Number(lookup.cost_today) * 0.7);
    expect(String(lookup.verdict)).toMatch(/^proposed/);
    // Near misses: a statement already served, a tiny lookup table, a filter matching a third of the rows.
    expect(row('FROM covered')).toMatchObject({ index_today: 'covered_account_created', proposed: null });
    expect(String(row('FROM covered').verdict)).toMatch(/^served today/);
    expect(row('FROM tiny').verdict).toBe('no candidate: table too small (about 50 rows): a sequential scan reads it in a few pages');
    expect(String(row('WHERE status = $1').verdict)).toMatch(/^no candidate: no filter on it that an index can serve|^candidate not proposed: (below threshold|no plan uses it)/);

    // Read-only: nothing changed in the database.
    expect(await schemaDump(db.url)).toBe(before);

    // The proposal holds for the real index: applied with psql, the statement's plan uses it at the predicted cost.
    const file = join(tmpdir(), `pgadv-up-${db.name}.sql`);
    await writeFile(file, `SET lock_timeout = '5s';\n${f.up};\n${f.up};\n`);
    await psqlFile(db.url, file);
    await db.exec(`ANALYZE "Shop Floor"."Order Items"`);
    const plan = await db.exec(`SET plan_cache_mode = force_generic_plan; PREPARE q AS ${LOOKUP}; EXPLAIN (FORMAT JSON) EXECUTE q(NULL)`);
    const json = JSON.stringify((plan as unknown as { rows: unknown[] }[])[2].rows);
    expect(json).toContain('Order Items_Customer Id_created_at_idx');
    await writeFile(file, `${f.down};\n${f.down};\n`);
    await psqlFile(db.url, file);
    const left = await db.exec(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'Shop Floor' AND indexname LIKE '%Customer Id%'`);
    expect(left.rows[0].n).toBe(0);
  });

  test('runs on the read-only session and leaves it as it found it', async () => {
    const session = await ReadOnlyDb.open(resolveTarget(db.url));
    try {
      const server = await probeServer(session);
      const q = async (sql: string, params?: unknown[]) => (await session.query(sql, params)).rows;
      // the shipped probe that feeds the workload, run on this session
      const feed = (await loadNotebooks()).flatMap((n) => n.cells).find((c) => c.feeds)!;
      const fed = await retryOnReset(
        async () => {
          await runWorkload(db.url, WORK.slice(0, 1));
          return session.query(feed.sql!);
        },
        (r) => r.rows.some((row) => String(row.query).includes('"Customer Id" = $1')),
      );
      const run = { cell: feed.id, status: 'ok', reason: null, columns: fed.columns } as unknown as CellRun;
      const built = await buildWorkload({ server, feed: { run, rows: fed.rows }, query: q });
      // as the runner does: all the analyzer's statements in one read-only transaction on one connection
      const result = await session.pinned((pq) => workloadIndexes.run({ server, inputs: {}, workload: built.workload, query: pq, signal: new AbortController().signal }));
      expect(result.findings.map((f) => f.title)).toContain('Add index on "Shop Floor"."Order Items" (Customer Id, created_at DESC)');

      const [after] = await q(
        `SELECT current_setting('transaction_read_only') AS ro, current_setting('plan_cache_mode') AS mode,
                (SELECT count(*)::int FROM pg_prepared_statements) AS prepared, (SELECT count(*)::int FROM hypopg()) AS hypothetical`,
      );
      expect(after).toEqual({ ro: 'on', mode: 'auto', prepared: 0, hypothetical: 0 });
    } finally {
      await session.close();
    }
  });

  test('hypopg works inside a read-only transaction, and a lost connection is detected', async () => {
    const session = await ReadOnlyDb.open(resolveTarget(db.url), { connections: 1 });
    try {
      // the lab runs inside one transaction, as analyzers do (plan_cache_mode is set for the transaction only)
      await session.pinned(async (q) => {
        const opened = await HypoLab.open(q);
        expect(opened.reason).toBeNull();
        const lab = opened.lab!;
        const before = (await lab.cost(LOOKUP)).cost!;
        const hypo = await lab.create(`CREATE INDEX ON "Shop Floor"."Order Items" ("Customer Id", created_at)`);
        const after = (await lab.cost(LOOKUP)).cost!;
        expect(after.indexes).toContain(hypo.name);
        expect(after.total).toBeLessThan(before.total * 0.7);
        expect((await lab.cost('SELECT nonsense FROM nowhere')).error).toMatch(/does not exist/);
        // a custom plan with the statement's values; a value the server rejects is never quoted back
        const custom = await lab.plan(LOOKUP, ['42']);
        expect(custom.cost?.indexes).toContain(hypo.name);
        const rejected = await lab.plan(LOOKUP, ['not a number']);
        expect(rejected.error).toBe(VALUES_REJECTED);
        expect(JSON.stringify(rejected)).not.toContain('not a number');
        // a parameter nothing around it types (json_build_object's "any") is read as text, in generic and custom plans
        const untyped = `SELECT id FROM "Shop Floor"."Order Items" WHERE note = json_build_object($1, $2)::text AND "Customer Id" = $3`;
        expect(paramsAsText(untyped, new Set([1, 2]))).toBe(`SELECT id FROM "Shop Floor"."Order Items" WHERE note = json_build_object($1::text, $2::text)::text AND "Customer Id" = $3`);
        expect(paramsAsText(`SELECT '$1', $1, $10`, new Set([1]))).toBe(`SELECT '$1', $1::text, $10`);
        expect((await lab.cost(untyped)).cost?.indexes).toContain(hypo.name);
        expect((await lab.plan(untyped, ['k', 'v', '42'])).cost?.indexes).toContain(hypo.name);
        await lab.close();
        expect((await q(`SELECT current_setting('transaction_read_only') AS ro, (SELECT count(*)::int FROM hypopg()) AS n`))[0]).toEqual({ ro: 'on', n: 0 });
      });
    } finally {
      await session.close();
    }
    // A query function that lands on another backend each time is refused, not trusted.
    const one = await ReadOnlyDb.open(resolveTarget(db.url), { connections: 1 });
    const other = await ReadOnlyDb.open(resolveTarget(db.url), { connections: 1 });
    try {
      let flip = false;
      const hopping = async (sql: string, params?: unknown[]) => {
        flip = !flip;
        return (flip ? one : other).query(sql, params).then((r) => r.rows);
      };
      const lab2 = (await HypoLab.open(hopping)).lab!;
      await expect(lab2.create(`CREATE INDEX ON tiny (code)`)).rejects.toThrow(/lost its connection/);
      await lab2.close();
    } finally {
      await one.close();
      await other.close();
    }
  });

  test('a DROP cannot be proven with hypopg before 1.4: said so, nothing hidden', async () => {
    const session = await ReadOnlyDb.open(resolveTarget(db.url), { connections: 1 });
    try {
      await session.pinned(async (q) => {
      const [ix] = await q(`SELECT 'covered_account_created'::regclass::oid::int AS oid`);
      const [{ v }] = await q(`SELECT extversion AS v FROM pg_extension WHERE extname = 'hypopg'`);
      const result = await validateDrop(q, { oid: Number(ix.oid), name: 'covered_account_created' }, [
        { queryid: '1', query: 'SELECT id FROM covered WHERE account_id = $1 ORDER BY created_at DESC LIMIT 10', calls: 30, rows: 300, totalMs: 3, meanMs: 0.1, toplevel: true },
      ]);
      if (String(v) < '1.4') {
        expect(result).toEqual({ supported: false, reason: `hypopg ${v} cannot hide indexes; ALTER EXTENSION hypopg UPDATE to 1.4 or later to prove drops` });
      } else {
        expect(result).toMatchObject({ supported: true, usedBy: 1 });
        expect(result.supported && result.regressions).toHaveLength(1);
      }
      });
    } finally {
      await session.close();
    }
  });

  test('without hypopg the same index is proposed from an estimate, labelled unvalidated, a level lower, with the way to enable hypopg', async () => {
    const bare = await createDatabase(SETUP.replace('CREATE EXTENSION hypopg;', ''));
    try {
      const data = await workloadThenCells(bare.url, WORK, INDEX_ANALYSIS);
      const run = cellRun(data, 'workload_indexes');
      expect(run.status, run.reason ?? '').toBe('ok');
      const found = data.findings.filter((f) => f.check === 'workload_indexes');
      expect(found.map((f) => f.title)).toEqual(['Add index on "Shop Floor"."Order Items" (Customer Id, created_at DESC)']);
      const f = found[0];
      const ev = f.evidence as { validation: string; to_validate: string; method: string; severity_basis: { lowered_one_level: string | null }; statements: { cost_before: number; cost_after: number; plan_after: string }[] };
      expect(ev.validation).toBe('estimate');
      expect(ev.method).toMatch(/^estimate: the plan today, the selectivity of the index conditions/);
      expect(ev.to_validate).toMatch(/^CREATE EXTENSION hypopg/);
      expect(ev.severity_basis.lowered_one_level).toBe('estimated, not planned');
      expect(f.severity).toBe('info');
      expect(f.rationale).toMatch(/unvalidated: hypopg is not installed in this database: CREATE EXTENSION hypopg/);
      expect(f.rationale).toMatch(/To plan it instead of estimating: CREATE EXTENSION hypopg\./);
      expect(ev.statements[0].plan_after).toBe('Index Scan (estimated)');
      expect(ev.statements[0].cost_after).toBeLessThan(ev.statements[0].cost_before * 0.7);
      // the near misses stay near misses without hypopg too
      const row = (fragment: string) => run.rows.find((r) => String(r.query).includes(fragment))!;
      expect(row('FROM covered').proposed).toBeNull();
      expect(row('FROM tiny').proposed).toBeNull();
      expect(row('WHERE status = $1').proposed).toBeNull();
      expect(data.skipped.filter((s) => s.check === 'workload_indexes')).toEqual([]);
    } finally {
      await bare.drop();
    }
  });
});

describe.skipIf(!hasRealServer)('workload-indexes on a partitioned table (real server)', () => {
  test('proposes the index as advice with the per-partition procedure, since CONCURRENTLY cannot build it on the parent', async () => {
    const db = await createDatabase(`
      CREATE EXTENSION pg_stat_statements;
      CREATE EXTENSION hypopg;
      CREATE TABLE readings (id bigint NOT NULL, device_id int NOT NULL, taken_at date NOT NULL, value float8) PARTITION BY RANGE (taken_at);
      CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      INSERT INTO readings SELECT g, g % 500, DATE '2024-01-01' + (g % 700), random() FROM generate_series(1, 60000) g;
      ANALYZE;`);
    try {
      const sql = 'SELECT id, value FROM readings WHERE device_id = $1';
      const data = await workloadThenCells(db.url, [{ sql, times: 25, params: (i) => [i] }], INDEX_ANALYSIS);
      const found = data.findings.filter((f) => f.check === 'workload_indexes');
      expect(found.map((f) => f.title)).toEqual(['Add index on public.readings (device_id)']);
      const f = found[0];
      expect(f.up).toBeNull();
      expect(f.down).toBeNull();
      expect(f.rationale).toMatch(/partitioned: CREATE INDEX CONCURRENTLY does not work on a partitioned table/);
      expect((f.evidence as { partitioned_procedure: string[] }).partitioned_procedure).toEqual([
        '-- for each partition P of "public"."readings": CREATE INDEX CONCURRENTLY ON P USING btree ("device_id");',
        'CREATE INDEX IF NOT EXISTS "readings_device_id_idx" ON ONLY "public"."readings" USING btree ("device_id");',
        '-- then for each partition index: ALTER INDEX "public"."readings_device_id_idx" ATTACH PARTITION <partition index>;',
      ]);
      expect((f.evidence as { table_rows: number }).table_rows).toBe(60000);
    } finally {
      await db.drop();
    }
  });
});
