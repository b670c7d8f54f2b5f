// Pagila after its workload.sql (../shared/corpora/pagila): the planted signals, checked by hand.
// Counts seen on PostgreSQL 15 + hypopg 1.3.1: 2 N+1 loops (customer, inventory, both driven by the
// one-day rental list), 2 sequential-scan-heavy tables (rental, payment with its 7 partitions summed),
// 0 hot tiny statements, 0 or 1 slow statement (the revenue join averages 35–110 ms depending on load), and 4–5 validated index proposals: rental (customer_id, rental_date),
// rental (return_date, rental_date), inventory (film_id), customer (lower(email)), and
// rental (staff_id, rental_date) when the visibility map lets the count(*) use an index-only scan.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { hasRealServer, loadCorpus, psqlFile, type TestDatabase } from '../../support/db.ts';
import { cellRun, INDEX_ANALYSIS, recordedCalls, runNotebooks, runShippedCells } from './support.ts';

const CUSTOMER_LOOKUP = 'SELECT first_name, last_name, email FROM customer WHERE customer_id = $1';

describe.skipIf(!hasRealServer)('pagila with its workload (real server; needs TEST_DATABASE_URL)', () => {
  let db: TestDatabase;
  let workload: RunResult;
  let indexes: RunResult;

  beforeAll(async () => {
    // workload.sql resets pg_stat_statements for the whole server, and so do other runs of it:
    // take a fresh copy until this database's statements are still there after the analysis.
    for (let attempt = 0; attempt < 3; attempt++) {
      await db?.drop();
      db = await loadCorpus('pagila', true);
      await db.exec('CREATE EXTENSION hypopg');
      if ((await recordedCalls(db, CUSTOMER_LOOKUP)) < 100) continue;
      workload = await runNotebooks(db.url, undefined, ['workload']);
      indexes = await runShippedCells(db.url, INDEX_ANALYSIS);
      const seen = (d: RunResult, cell: string) => cellRun(d, cell).rows.some((r) => r.query === CUSTOMER_LOOKUP);
      if (seen(workload, 'statements') && seen(indexes, 'statements')) return;
    }
    throw new Error('pg_stat_statements kept being reset by another run; could not analyse pagila');
  }, 240_000);
  afterAll(async () => {
    await db?.drop();
  });

  const of = (d: RunResult, check: string): Finding[] => d.findings.filter((f) => f.check === check);

  test('the N+1 loop is found: customer and film-by-inventory lookups driven by the rental list', () => {
    const found = of(workload, 'n_plus_one');
    expect(found.map((f) => f.target).sort()).toEqual(['public.customer', 'public.inventory']);
    for (const f of found) {
      expect(f.severity).toBe('warning');
      const ev = f.evidence as { lookup: { calls: number; rows_per_call: number }; driver: { query: string; via: string; fan_out: number } };
      expect(ev.lookup.calls).toBe(100);
      expect(ev.lookup.rows_per_call).toBe(1);
      expect(ev.driver.query).toBe(
        'SELECT rental_id, inventory_id, customer_id FROM rental WHERE rental_date >= $1 AND rental_date < $2 ORDER BY rental_id LIMIT $3',
      );
      expect(ev.driver.via).toBe('foreign key');
      expect(ev.driver.fan_out).toBe(100);
    }
    const customer = found.find((f) => f.target === 'public.customer')!;
    expect((customer.evidence as { batched_rewrite: string }).batched_rewrite).toBe(
      'SELECT customer.customer_id, first_name, last_name, email FROM customer WHERE customer_id = ANY($1)',
    );
    // The server's own foreign-key checks (50 calls each, FROM ONLY … FOR KEY SHARE) are not loops.
    expect(cellRun(workload, 'n_plus_one').rows).toHaveLength(2);
  });

  test('sequential-scan tables are named and handed to the index analysis', () => {
    expect(of(workload, 'seq_scan_heavy').map((f) => f.target)).toEqual(['public.rental', 'public.payment']);
    // Execution time depends on the machine: the 5-way revenue join runs 35–110 ms here, so it may cross 100 ms.
    for (const f of of(workload, 'slow_statements')) {
      expect((f.evidence as { query: string }).query).toMatch(/^SELECT c\.name AS category, sum\(p\.amount\) AS revenue FROM payment p JOIN rental r/);
    }
    expect(of(workload, 'hot_tiny_statements')).toEqual([]);
    const tables = cellRun(indexes, 'workload_tables').rows.filter((r) => r.seq_heavy).map((r) => r.table);
    expect(tables).toEqual(['rental', 'payment']);
  });

  test('the index analysis proposes rental (customer_id, rental_date), validated by hypopg', () => {
    const found = of(indexes, 'workload_indexes');
    const titles = found.map((f) => f.title);
    expect(titles).toContain('Add index on public.rental (customer_id, rental_date)');
    expect(titles).toContain('Add index on public.rental (return_date, rental_date)');
    expect(titles).toContain('Add index on public.inventory (film_id)');
    const allowed = [
      'Add index on public.rental (customer_id, rental_date)',
      'Add index on public.rental (return_date, rental_date)',
      'Add index on public.rental (staff_id, rental_date)',
      'Add index on public.inventory (film_id)',
      'Add index on public.customer (lower(email))',
    ];
    for (const t of titles) expect(allowed).toContain(t);

    const rental = found.find((f) => f.title === 'Add index on public.rental (customer_id, rental_date)')!;
    expect(rental.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "rental_customer_id_rental_date_idx" ON "public"."rental" USING btree ("customer_id", "rental_date")');
    expect(rental.down).toBe('DROP INDEX CONCURRENTLY IF EXISTS "public"."rental_customer_id_rental_date_idx"');
    const ev = rental.evidence as { statements: { query: string; calls: number; saving: number; plan_after: string }[]; writes_since_stats_reset: number };
    expect(ev.statements.map((s) => s.query)).toEqual([
      'SELECT rental_id, rental_date, return_date FROM rental WHERE customer_id = $1 ORDER BY rental_date DESC LIMIT $2',
    ]);
    expect(ev.statements[0].calls).toBe(40);
    expect(ev.statements[0].saving).toBeGreaterThan(0.5);
    expect(ev.writes_since_stats_reset).toBeGreaterThanOrEqual(100);

    // payment is partitioned with per-partition customer_id indexes: its candidates are tried and fall short.
    const verdicts = cellRun(indexes, 'workload_indexes').rows.filter((r) => r.table === 'public.payment');
    expect(verdicts.length).toBeGreaterThan(0);
    for (const v of verdicts) expect(String(v.verdict)).not.toMatch(/^proposed/);
  });

  test('after applying the proposals, the same workload yields none', async () => {
    const file = join(tmpdir(), `pgadv-pagila-${db.name}.sql`);
    const ups = of(indexes, 'workload_indexes').map((f) => `${f.up};`);
    await writeFile(file, `SET lock_timeout = '5s';\n${ups.join('\n')}\nANALYZE;\n`);
    await psqlFile(db.url, file);
    const again = await runShippedCells(db.url, INDEX_ANALYSIS);
    expect(cellRun(again, 'statements').rows.map((r) => r.query)).toContain(
      'SELECT rental_id, rental_date, return_date FROM rental WHERE customer_id = $1 ORDER BY rental_date DESC LIMIT $2',
    );
    expect(cellRun(again, 'workload_indexes').status).toBe('ok');
    expect(of(again, 'workload_indexes')).toEqual([]);
  });
});
