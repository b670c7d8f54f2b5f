// The Supabase role model: the basejump corpus (supabase-roles.sql + supabase-stub.sql underneath) as
// published, then our own tables next to it. Rewritten auth.uid()/auth.jwt() policies are proven
// equivalent for authenticated users with different JWT claims, and become InitPlans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRealServer, loadCorpus, type TestDatabase } from '../../support/db.ts';
import { runPlaybook } from '../../support/run.ts';
import { newSnapshot } from '../../../src/snapshot/io.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { applyAll, byCheck, expectDiscriminating, fixture, queryAs, rowsOf, statusOf, targetsOf, visibleRows, type AsUser, expectEachFixRollsBack } from './helpers.ts';

// checks whose result depends on the shared cluster (roles, server settings), not on the corpus
const CLUSTER_WIDE = new Set(['bypass_roles_can_login', 'security_settings', 'md5_passwords', 'audit_logging', 'hba_rules', 'tls_settings', 'powerful_login_roles']);

function countsByCheck(data: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of data.findings) if (!CLUSTER_WIDE.has(f.check)) out[f.check] = (out[f.check] ?? 0) + 1;
  return out;
}

function claims(sub: string, extra: Record<string, string> = {}): AsUser {
  return { role: 'authenticated', settings: { 'request.jwt.claims': JSON.stringify({ sub, role: 'authenticated', ...extra }) } };
}
const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const users: AsUser[] = [
  claims(U1),
  claims(U2, { org_id: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' }),
  claims('33333333-3333-3333-3333-333333333333', { user_role: 'admin' }),
  claims('44444444-4444-4444-4444-444444444444'),
  { role: 'authenticated' },
];
const tables = ['public.profiles', 'basejump.accounts', 'basejump.account_user'];

describe.skipIf(!hasRealServer)('rls-security on the Supabase-style basejump corpus', () => {
  let db: TestDatabase;
  let corpus: RunResult;
  let data: RunResult;

  beforeAll(async () => {
    db = await loadCorpus('basejump');
    corpus = await runPlaybook(db.url, ['rls-security']);
    await db.exec(fixture('supabase'));
    data = await runPlaybook(db.url, ['rls-security']);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('basejump as published: findings per check', () => {
    // the stub's supabase_functions schema makes the server Supabase's: pg_hba.conf and TLS are Supabase's to run
    const providers = ['hba_rules', 'tls_settings'];
    for (const p of corpus.playbooks) for (const r of p.runs) if (!providers.includes(r.cell)) expect(statusOf(corpus, r.cell), r.cell).toMatch(/^ok/);
    for (const cell of providers) expect(statusOf(corpus, cell), cell).toMatch(/^skipped: Supabase manages this: Supabase terminates TLS/);
    // the stub's auth.users, storage.buckets and storage.objects have RLS without policies, as on Supabase itself:
    // set aside, since the platform owns those schemas
    expect(statusOf(corpus, 'rls_enabled_no_policy')).toBe('ok: 3 findings in platform-managed schemas set aside (auth, storage): the platform owns them');
    expect(countsByCheck(corpus)).toEqual({
      command_without_policy: 3,
      per_row_function_calls: 3,
      multiple_permissive_policies: 2,
      policy_columns_unindexed: 1,
      // basejump.invitations.token: the invitation token itself, readable by whoever reads the table
      plaintext_secrets: 1,
      // Supabase's API role, judged because supabase_admin and auth exist: the same three gaps, from its side
      app_role_coverage: 1,
    });
    expect(byCheck(corpus, 'app_role_coverage').map((f) => [f.target, f.severity, f.title])).toEqual([
      ['role authenticated', 'info', 'RLS for authenticated: 3 with commands no policy allows'],
    ]);
    expect(byCheck(corpus, 'command_without_policy').map((f) => f.title)).toEqual([
      'No INSERT, UPDATE policy on basejump.account_user for authenticated',
      'No DELETE policy on basejump.accounts for authenticated',
      'No UPDATE policy on basejump.invitations for authenticated',
    ]);
    expect(byCheck(corpus, 'per_row_function_calls').map((f) => [f.target, f.severity])).toEqual([
      ['basejump.account_user."users can view their own account_users"', 'warning'],
      ['basejump.accounts."Accounts are viewable by primary owner"', 'warning'],
      ['basejump.is_set', 'info'],
    ]);
    expect(byCheck(corpus, 'policy_columns_unindexed').map((f) => f.id)).toEqual([
      'rls-security/policy_columns_unindexed/basejump.accounts.primary_owner_user_id',
    ]);
  });

  it('coverage matrix for basejump, kept in the snapshot', () => {
    const accounts = rowsOf(corpus, 'coverage_matrix').find((r) => r.schema === 'basejump' && r.table === 'accounts');
    expect(accounts).toEqual({
      schema: 'basejump',
      table: 'accounts',
      rls_enabled: true,
      rls_forced: false,
      select: 'authenticated (2)',
      insert: 'authenticated',
      update: 'authenticated',
      delete: 'none',
      sees_all_rows: 'postgres (owner), service_role (BYPASSRLS)',
      grants: 'authenticated: rawd, service_role: rawd',
    });
    const snap = newSnapshot(corpus, { toolVersion: 'test', takenAt: '2025-01-01T00:00:00.000Z', demo: false });
    const run = snap.playbooks.find((p) => p.id === 'rls-security')!.runs.find((r) => r.cell === 'coverage_matrix')!;
    expect(run.columns).toEqual(['schema', 'table', 'rls_enabled', 'rls_forced', 'select', 'insert', 'update', 'delete', 'sees_all_rows', 'grants']);
    expect(run.rows).toContainEqual(accounts);
  });

  it('our tables: per-row auth.uid()/auth.jwt()/claims calls, an exposed table, a definer function; the wrapped policy is a near miss', () => {
    expect(targetsOf(data, 'per_row_function_calls')).toEqual([
      'basejump.account_user."users can view their own account_users"',
      'basejump.accounts."Accounts are viewable by primary owner"',
      'basejump.is_set',
      'public.profiles."Admins see all profiles"',
      'public.profiles."Org members see org profiles"',
      'public.profiles."Owners update their profile"',
      'public.profiles."Profiles are visible to their owner"',
    ]);
    const org = byCheck(data, 'per_row_function_calls').find((f) => f.target === 'public.profiles."Org members see org profiles"')!;
    expect(org.up).toBe(
      `ALTER POLICY "Org members see org profiles" ON public.profiles USING ((org_id = (((SELECT (current_setting('request.jwt.claims'::text, true))::jsonb) ->> 'org_id'::text))::uuid));`,
    );
    expect(targetsOf(data, 'rls_disabled_exposed')).toEqual(['public.public_notes']);
    expect(byCheck(data, 'rls_disabled_exposed')[0].severity).toBe('critical');
    expect(targetsOf(data, 'security_definer_search_path')).toEqual(['public.whoami()']);
    expect(targetsOf(data, 'policy_columns_unindexed')).not.toContain('public.wrapped');
    // the stub's default privileges grant everything (TRUNCATE included): RLS alone refuses, nothing to report
    expect(targetsOf(data, 'command_without_policy')).not.toContain('public.profiles');
  });

  it('rewritten policies: same rows for every JWT, and an InitPlan instead of a per-row call', async () => {
    const fixes = byCheck(data, 'per_row_function_calls').filter((f) => f.up);
    const explain = 'EXPLAIN (COSTS OFF) SELECT * FROM public.profiles';
    const planBefore = (await queryAs(db.url, users[0], explain)).map((r) => String(r['QUERY PLAN'])).join('\n');
    const before = await visibleRows(db.url, users, tables);
    expectDiscriminating(before, tables);

    await applyAll(db.url, fixes.map((f) => f.up!));
    expect(await visibleRows(db.url, users, tables)).toEqual(before);
    const planAfter = (await queryAs(db.url, users[0], explain)).map((r) => String(r['QUERY PLAN'])).join('\n');
    expect(planBefore).not.toMatch(/InitPlan/);
    expect(planAfter.match(/InitPlan/g)?.length).toBeGreaterThanOrEqual(3);

    await applyAll(db.url, fixes.map((f) => f.down!));
    expect(await visibleRows(db.url, users, tables)).toEqual(before);
  });

  it('every fix rolls back to the identical schema', () => expectEachFixRollsBack(db.url, data));
});
