// A session built in test code: three playbooks, hostile identifiers, and 1,200 findings in one check.
import type { CellRun, Finding, PlaybookResult, ServerFacts, RunResult, Severity } from '../../src/playbooks/types.ts';

export const HOSTILE = {
  quoted: 'public."Weird ""Name"" Table"."Ünïcødé idx"',
  reserved: 'public."select"."from_idx"',
  newline: 'public."multi\nline"."idx"',
  escape: 'public."\u001b[31mred"."idx"',
  wide: 'public."表 😀"."idx"',
};

export const server: ServerFacts = {
  version: '15.18',
  versionNum: 150018,
  database: 'shop "prod"',
  user: 'advisor',
  product: 'PostgreSQL 15.18',
  inRecovery: false,
  extensions: [{ name: 'pg_stat_statements', version: '1.10', schema: 'public' }],
  availableExtensions: ['pg_stat_statements', 'hypopg'],
  privileges: { superuser: false, pg_read_all_stats: true, pg_monitor: false, pg_read_all_settings: true },
  settings: { max_connections: '100', shared_buffers: '128MB' },
  statsReset: null,
  postmasterStart: '2025-01-01T00:00:00.000Z',
  managedSchemas: [],
};

function run(playbook: string, cell: string, kind: CellRun['kind'], title: string, extra: Partial<CellRun> = {}): CellRun {
  return {
    playbook,
    cell,
    kind,
    title,
    sql: kind === 'analyzer' ? null : `SELECT n.nspname AS schema,\n       c.relname AS name\n  FROM pg_class c -- ${cell}\n  JOIN pg_namespace n ON n.oid = c.relnamespace`,
    status: 'ok',
    reason: null,
    durationMs: 3.25,
    columns: [],
    rows: [],
    rowCount: 0,
    truncated: false,
    ...extra,
  };
}

function finding(playbook: string, check: string, target: string, severity: Severity, title: string, extra: Partial<Finding> = {}): Finding {
  const q = target.replace(/^public\./, '');
  return {
    id: `${playbook}/${check}/${target}`,
    playbook,
    check,
    severity,
    target,
    title,
    rationale: `The index ${target} costs writes and \`shared_buffers\` space but no query uses it.`,
    evidence: { idx_scan: 0, size: '16 kB', definition: `CREATE INDEX ON ${q} (id)` },
    up: `DROP INDEX CONCURRENTLY IF EXISTS ${target};`,
    down: `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${q.split('.').pop()} ON public.t USING btree (id);`,
    drops: [target],
    keeps: [],
    ...extra,
  };
}

export const UNUSED_COUNT = 1200;

export function fixtureData(unusedCount = UNUSED_COUNT): RunResult {
  const dupes = [
    finding('indexes', 'duplicate_indexes', HOSTILE.quoted, 'warning', 'Duplicate index on "Weird ""Name"" Table"', {
      up: `DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`,
      down: `CREATE INDEX CONCURRENTLY "Ünïcødé idx" ON public."Weird ""Name"" Table" USING btree (id);`,
    }),
    finding('indexes', 'duplicate_indexes', HOSTILE.reserved, 'warning', 'Duplicate index on "select"'),
    finding('indexes', 'duplicate_indexes', HOSTILE.newline, 'info', 'Duplicate index on a table with a newline'),
    finding('indexes', 'duplicate_indexes', HOSTILE.escape, 'info', 'Duplicate index on a table with an escape'),
    finding('indexes', 'duplicate_indexes', HOSTILE.wide, 'info', 'Duplicate index on 表 😀'),
  ];
  const unused: Finding[] = [];
  for (let i = 0; i < unusedCount; i++) {
    const n = String(i).padStart(4, '0');
    unused.push(finding('indexes', 'unused_indexes', `public.orders.orders_unused_${n}_idx`, i % 3 === 0 ? 'warning' : 'info', `Unused index orders_unused_${n}_idx`));
  }
  const rls = [
    finding('security', 'rls_disabled', 'public.accounts', 'critical', 'Row level security is off on an exposed table', {
      up: 'ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;',
      down: 'ALTER TABLE public.accounts DISABLE ROW LEVEL SECURITY;',
      drops: [],
      rationale: 'Anyone with the anon role reads every row.',
      evidence: { policies: 0, exposed_via: 'PostgREST' },
    }),
    finding('security', 'rls_disabled', 'public."Select"', 'critical', 'Row level security is off on "Select"', { up: null, down: null, drops: [] }),
  ];

  const indexes: PlaybookResult = {
    id: 'indexes',
    title: 'Indexes',
    summary: 'Duplicate, unused and missing indexes.',
    blocks: [
      { type: 'prose', text: '# Indexes\n\nIndexes speed reads and **cost writes**. We look at:\n\n- exact duplicates (same `pg_get_indexdef`)\n- indexes never scanned since `stats_reset`' },
      { type: 'cell', cellId: 'index_sizes' },
      { type: 'prose', text: '## Duplicates\n\nTwo indexes with the same definition: keep one.' },
      { type: 'cell', cellId: 'duplicate_indexes' },
      { type: 'cell', cellId: 'unused_indexes' },
    ],
    runs: [
      run('indexes', 'index_sizes', 'probe', 'Index sizes by table', {
        columns: ['schema', 'table', 'index', 'size_bytes'],
        rows: [
          { schema: 'public', table: 'Weird "Name" Table', index: 'Ünïcødé idx', size_bytes: 16384 },
          { schema: 'public', table: 'select', index: 'from_idx', size_bytes: 8192 },
          { schema: 'public', table: 'multi\nline', index: 'idx', size_bytes: 8192 },
          { schema: 'public', table: 'orders', index: 'orders_pkey', size_bytes: 2_000_000 },
          { schema: 'public', table: 'orders', index: 'orders_created_at_idx', size_bytes: 1_000_000 },
          { schema: 'public', table: 'orders', index: 'orders_customer_idx', size_bytes: 900_000 },
          { schema: 'public', table: 'orders', index: 'orders_status_idx', size_bytes: 800_000 },
        ],
        rowCount: 7,
      }),
      run('indexes', 'duplicate_indexes', 'check', 'Exact duplicate indexes', { columns: ['target', 'title'], rowCount: dupes.length }),
      run('indexes', 'unused_indexes', 'check', 'Indexes never scanned', { columns: ['target', 'title'], rowCount: unusedCount }),
    ],
  };
  const security: PlaybookResult = {
    id: 'security',
    title: 'RLS & security',
    summary: 'Row level security on exposed tables.',
    blocks: [
      { type: 'prose', text: 'Tables reachable through the API need row level security.' },
      { type: 'cell', cellId: 'rls_disabled' },
      { type: 'cell', cellId: 'role_audit' },
    ],
    runs: [
      run('security', 'rls_disabled', 'check', 'Tables without row level security', { columns: ['target'], rowCount: 2 }),
      run('security', 'role_audit', 'check', 'Roles with too much power', { status: 'skipped', reason: 'needs privilege pg_read_all_stats or pg_monitor' }),
    ],
  };
  const workload: PlaybookResult = {
    id: 'workload',
    title: 'Workload',
    summary: 'What the server spends its time on.',
    blocks: [
      { type: 'cell', cellId: 'top_statements' },
      { type: 'cell', cellId: 'broken' },
    ],
    runs: [
      run('workload', 'top_statements', 'probe', 'Top statements by total time', { status: 'timeout', reason: 'timed out after statement_timeout 30 s', durationMs: 30000 }),
      run('workload', 'broken', 'probe', 'A probe that fails', { status: 'error', reason: 'relation "pg_stat_nothing" does not exist' }),
    ],
  };
  return {
    server,
    playbooks: [indexes, security, workload],
    findings: [...dupes, ...unused, ...rls],
    skipped: [{ playbook: 'security', check: 'role_audit', reason: 'needs privilege pg_read_all_stats or pg_monitor' }],
  };
}
