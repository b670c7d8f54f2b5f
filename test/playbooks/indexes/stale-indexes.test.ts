// stale_indexes (PostgreSQL 16+): indexes whose last scan (last_idx_scan) is more than 30 days old. The old scan
// is planted for real: a private PostgreSQL 16 runs with its clock 40 days back (libfaketime) while the index is
// scanned, then restarts on the true clock; a clean shutdown keeps the statistics, last_idx_scan included.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitStatements } from '../../../src/migration/statements.ts';
import type { Finding } from '../../../src/playbooks/types.ts';
import { withClient } from '../../support/db.ts';
import { matrixServers } from '../../support/matrix.ts';
import { LIBFAKETIME, startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';

const SETUP = `
CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL, status text NOT NULL, note text);
INSERT INTO orders SELECT g, g % 500, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END, 'n' || g FROM generate_series(1, 5000) g;
CREATE INDEX orders_status ON orders (status);            -- scanned 40 days ago, never since: stale
COMMENT ON INDEX orders_status IS 'for the month-end report';
CREATE INDEX orders_customer ON orders (customer);        -- scanned 40 days ago and again today: in use
CREATE INDEX orders_note ON orders (note);                -- never scanned: unused_indexes' case, not this one
CREATE TABLE lines (id int PRIMARY KEY, order_id int NOT NULL REFERENCES orders (id));
CREATE INDEX lines_order_id ON lines (order_id);          -- scanned long ago, but it supports a foreign key: kept
ANALYZE;`;

const scan = (sql: string) => `SET enable_seqscan = off; SET enable_bitmapscan = off; ${sql}`;

const ready = Boolean(matrixServers()) && existsSync(LIBFAKETIME);

describe.runIf(ready)('stale_indexes on PostgreSQL 16 with a last scan planted 40 days ago', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = (await startPrivateCluster(16, { fakeTime: '-40d' }))!;
    await withClient(cluster.url, async (c) => {
      await c.query(SETUP);
      await c.query(scan(`SELECT count(*) FROM orders WHERE status = 'open'; SELECT count(*) FROM orders WHERE customer = 7; SELECT count(*) FROM lines WHERE order_id = 3`));
    });
    await cluster.restart();
    await withClient(cluster.url, (c) => c.query(scan('SELECT count(*) FROM orders WHERE customer = 9')));
  }, 120_000);
  afterAll(() => cluster?.destroy());

  it('the clock trick worked: the planted scan is 40 days old, the new one from today', async () => {
    const { rows } = await withClient(cluster.url, (c) =>
      c.query(`SELECT indexrelname, idx_scan::int, (now() - last_idx_scan) > interval '39 days' AS old FROM pg_stat_user_indexes WHERE idx_scan > 0 ORDER BY 1`),
    );
    expect(rows).toEqual([
      { indexrelname: 'lines_order_id', idx_scan: 1, old: true },
      { indexrelname: 'orders_customer', idx_scan: 2, old: false },
      { indexrelname: 'orders_status', idx_scan: 1, old: true },
    ]);
  });

  it('reports the index last scanned 40 days ago, with the date and a DROP; not the one used today, the never-scanned one or the foreign key’s', async () => {
    const data = await runPlaybook(cluster.url, ['indexes']);
    expect(runOf(data, 'stale_indexes').status).toBe('ok');
    const found = findingsOf(data, 'stale_indexes');
    expect(found.map((f) => f.target)).toEqual(['public.orders.orders_status']);
    const [f] = found;
    expect(f.title).toBe('orders_status was last scanned 40 days ago');
    expect(f.evidence).toMatchObject({ idx_scan: 1, days_since_last_scan: 40, index: 'CREATE INDEX orders_status ON public.orders USING btree (status)' });
    expect(f.up).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.orders_status;');
    expect(f.down).toBe(
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status ON public.orders USING btree (status);\nCOMMENT ON INDEX public.orders_status IS 'for the month-end report';",
    );
    expect(f.drops).toEqual(['public.orders_status']);
    // the never-scanned index stays with unused_indexes (young statistics there: one advice finding naming it)
    expect(JSON.stringify(findingsOf(data, 'unused_indexes'))).toContain('orders_note');
  });

  it('its migration drops the index and the rollback brings it back exactly, comment included', async () => {
    const data = await runPlaybook(cluster.url, ['indexes']);
    const [f] = findingsOf(data, 'stale_indexes');
    const before = await indexes(cluster.url);
    await apply(cluster.url, f, 'up');
    expect(await indexes(cluster.url)).toEqual(before.filter((i) => i.name !== 'orders_status'));
    await apply(cluster.url, f, 'down');
    expect(await indexes(cluster.url)).toEqual(before);
    await apply(cluster.url, f, 'up');
    await apply(cluster.url, f, 'down');
    expect(await indexes(cluster.url)).toEqual(before);
  });
});

describe.runIf(!ready && process.env.CI && process.env.TEST_DATABASE_URL)('stale_indexes in CI', () => {
  it('has what it needs', () => {
    throw new Error(`stale_indexes needs the matrix servers (TEST_MATRIX_URLS) and libfaketime (${LIBFAKETIME}): .ci/postgres.sh installs and starts them`);
  });
});

/** pg_dump cannot read a newer server, so the schema is compared through the catalog: each index's definition and comment. */
async function indexes(url: string): Promise<{ name: string; def: string; comment: string | null }[]> {
  const { rows } = await withClient(url, (c) =>
    c.query(`SELECT indexname AS name, indexdef AS def, obj_description(format('%I.%I', schemaname, indexname)::regclass, 'pg_class') AS comment
               FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
  );
  return rows;
}

async function apply(url: string, f: Finding, which: 'up' | 'down'): Promise<void> {
  await withClient(url, async (c) => {
    for (const s of splitStatements(f[which]!, `${f.id} ${which}`)) await c.query(s.sql);
  });
}
