// The drop-validation cell: proposed drops re-planned with the index hidden by hypopg.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';

const SETUP = `
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION hypopg;
CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO t SELECT g, g % 1000, g % 7 FROM generate_series(1, 20000) g;
CREATE INDEX t_a ON t (a);
CREATE INDEX t_a_b ON t (a, b);
ANALYZE;`;

describe.skipIf(!hasRealServer)('drop validation with hypopg', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(SETUP);
  });
  afterAll(() => db?.drop());

  it('tries each proposed drop; with a hypopg that cannot hide indexes it says so and skips', async () => {
    for (let i = 0; i < 20; i++) await db.exec('SELECT id FROM t WHERE a = $1', [i]);
    const data = await runPlaybook(db.url, ['indexes']);
    expect(findingsOf(data, 'redundant_indexes').map((f) => f.target)).toEqual(['public.t.t_a']);
    const run = runOf(data, 'drop_validation');
    const version = (await db.exec(`SELECT extversion FROM pg_extension WHERE extname = 'hypopg'`)).rows[0].extversion as string;
    const canHide = (await db.exec(`SELECT to_regprocedure('hypopg_hide_index(oid)') IS NOT NULL AS ok`)).rows[0].ok as boolean;
    if (!canHide) {
      // Debian 12's hypopg is 1.3.1: the cell names the version and the way out
      expect(run).toMatchObject({ status: 'skipped', reason: `hypopg ${version} cannot hide indexes; ALTER EXTENSION hypopg UPDATE to 1.4 or later to prove drops` });
    } else {
      expect(run.status).toBe('ok');
      expect(run.rows).toEqual([expect.objectContaining({ index: 'public.t_a', proposed_by: 'redundant_indexes' })]);
      // t_a_b serves every lookup t_a served, so hiding t_a costs nothing
      expect(findingsOf(data, 'drop_validation')).toEqual([]);
    }
  });

  it('with nothing proposed for dropping there is nothing to try', async () => {
    await db.exec('DROP INDEX t_a');
    const data = await runPlaybook(db.url, ['indexes']);
    expect(runOf(data, 'drop_validation')).toMatchObject({ status: 'ok', rows: [] });
  });
});
