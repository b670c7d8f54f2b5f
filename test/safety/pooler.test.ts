// Behind PgBouncer in transaction mode (TEST_POOLER_URL): every check runs, stays read-only, and leaves
// nothing on the server connections that other clients are handed next.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, urlFor, withClient, type TestDatabase } from '../support/db.ts';
import { runPlaybook } from '../support/run.ts';

const fixture = await readFile(new URL('../playbooks/indexes/fixture.sql', import.meta.url), 'utf8');
const POOLER = process.env.TEST_POOLER_URL;

describe.skipIf(!hasRealServer || !POOLER)('through a transaction-mode pooler (TEST_POOLER_URL)', () => {
  let db: TestDatabase;
  let url: string;
  beforeAll(async () => {
    db = await createDatabase(fixture + '\nCREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg;');
    url = urlFor(POOLER!, db.name);
  });
  afterAll(() => db?.drop());

  it('runs every playbook with the same findings as a direct connection', async () => {
    const pooled = await runPlaybook(url);
    const errors = pooled.playbooks.flatMap((p) => p.runs).filter((r) => r.status === 'error' || r.status === 'timeout');
    expect(errors.map((r) => `${r.playbook}/${r.cell}: ${r.reason}`)).toEqual([]);
    const direct = await runPlaybook(db.url, ['indexes']);
    const ids = (d: typeof direct) => d.findings.filter((f) => f.playbook === 'indexes' && f.check !== 'unused_indexes').map((f) => f.id).sort();
    expect(ids(pooled)).toEqual(ids(direct));
  });

  it('leaves no session settings on the pooled server connections, so other clients can still write', async () => {
    await runPlaybook(url);
    // more clients than the pool's server connections: each of them is checked
    const seen = await Promise.all(
      Array.from({ length: 6 }, () =>
        withClient(url, async (c) => {
          await c.query('BEGIN');
          const r = await c.query(
            `SELECT current_setting('default_transaction_read_only') AS ro, current_setting('statement_timeout') AS st,
                    current_setting('lock_timeout') AS lt, pg_backend_pid() AS pid`,
          );
          await c.query('CREATE TEMP TABLE pooled_write (id int) ON COMMIT DROP');
          await c.query('COMMIT');
          return r.rows[0];
        }),
      ),
    );
    for (const r of seen) expect({ ro: r.ro, st: r.st, lt: r.lt }).toEqual({ ro: 'off', st: '0', lt: '0' });
  });
});
