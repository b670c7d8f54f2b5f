// The drop-validation cell: proposed drops re-planned with the index hidden by hypopg (1.4+: hypopg_hide_index).
// The test server has hypopg 1.4 (CI builds it from ../shared/vendor); the 1.3.1 path is the same server with
// the extension created at version 1.3.1, which is exactly what Debian 12's package offers: no hide functions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';

const TABLES = `
-- harmless: the planner picks t_a for the 20-row lookups, and t_a_b, of which it is a prefix, serves them at
-- the same estimated cost
CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b text NOT NULL);
INSERT INTO t SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 20000) g;
CREATE INDEX t_a_b ON t (a, b);
CREATE INDEX t_a ON t (a);
-- harmful: u_k is "redundant" to u_k_wide, but the wide index is 50 times its size and uncorrelated with the
-- heap, so without u_k the planner's best plan for the lookup costs many times more
CREATE TABLE u (id int PRIMARY KEY, k int NOT NULL, wide text NOT NULL);
INSERT INTO u SELECT g, g / 2000, md5(g::text) || repeat('y', 300) FROM generate_series(1, 50000) g;
CREATE INDEX u_k ON u (k);
CREATE INDEX u_k_wide ON u (k, wide);
ANALYZE;`;

async function runWorkload(db: TestDatabase): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await db.exec('SELECT id FROM t WHERE a = $1', [i]);
    await db.exec('SELECT id, wide FROM u WHERE k = $1', [i % 25]);
  }
}

describe.skipIf(!hasRealServer)('drop validation with hypopg', () => {
  describe('hypopg 1.4: the hide path', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createDatabase(`CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg; ${TABLES}`);
      await runWorkload(db);
    });
    afterAll(() => db?.drop());

    it('runs on a hypopg that can hide indexes (CI builds 1.4 from ../shared/vendor: .ci/postgres.sh hypopg_install)', async () => {
      const { rows } = await db.exec(
        `SELECT e.extversion, to_regprocedure('hypopg_hide_index(oid)') IS NOT NULL AS can_hide FROM pg_extension e WHERE e.extname = 'hypopg'`,
      );
      expect(rows).toEqual([{ extversion: '1.4.0', can_hide: true }]);
    });

    it('a drop that makes a statement costlier becomes a warning with the statement and both costs; a harmless drop stays', async () => {
      const data = await runPlaybook(db.url, ['indexes']);
      expect(findingsOf(data, 'redundant_indexes').map((f) => f.target).sort()).toEqual(['public.t.t_a', 'public.u.u_k']);
      const run = runOf(data, 'drop_validation');
      expect(run.status).toBe('ok');
      expect(run.rows).toEqual([
        { index: 'public.t_a', proposed_by: 'redundant_indexes', statements_using_it: 1, statements_planned: expect.any(Number), verdict: 'others serve its statements as well' },
        { index: 'public.u_k', proposed_by: 'redundant_indexes', statements_using_it: 1, statements_planned: expect.any(Number), verdict: '1 statement(s) costlier without it' },
      ]);

      const [warning, ...more] = findingsOf(data, 'drop_validation');
      expect(more).toEqual([]);
      expect(warning).toMatchObject({ target: 'public.u_k', severity: 'warning', up: null, down: null, id: 'indexes/drop_validation/public.u_k/drop' });
      expect(warning.title).toBe('Dropping public.u_k makes 1 workload statement costlier');
      const [regression] = warning.evidence.regressions as { query: string; calls: number; cost_before: number; cost_after: number }[];
      expect(regression.query).toBe('SELECT id, wide FROM u WHERE k = $1');
      expect(regression.calls).toBe(20);
      expect(regression.cost_after).toBeGreaterThan(regression.cost_before * 1.1);
      expect(regression.cost_after - regression.cost_before).toBeGreaterThan(25);
      expect(warning.rationale).toContain(`worst ${regression.cost_before.toFixed(1)} → ${regression.cost_after.toFixed(1)}`);
      expect(warning.rationale).toContain('Reject the drop proposed by redundant_indexes');
      expect(warning.evidence.proposed_by).toEqual(['redundant_indexes']);
    });

    it('leaves nothing hidden: the planner still uses u_k afterwards, in a session of its own', async () => {
      const { rows } = await db.exec(`EXPLAIN (FORMAT JSON) SELECT id, wide FROM u WHERE k = 3`);
      expect(JSON.stringify(rows[0])).toContain('"Index Name":"u_k"');
    });

    it('with nothing proposed for dropping there is nothing to try', async () => {
      const empty = await createDatabase('CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg; CREATE TABLE v (id int PRIMARY KEY)');
      try {
        const data = await runPlaybook(empty.url, ['indexes']);
        expect(runOf(data, 'drop_validation')).toMatchObject({ status: 'ok', rows: [] });
      } finally {
        await empty.drop();
      }
    });
  });

  describe('hypopg 1.3.1 (Debian 12’s package): no hypopg_hide_index', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createDatabase(`CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg VERSION '1.3.1'; ${TABLES}`);
      await runWorkload(db);
    });
    afterAll(() => db?.drop());

    it('skips the cell, naming the version and the way out; ALTER EXTENSION hypopg UPDATE then proves the drops', async () => {
      const before = await runPlaybook(db.url, ['indexes']);
      expect(findingsOf(before, 'redundant_indexes').map((f) => f.target).sort()).toEqual(['public.t.t_a', 'public.u.u_k']);
      expect(runOf(before, 'drop_validation')).toMatchObject({
        status: 'skipped',
        reason: 'hypopg 1.3.1 cannot hide indexes; ALTER EXTENSION hypopg UPDATE to 1.4 or later to prove drops',
      });
      expect(before.skipped).toContainEqual({ playbook: 'indexes', check: 'drop_validation', reason: expect.stringContaining('hypopg 1.3.1') });
      expect(findingsOf(before, 'drop_validation')).toEqual([]);
      // the hypothetical indexes of 1.3.1 still work: the workload analysis is not affected
      expect(runOf(before, 'workload_indexes').status).toBe('ok');

      await db.exec('ALTER EXTENSION hypopg UPDATE');
      const after = await runPlaybook(db.url, ['indexes']);
      expect(runOf(after, 'drop_validation').status).toBe('ok');
      expect(findingsOf(after, 'drop_validation').map((f) => f.target)).toEqual(['public.u_k']);
    });
  });
});
