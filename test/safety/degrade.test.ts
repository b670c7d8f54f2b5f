// Degrade, don't die: a read replica, and a plain role without pg_read_all_stats or pg_monitor. Every cell
// runs or is skipped with a reason; nothing crashes and no cell fails.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, TEST_DATABASE_URL, urlFor, type TestDatabase } from '../support/db.ts';
import { runPlaybook } from '../support/run.ts';

const fixture = await readFile(new URL('../playbooks/indexes/fixture.sql', import.meta.url), 'utf8');
const REPLICA = process.env.TEST_REPLICA_URL;

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const errors = (data: Awaited<ReturnType<typeof runPlaybook>>) =>
  data.playbooks.flatMap((p) => p.runs).filter((r) => r.status === 'error' || r.status === 'timeout').map((r) => `${r.playbook}/${r.cell}: ${r.reason}`);

describe.skipIf(!hasRealServer || !REPLICA)('on a read replica (TEST_REPLICA_URL)', () => {
  let db: TestDatabase;
  let url: string;
  beforeAll(async () => {
    db = await createDatabase(fixture + `\nCREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS hypopg;`);
    url = urlFor(REPLICA!, db.name);
    // wait until the replica has replayed the fixture
    await until('the replica to replay the fixture', async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const r = await c.query(`SELECT to_regclass('app.flags') IS NOT NULL AND (SELECT count(*) FROM app.flags) = 20000 AS ok`);
        return r.rows[0].ok ? true : null;
      } finally {
        await c.end();
      }
    });
  }, 120_000);
  afterAll(() => db?.drop());

  it('every playbook runs or skips with a reason, and the findings are the primary’s', async () => {
    const data = await runPlaybook(url);
    expect(data.server.inRecovery).toBe(true);
    expect(errors(data)).toEqual([]);
    const dups = data.findings.filter((f) => f.check === 'duplicate_indexes').map((f) => f.target);
    expect(dups).toContain('app.users.users_norm_b');
    const onPrimary = await runPlaybook(db.url, ['indexes']);
    expect(data.findings.filter((f) => f.playbook === 'indexes' && f.check !== 'unused_indexes' && f.check !== 'workload_indexes').map((f) => f.id).sort())
      .toEqual(onPrimary.findings.filter((f) => f.check !== 'unused_indexes' && f.check !== 'workload_indexes').map((f) => f.id).sort());
  });
});

describe.skipIf(!hasRealServer)('as a plain role without pg_read_all_stats or pg_monitor', () => {
  let db: TestDatabase;
  const role = `pgadv_plain_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  beforeAll(async () => {
    db = await createDatabase(fixture + `\nCREATE EXTENSION IF NOT EXISTS pg_stat_statements;`);
    await db.exec(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await db.exec(`GRANT CONNECT ON DATABASE ${db.name} TO ${role}; GRANT USAGE ON SCHEMA app TO ${role}`);
  });
  afterAll(async () => {
    await db?.drop();
    await createDatabase().then(async (d) => {
      await d.exec(`DROP ROLE IF EXISTS ${role}`);
      await d.drop();
    });
  });

  it('runs every playbook, skipping what needs privileges with the reason, and says how many were skipped', async () => {
    const u = new URL(urlFor(TEST_DATABASE_URL!, db.name));
    u.username = role;
    u.password = password;
    const data = await runPlaybook(u.toString());
    expect(data.server.privileges).toMatchObject({ superuser: false, pg_read_all_stats: false, pg_monitor: false });
    expect(errors(data)).toEqual([]);
    for (const s of data.skipped) expect(s.reason.length).toBeGreaterThan(10);
    // catalog-only checks still see everything the role may see
    expect(data.findings.some((f) => f.check === 'fk_without_index')).toBe(true);
  });
});
