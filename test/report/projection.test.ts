// The numbers behind the report: the impact projection (index totals, sizes and where they come from, the
// per-statement part from the workload advisor's alignment table or from the proposals' own statements),
// the risk of each statement (the check's stated lock first, the parse tree otherwise) and the duration model.
import { describe, expect, it } from 'vitest';
import type { CellRun, Finding } from '../../src/playbooks/types.ts';
import { appliedStatements } from '../../src/report/changes.ts';
import { estimateIndexBytes, projectImpact } from '../../src/report/impact.ts';
import { DURATION_MODEL, estimateMs, riskGroups, riskRows } from '../../src/report/risk-matrix.ts';
import { migrationFor } from '../../src/report/rollout.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import { decision, sessionData, snapshotFixture } from '../snapshot/fixtures.ts';

const MB = 1024 ** 2;

function probe(cell: string, rows: Record<string, unknown>[], playbook = 'indexes', kind: CellRun['kind'] = 'probe'): CellRun {
  return { playbook, cell, kind, title: cell, sql: null, status: 'ok', reason: null, durationMs: 1, columns: Object.keys(rows[0] ?? {}), rows, rowCount: rows.length, truncated: false };
}

function finding(partial: Partial<Finding> & Pick<Finding, 'id' | 'check' | 'target' | 'up'>): Finding {
  return { playbook: 'indexes', severity: 'warning', title: partial.id, rationale: 'r', evidence: {}, down: null, drops: [], keeps: [], ...partial };
}

/** A shop with an index overview, two proposals that build the same index, a drop, and a stated-lock change. */
function shop(extra: { alignment?: Record<string, unknown>[] } = {}): Snapshot {
  const data = sessionData();
  data.playbooks[0].runs.push(
    probe('index_overview', [
      { table: 'public.orders', indexes: '4', index_size: '6 MB', table_size: '40 MB', index_bytes: String(6 * MB), writes_since_reset: '41000' },
      { table: 'public.order_items', indexes: '1', index_size: '5 MB', table_size: '100 MB', index_bytes: String(5 * MB), writes_since_reset: '8200' },
    ]),
  );
  if (extra.alignment) data.playbooks[0].runs.push({ ...probe('workload_indexes', extra.alignment, 'indexes', 'analyzer') });
  data.findings = [
    finding({
      id: 'indexes/fk_without_index/public.order_items.fk',
      check: 'fk_without_index',
      target: 'public.order_items.fk',
      evidence: { table_rows: 1_000_000, table_size: '100 MB' },
      up: 'CREATE INDEX CONCURRENTLY order_items_order_id_idx ON public.order_items (order_id);',
      down: 'DROP INDEX CONCURRENTLY public.order_items_order_id_idx;',
    }),
    finding({
      id: 'indexes/workload_indexes/public.order_items.order_items_order_id_idx',
      check: 'workload_indexes',
      target: 'public.order_items.order_items_order_id_idx',
      evidence: {
        index_bytes_hypopg: 22 * MB,
        table_bytes: 100 * MB,
        method: 'hypopg hypothetical index',
        statements: [{ query: 'SELECT * FROM order_items WHERE order_id = $1', queryid: '7', calls: 900, mean_ms: 12.5, cost_before: 4000, cost_after: 8.5, plan_before: 'Seq Scan' }],
        lock: { mode: 'SHARE UPDATE EXCLUSIVE', on: ['public.order_items'], held: 'build', blocks: 'VACUUM …' },
      },
      up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON public.order_items (order_id);',
      down: 'DROP INDEX CONCURRENTLY IF EXISTS public.order_items_order_id_idx;',
    }),
    finding({
      id: 'indexes/duplicate_indexes/public.orders.orders_customer_id_idx1',
      check: 'duplicate_indexes',
      target: 'public.orders.orders_customer_id_idx1',
      evidence: { drop_bytes: 1785856, drop_size: '1744 kB' },
      up: 'DROP INDEX CONCURRENTLY public.orders_customer_id_idx1;',
      down: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx1 ON public.orders USING btree (customer_id);',
      drops: ['public.orders_customer_id_idx1'],
    }),
    finding({
      id: 'schema-integrity/json_columns/public.orders.payload',
      playbook: 'schema-integrity',
      check: 'json_columns',
      target: 'public.orders.payload',
      severity: 'info',
      evidence: { table_bytes: 40 * MB, lock: { mode: 'ACCESS EXCLUSIVE', on: ['public.orders'], held: 'rewrite', blocks: 'every statement' } },
      up: 'ALTER TABLE public.orders ALTER COLUMN payload TYPE jsonb;',
      down: 'ALTER TABLE public.orders ALTER COLUMN payload TYPE json;',
    }),
    finding({
      id: 'workload/proposal_not_taken/public.orders.orders_status_idx',
      check: 'workload_indexes',
      target: 'public.orders.orders_status_idx',
      evidence: { statements: [{ query: 'SELECT count(*) FROM orders WHERE status = $1', calls: 40, mean_ms: 3, cost_before: 900, cost_after: 40 }] },
      up: 'CREATE INDEX CONCURRENTLY orders_status_idx ON public.orders (status);',
    }),
  ];
  const decisions = Object.fromEntries(data.findings.map((f) => [f.id, decision(f.id.includes('proposal_not_taken') ? 'rejected' : 'accepted')]));
  return snapshotFixture({ data, decisions });
}

function analyse(s: Snapshot) {
  const outcome = migrationFor(s);
  if (!outcome.ok) throw new Error(outcome.problem);
  const applied = appliedStatements(s, outcome.migration);
  const projection = projectImpact(s, applied);
  return { m: outcome.migration, applied, projection, risks: riskRows(s, applied, projection) };
}

describe('impact projection', () => {
  it('counts what the migration creates and drops, once each, with the size and where it comes from', () => {
    const { projection: p } = analyse(shop());
    expect(p.creates.map((c) => [c.index, c.bytes, c.basis])).toEqual([['public.order_items_order_id_idx', estimateIndexBytes(1_000_000), 'rows']]);
    // the workload proposal builds the same index: IF NOT EXISTS makes it a no-op, counted once
    expect(p.repeats.map((c) => c.statement.finding.check)).toEqual(['workload_indexes']);
    expect(p.drops.map((c) => [c.index, c.bytes, c.basis])).toEqual([['public.orders_customer_id_idx1', 1785856, 'measured']]);
    expect(p.before).toEqual({ indexes: 5, bytes: 11 * MB, tables: 2 });
    expect(p.after).toEqual({ indexes: 5, bytes: 11 * MB + estimateIndexBytes(1_000_000) - 1785856 });
    const items = p.tables.find((t) => t.table === 'public.order_items')!;
    expect(items).toMatchObject({ indexesBefore: 1, added: 1, dropped: 0, writes: 8200 });
    // 41 days of statistics in the fixture (reset 2025-01-22, snapshot 2025-03-04)
    expect(items.writesPerDay).toBeCloseTo(8200 / p.statsDays!, 5);
    expect(p.tables.find((t) => t.table === 'public.orders')).toMatchObject({ indexesBefore: 4, added: 0, dropped: 1, bytesFreed: 1785856 });
  });

  it('a row-count estimate is a btree of 24-byte entries at 90 % fill plus its metapage', () => {
    expect(estimateIndexBytes(0)).toBe(2 * 8192);
    expect(estimateIndexBytes(1_000_000)).toBe((1 + Math.ceil(1_000_000 / Math.floor((8192 * 0.9 - 24) / 24))) * 8192);
  });

  it('per statement, from the proposals until the snapshot has an alignment table', () => {
    const { projection: p } = analyse(shop());
    expect(p.statementSource).toBe('findings');
    expect(p.statements.map((x) => [x.query, x.accepted, x.costBefore, x.costAfter])).toEqual([
      ['SELECT * FROM order_items WHERE order_id = $1', true, 4000, 8.5],
      // rejected: the cost after is today's
      ['SELECT count(*) FROM orders WHERE status = $1', false, 900, 900],
    ]);
  });

  it('per statement, from the workload advisor alignment table when there is one', () => {
    const row = (rank: number, query: string, proposed: string | null, targets: string | null, today: number, after: number | null) => ({
      rank,
      statement: `s${rank}`,
      queryid: String(rank),
      query,
      calls: 100 * rank,
      calls_per_hour: 10,
      mean_ms: 2.5,
      share_of_time: 0.1,
      tables: 'public.order_items',
      index_today: proposed ? 'none' : 'order_items_pkey',
      plan_today: 'Seq Scan',
      cost_today: today,
      proposed,
      proposed_targets: targets,
      cost_after: after,
      saving: after === null ? null : 1 - after / today,
      validated: proposed ? 'hypopg' : null,
      verdict: proposed ? `proposed: ${proposed}` : 'served today',
    });
    const s = shop({
      alignment: [
        row(1, 'SELECT * FROM order_items WHERE order_id = $1', 'order_items_order_id_idx', 'public.order_items.order_items_order_id_idx', 4000, 8.5),
        row(2, 'SELECT * FROM order_items WHERE id = $1', null, null, 8.3, null),
        row(3, 'SELECT count(*) FROM orders WHERE status = $1', 'orders_status_idx', 'public.orders.orders_status_idx', 900, 40),
      ],
    });
    const { projection: p } = analyse(s);
    expect(p.statementSource).toBe('alignment');
    expect(p.statements.map((x) => [x.query, x.indexToday, x.accepted, x.costBefore, x.costAfter])).toEqual([
      ['SELECT * FROM order_items WHERE order_id = $1', 'none', true, 4000, 8.5],
      ['SELECT * FROM order_items WHERE id = $1', 'order_items_pkey', false, 8.3, 8.3],
      ['SELECT count(*) FROM orders WHERE status = $1', 'none', false, 900, 900],
    ]);
  });
});

describe('risk of each accepted statement', () => {
  it('one row per statement of the migration, in its order, the stated lock before the parse tree', () => {
    const { m, risks } = analyse(shop());
    expect(risks.map((r) => r.statement.sql)).toEqual(m.parts.flatMap((p) => p.statements.map((s) => s.sql)));
    const by = (check: string) => risks.find((r) => r.statement.finding.check === check)!;
    expect(by('workload_indexes')).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', lockFrom: 'evidence', held: 'build', reversible: true });
    expect(by('fk_without_index')).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', lockFrom: 'parse', held: 'build', relationBytes: 100 * MB });
    expect(by('json_columns')).toMatchObject({ lock: 'ACCESS EXCLUSIVE', lockFrom: 'evidence', held: 'rewrite', rewrites: 'yes', relationBytes: 40 * MB });
    expect(by('duplicate_indexes')).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', held: 'brief', estimateMs: DURATION_MODEL.briefMs, relationBytes: 40 * MB });
  });

  it('estimates durations with the stated model: two reads of the table and the index write for a concurrent build', () => {
    const { risks } = analyse(shop());
    const fk = risks.find((r) => r.statement.finding.check === 'fk_without_index')!;
    expect(fk.estimateMs).toBeCloseTo(((2 * 100 * MB) / (100 * MB) + estimateIndexBytes(1_000_000) / (50 * MB)) * 1000, 6);
    const json = risks.find((r) => r.statement.finding.check === 'json_columns')!;
    expect(json.estimateMs).toBeCloseTo((40 / 100 + 40 / 50) * 1000, 6);
    expect(estimateMs('scan', 100 * MB, null, false)).toBe(1000);
    expect(estimateMs('build', null, null, true)).toBeNull();
    expect(estimateMs('unknown', 1, 1, false)).toBeNull();
  });

  it('groups rows of the same check, phase, lock and hold, keeping every statement', () => {
    const { risks } = analyse(shop());
    const groups = riskGroups(risks);
    expect(groups.reduce((a, g) => a + g.rows.length, 0)).toBe(risks.length);
    const build = groups.find((g) => g.check === 'fk_without_index')!;
    expect(build).toMatchObject({ phase: 'concurrent-create', held: 'build', tables: 1, reversible: 'all', rewrites: 'no', largest: { relation: 'public.order_items', bytes: 100 * MB } });
  });
});
