// A realistic snapshot of a small shop database: accepted, rejected, pending and advice-only findings with
// the SQL a playbook would produce (server-quoted identifiers, some of them hostile).
import type { Finding } from '../../src/playbooks/types.ts';
import { snapshotSchema, type Snapshot } from '../../src/snapshot/schema.ts';

export const SCHEMA_SQL = `
CREATE SCHEMA "Sales Ünit";
CREATE TABLE public.users (id bigint PRIMARY KEY, org_id bigint NOT NULL, email text NOT NULL);
CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE "Sales Ünit"."Order ""Items"" ✓" (id bigint PRIMARY KEY, "Order Id" bigint NOT NULL, qty integer NOT NULL);
CREATE INDEX users_email_idx ON public.users USING btree (email);
CREATE INDEX users_email_idx_dup ON public.users USING btree (email);
CREATE INDEX "Dup ""Idx"" é" ON "Sales Ünit"."Order ""Items"" ✓" USING btree ("Order Id");
CREATE INDEX "Dup ""Idx"" é 2" ON "Sales Ünit"."Order ""Items"" ✓" USING btree ("Order Id");
CREATE POLICY tenant_read ON public.orders USING (true);
INSERT INTO public.users SELECT g, g % 3, 'u' || g || '@example.com' FROM generate_series(1, 200) g;
INSERT INTO public.orders SELECT g, 1 + g % 200, now() FROM generate_series(1, 500) g;
INSERT INTO "Sales Ünit"."Order ""Items"" ✓" SELECT g, 1 + g % 500, 1 FROM generate_series(1, 300) g;
`;

const HOSTILE_TABLE = `"Sales Ünit"."Order ""Items"" ✓"`;

function finding(partial: Partial<Finding> & Pick<Finding, 'id' | 'title' | 'up' | 'down'>): Finding {
  const [playbook, check] = partial.id.split('/');
  return {
    playbook,
    check,
    severity: 'warning',
    target: partial.id.split('/').slice(2).join('/'),
    rationale: 'why it matters',
    evidence: {},
    drops: [],
    keeps: [],
    ...partial,
  };
}

export const FINDINGS: Finding[] = [
  finding({
    id: 'indexes/duplicate_indexes/public.users.users_email_idx_dup',
    title: 'Drop duplicate index users_email_idx_dup (same as users_email_idx)',
    up: 'DROP INDEX CONCURRENTLY IF EXISTS public.users_email_idx_dup;',
    down: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx_dup ON public.users USING btree (email);',
    drops: ['public.users.users_email_idx_dup'],
    keeps: ['public.users.users_email_idx'],
  }),
  finding({
    id: 'indexes/duplicate_indexes/"Sales Ünit"."Order ""Items"" ✓"."Dup ""Idx"" é 2"',
    title: 'Drop duplicate index "Dup ""Idx"" é 2"\non "Order ""Items"" ✓"',
    // no IF EXISTS: the builder adds it, the part must be re-runnable
    up: `-- duplicate of "Dup ""Idx"" é"\nDROP INDEX CONCURRENTLY "Sales Ünit"."Dup ""Idx"" é 2"`,
    down: `CREATE INDEX CONCURRENTLY "Dup ""Idx"" é 2" ON ${HOSTILE_TABLE} USING btree ("Order Id");`,
    drops: ['"Sales Ünit"."Order ""Items"" ✓"."Dup ""Idx"" é 2"'],
    keeps: ['"Sales Ünit"."Order ""Items"" ✓"."Dup ""Idx"" é"'],
  }),
  finding({
    id: 'indexes/unindexed_foreign_keys/public.orders.user_id',
    title: 'Index orders.user_id (foreign key without an index)',
    up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON public.orders USING btree (user_id);',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS public.orders_user_id_idx;',
  }),
  finding({
    id: 'integrity/missing_foreign_keys/public.orders.user_id',
    title: 'Add the foreign key orders.user_id → users.id',
    up:
      'ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) NOT VALID;\n' +
      'ALTER TABLE public.orders VALIDATE CONSTRAINT orders_user_id_fkey;',
    down: 'ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey;',
  }),
  finding({
    id: `maintenance/autovacuum_tuning/${HOSTILE_TABLE}`,
    title: 'Vacuum "Order ""Items"" ✓" more often',
    up: `ALTER TABLE ${HOSTILE_TABLE} SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);`,
    down: `ALTER TABLE ${HOSTILE_TABLE} RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor);`,
  }),
  finding({
    id: 'security/rls_disabled/public.users',
    title: 'Enable row level security on users with a tenant policy',
    severity: 'critical',
    up:
      'ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;\n' +
      `CREATE POLICY "Tenant isolation" ON public.users USING (org_id = current_setting('app.org_id', true)::bigint); -- tenants see their rows`,
    down: 'DROP POLICY IF EXISTS "Tenant isolation" ON public.users;\nALTER TABLE public.users DISABLE ROW LEVEL SECURITY;',
  }),
  finding({
    id: 'security/permissive_policies/public.orders.tenant_read',
    title: 'Narrow the always-true policy tenant_read',
    up: 'ALTER POLICY tenant_read ON public.orders USING (user_id IS NOT NULL);',
    down: 'ALTER POLICY tenant_read ON public.orders USING (true);',
  }),
  finding({
    id: 'maintenance/stale_statistics/public.orders',
    title: 'Vacuum and analyze orders',
    severity: 'info',
    up: 'VACUUM (ANALYZE) public.orders;',
    down: null,
  }),
  finding({
    id: 'settings/connections/max_connections',
    title: 'Put a connection pooler in front of the database',
    severity: 'info',
    up: null,
    down: null,
  }),
  finding({
    id: 'indexes/unused_indexes/public.users.users_email_idx',
    title: 'Drop unused index users_email_idx',
    up: 'DROP INDEX CONCURRENTLY IF EXISTS public.users_email_idx;',
    down: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON public.users USING btree (email);',
    drops: ['public.users.users_email_idx'],
  }),
  finding({
    id: 'indexes/workload_indexes/public.users.users_email_trgm_idx',
    title: 'Add trigram index on public.users (email)',
    up:
      'CREATE SCHEMA IF NOT EXISTS "extensions";\nCREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "extensions";\n' +
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_trgm_idx" ON "public"."users" USING gin ("email" "extensions".gin_trgm_ops)',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_trgm_idx";\nDROP EXTENSION IF EXISTS pg_trgm;\nDROP SCHEMA IF EXISTS "extensions"',
  }),
  finding({
    id: 'indexes/missing_indexes/public.orders.created_at',
    title: 'Index orders.created_at',
    up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at_idx ON public.orders (created_at);',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS public.orders_created_at_idx;',
  }),
];

const at = '2026-03-01T12:40:00.000Z';
const decide = (state: 'accepted' | 'rejected' | 'pending') => ({ state, note: '', at });

export const DECISIONS = {
  'indexes/duplicate_indexes/public.users.users_email_idx_dup': decide('accepted'),
  'indexes/duplicate_indexes/"Sales Ünit"."Order ""Items"" ✓"."Dup ""Idx"" é 2"': decide('accepted'),
  'indexes/unindexed_foreign_keys/public.orders.user_id': decide('accepted'),
  'indexes/workload_indexes/public.users.users_email_trgm_idx': decide('accepted'),
  'integrity/missing_foreign_keys/public.orders.user_id': decide('accepted'),
  [`maintenance/autovacuum_tuning/${HOSTILE_TABLE}`]: decide('accepted'),
  'security/rls_disabled/public.users': decide('accepted'),
  'security/permissive_policies/public.orders.tenant_read': decide('accepted'),
  'maintenance/stale_statistics/public.orders': decide('accepted'),
  'settings/connections/max_connections': decide('accepted'),
  // rejected: dropping it would conflict with the accepted duplicate-index finding's keeps
  'indexes/unused_indexes/public.users.users_email_idx': decide('rejected'),
  'indexes/missing_indexes/public.orders.created_at': decide('pending'),
};

export function fixtureSnapshot(overrides: { decisions?: Record<string, ReturnType<typeof decide>>; findings?: Finding[] } = {}): Snapshot {
  return snapshotSchema.parse({
    format: 'pgadvisor.snapshot/v1',
    minor: 0,
    tool: { name: 'pgadvisor', version: '0.1.0' },
    takenAt: '2026-03-01T12:34:56.789Z',
    derivedFrom: null,
    demo: false,
    server: {
      version: '15.8',
      versionNum: 150008,
      database: 'shop',
      user: 'postgres',
      product: 'PostgreSQL 15.8',
      inRecovery: false,
      extensions: [],
      availableExtensions: [],
      privileges: { superuser: true, pg_read_all_stats: true, pg_monitor: true, pg_read_all_settings: true },
      settings: {},
      statsReset: null,
      postmasterStart: null,
    },
    playbooks: [],
    findings: overrides.findings ?? FINDINGS,
    skipped: [],
    decisions: overrides.decisions ?? DECISIONS,
    baseline: null,
  });
}

export { decide };
