import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRealServer, loadCorpus, schemaDump, type TestDatabase } from '../support/db.ts';
import { runPlaybook } from '../support/run.ts';

// Tuple and DDL-relevant counters of every user table; they move on any write to the database.
const COUNTERS = `
SELECT coalesce(sum(n_tup_ins), 0)::bigint AS ins, coalesce(sum(n_tup_upd), 0)::bigint AS upd,
       coalesce(sum(n_tup_del), 0)::bigint AS del, count(*)::int AS tables,
       (SELECT count(*) FROM pg_class)::int AS relations,
       (SELECT max(xact_commit) FROM pg_stat_database WHERE datname = current_database()) IS NOT NULL AS seen
FROM pg_stat_user_tables`;

describe.skipIf(!hasRealServer)('the advisor never changes the database it inspects', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await loadCorpus('pagila', true);
    await db.exec(`CREATE EXTENSION IF NOT EXISTS hypopg`);
  }, 300_000);
  afterAll(() => db?.drop());

  it('every playbook, schema fingerprint and tuple counters identical before and after', async () => {
    const settle = () => new Promise((r) => setTimeout(r, 1500)); // backends flush table stats about once a second
    await settle();
    const schemaBefore = await schemaDump(db.url);
    const before = (await db.exec(COUNTERS)).rows[0];
    const data = await runPlaybook(db.url);
    expect(data.playbooks.length).toBeGreaterThanOrEqual(1);
    expect(data.findings.length).toBeGreaterThan(0);
    await settle();
    const after = (await db.exec(`SELECT pg_stat_clear_snapshot(); ` + COUNTERS)).rows?.[0] ?? (await db.exec(COUNTERS)).rows[0];
    expect(after).toEqual(before);
    expect(await schemaDump(db.url)).toBe(schemaBefore);
  });

  it('the session it opens is read-only, with timeouts and its application_name', async () => {
    const { ReadOnlyDb } = await import('../../src/db/read-only.ts');
    const { fromUrl } = await import('../../src/db/target.ts');
    const s = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
    try {
      const { rows } = await s.query(
        `SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st,
                current_setting('lock_timeout') AS lt, current_setting('application_name') AS app,
                current_setting('default_transaction_read_only') AS session_ro, current_setting('jit') AS jit`,
      );
      // read-only and bounded per transaction, no JIT for catalog queries; nothing left at session level for a pooler to pass on
      expect(rows[0]).toEqual({ ro: 'on', st: '30s', lt: '2s', app: 'pgadvisor', session_ro: 'off', jit: 'off' });
      await expect(s.query(`CREATE TABLE nope (id int)`)).rejects.toThrow(/read-only transaction/);
      await expect(s.query(`SELECT 1; SELECT 2`)).rejects.toThrow(/multiple commands/);
    } finally {
      await s.close();
    }
  });
});
