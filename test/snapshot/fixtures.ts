// A realistic session (what the runner produces on a small shop database) and snapshots built from it.
import type { CellRun, Decision, Finding, RunResult } from '../../src/playbooks/types.ts';
import { newSnapshot } from '../../src/snapshot/io.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';

export const TEST_PASSWORD = 'pgadvisor-ci-secret';
export const TAKEN_AT = '2025-03-04T05:06:07.890Z';

function run(partial: Partial<CellRun> & Pick<CellRun, 'playbook' | 'cell' | 'title'>): CellRun {
  const rows = partial.rows ?? [];
  return {
    kind: 'probe',
    sql: `SELECT 1 /* ${partial.cell} */`,
    status: 'ok',
    reason: null,
    durationMs: 12.5,
    columns: rows.length ? Object.keys(rows[0]) : [],
    rows,
    rowCount: rows.length,
    truncated: false,
    ...partial,
  };
}

export const DUP_ID = 'indexes/duplicate_indexes/public.orders.orders_customer_id_idx1';
export const FK_ID = 'indexes/fk_without_index/public.order_items.order_items_order_id_fkey';
export const UNUSED_ID = 'indexes/unused_indexes/public.orders.orders_status_idx';
export const RLS_ID = 'security/rls_disabled/public.accounts';
export const AUTOVAC_ID = 'maintenance/dead_tuples/public.events';

export function findings(): Finding[] {
  return [
    {
      id: DUP_ID,
      playbook: 'indexes',
      check: 'duplicate_indexes',
      severity: 'warning',
      target: 'public.orders.orders_customer_id_idx1',
      title: 'Duplicate index orders_customer_id_idx1 (same as orders_customer_id_idx)',
      rationale: 'Two indexes with the same definition: every write maintains both, the planner uses one.',
      evidence: { size_bytes: 1785856, idx_scan: 0, duplicate_of: 'public.orders_customer_id_idx' },
      up: 'DROP INDEX CONCURRENTLY public.orders_customer_id_idx1;',
      down: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx1 ON public.orders USING btree (customer_id);',
      drops: ['public.orders_customer_id_idx1'],
      keeps: ['public.orders_customer_id_idx'],
    },
    {
      id: FK_ID,
      playbook: 'indexes',
      check: 'fk_without_index',
      severity: 'critical',
      target: 'public.order_items.order_items_order_id_fkey',
      title: 'Foreign key order_items_order_id_fkey has no supporting index',
      rationale: 'Deleting or updating an order scans order_items sequentially while holding a lock.',
      evidence: { table_rows: 250000, seq_scan: 4210 },
      up: 'CREATE INDEX CONCURRENTLY order_items_order_id_idx ON public.order_items (order_id);',
      down: 'DROP INDEX CONCURRENTLY public.order_items_order_id_idx;',
      drops: [],
      keeps: [],
    },
    {
      id: UNUSED_ID,
      playbook: 'indexes',
      check: 'unused_indexes',
      severity: 'info',
      target: 'public.orders.orders_status_idx',
      title: 'Index orders_status_idx was never scanned',
      rationale: 'No scan since the statistics were reset 41 days ago.',
      evidence: { idx_scan: 0, size_bytes: 901120 },
      up: 'DROP INDEX CONCURRENTLY public.orders_status_idx;',
      down: 'CREATE INDEX CONCURRENTLY orders_status_idx ON public.orders USING btree (status);',
      drops: ['public.orders_status_idx'],
      keeps: [],
    },
    {
      id: RLS_ID,
      playbook: 'security',
      check: 'rls_disabled',
      severity: 'critical',
      target: 'public.accounts',
      title: 'Row level security is off on public.accounts',
      rationale: 'The table is exposed through the anon role with no RLS policy.',
      evidence: { grantee: 'anon', privileges: ['SELECT', 'INSERT'] },
      up: 'ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;',
      down: 'ALTER TABLE public.accounts DISABLE ROW LEVEL SECURITY;',
      drops: [],
      keeps: [],
    },
    {
      id: AUTOVAC_ID,
      playbook: 'maintenance',
      check: 'dead_tuples',
      severity: 'warning',
      target: 'public.events',
      title: 'public.events has 38% dead tuples',
      rationale: 'Autovacuum is not keeping up; tune its scale factor for this table.',
      evidence: { n_dead_tup: 380000, n_live_tup: 620000 },
      up: null,
      down: null,
      drops: [],
      keeps: [],
    },
  ];
}

export function sessionData(): RunResult {
  return {
    server: {
      version: '15.18',
      versionNum: 150018,
      database: 'shop',
      user: 'postgres',
      product: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu',
      inRecovery: false,
      extensions: [
        { name: 'pg_stat_statements', version: '1.10', schema: 'public' },
        { name: 'plpgsql', version: '1.0', schema: 'pg_catalog' },
      ],
      availableExtensions: ['hypopg', 'pg_stat_statements', 'plpgsql'],
      privileges: { superuser: true, pg_read_all_stats: true, pg_monitor: true, pg_read_all_settings: true },
      settings: { shared_buffers: '16384', max_connections: '100', work_mem: '4096', random_page_cost: '4' },
      statsReset: '2025-01-22 10:00:00+00',
      postmasterStart: '2025-01-22 09:59:58+00',
      managedSchemas: [],
    },
    playbooks: [
      {
        id: 'indexes',
        title: 'Indexes',
        summary: 'Duplicate, unused and missing indexes',
        blocks: [
          { type: 'prose', text: 'Indexes speed reads and cost writes. This section looks for indexes that cost without paying.' },
          { type: 'cell', cellId: 'index_sizes' },
          { type: 'cell', cellId: 'duplicate_indexes' },
          { type: 'cell', cellId: 'fk_without_index' },
          { type: 'cell', cellId: 'unused_indexes' },
        ],
        runs: [
          run({
            playbook: 'indexes',
            cell: 'index_sizes',
            title: 'Index sizes by table',
            rows: [
              { table: 'public.orders', indexes: 4, size: '6.2 MB', idx_scan: 18234 },
              { table: 'public.order_items', indexes: 1, size: '5.4 MB', idx_scan: 912 },
              { table: 'public.accounts', indexes: 2, size: '64 kB', idx_scan: 77 },
            ],
          }),
          run({ playbook: 'indexes', cell: 'duplicate_indexes', kind: 'check', title: 'Exact duplicate indexes', rows: [] }),
          run({ playbook: 'indexes', cell: 'fk_without_index', kind: 'check', title: 'Foreign keys without an index', rows: [] }),
          run({ playbook: 'indexes', cell: 'unused_indexes', kind: 'check', title: 'Unused indexes', rows: [] }),
        ],
      },
      {
        id: 'security',
        title: 'RLS & security',
        summary: 'Row level security and exposed tables',
        blocks: [
          { type: 'prose', text: 'Tables reachable by API roles need row level security.' },
          { type: 'cell', cellId: 'rls_disabled' },
        ],
        runs: [run({ playbook: 'security', cell: 'rls_disabled', kind: 'check', title: 'Exposed tables without RLS', rows: [] })],
      },
      {
        id: 'maintenance',
        title: 'Maintenance',
        summary: 'Vacuum, analyze and bloat',
        blocks: [
          { type: 'prose', text: 'Dead tuples pile up when autovacuum falls behind.' },
          { type: 'cell', cellId: 'table_activity' },
          { type: 'cell', cellId: 'dead_tuples' },
        ],
        runs: [
          run({
            playbook: 'maintenance',
            cell: 'table_activity',
            title: 'Table activity',
            rows: [
              { table: 'public.events', n_live_tup: 620000, n_dead_tup: 380000, last_autovacuum: null },
              { table: 'public.orders', n_live_tup: 50000, n_dead_tup: 120, last_autovacuum: '2025-03-03 22:10:00+00' },
            ],
          }),
          run({ playbook: 'maintenance', cell: 'dead_tuples', kind: 'check', title: 'Tables with many dead tuples', rows: [] }),
        ],
      },
      {
        id: 'workload',
        title: 'Workload',
        summary: 'Slow and frequent statements',
        blocks: [{ type: 'cell', cellId: 'top_statements' }],
        runs: [
          run({
            playbook: 'workload',
            cell: 'top_statements',
            title: 'Top statements by total time',
            status: 'skipped',
            reason: 'needs extension pg_stat_statements in this database',
            durationMs: 0,
          }),
        ],
      },
    ],
    findings: findings(),
    skipped: [{ playbook: 'workload', check: 'top_statements', reason: 'needs extension pg_stat_statements in this database' }],
  };
}

export function decision(state: Decision['state'], note = '', at = '2025-03-04T05:30:00.000Z'): Decision {
  return { state, note, at };
}

export function decisions(): Record<string, Decision> {
  return {
    [DUP_ID]: decision('accepted', 'keep the older one'),
    [FK_ID]: decision('accepted'),
    [UNUSED_ID]: decision('rejected', 'used by the month-end report'),
    [RLS_ID]: decision('accepted', 'API must not see other tenants'),
    [AUTOVAC_ID]: decision('pending'),
  };
}

export function snapshotFixture(overrides: { data?: RunResult; decisions?: Record<string, Decision>; takenAt?: string } = {}): Snapshot {
  return newSnapshot(overrides.data ?? sessionData(), {
    toolVersion: '0.1.0',
    takenAt: overrides.takenAt ?? TAKEN_AT,
    demo: false,
    decisions: overrides.decisions ?? decisions(),
  });
}
