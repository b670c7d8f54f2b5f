// Every check of the RLS playbook on a generic role model: a planted problem is reported, its near miss
// is not, and each fix applies and rolls back to the identical schema.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, schemaDump, type TestDatabase } from '../../support/db.ts';
import { runPlaybook } from '../../support/run.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { applyAll, byCheck, dropRoles, fixture, newSuffix, rowsOf, statusOf, targetsOf } from './helpers.ts';

const s = newSuffix();
const roles = ['app_owner', 'app_user', 'admin', 'bypass_login', 'bypass_nologin', 'group_owner', 'provisioner', 'dbmaker', 'creator_nologin'].map((r) => `${r}_${s}`);

describe.skipIf(!hasRealServer)('rls-security on a generic role model', () => {
  let db: TestDatabase;
  let data: RunResult;

  beforeAll(async () => {
    db = await createDatabase(fixture('planted', s) + `\nDO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET password_encryption = md5', current_database()); END $$;`);
    data = await runPlaybook(db.url, ['rls-security']);
  });
  afterAll(async () => {
    await db?.drop();
    await dropRoles(roles);
  });

  it('runs every cell', () => {
    for (const p of data.playbooks) for (const r of p.runs) expect(statusOf(data, r.cell), r.cell).toBe('ok');
  });

  it('coverage matrix: one row per table with RLS state and roles per command', () => {
    const rows = rowsOf(data, 'coverage_matrix');
    const docs = rows.find((r) => r.schema === 'app' && r.table === 'docs')!;
    expect(docs).toMatchObject({
      rls_enabled: true,
      rls_forced: false,
      select: `admin_${s}, app_user_${s} (2)`,
      insert: `admin_${s}, app_user_${s}`,
      update: `admin_${s}, app_user_${s}`,
      delete: `admin_${s}`,
      sees_all_rows: `app_owner_${s} (owner)`,
      grants: `admin_${s}: rawd, app_user_${s}: rawd`,
    });
    expect(rows.find((r) => r.table === 'notes')).toMatchObject({ select: `app_user_${s}; restrictive: app_user_${s}` });
    expect(rows.find((r) => r.table === 'locked')).toMatchObject({ select: 'none', delete: 'none' });
    expect(rows.find((r) => r.table === 'forced')).toMatchObject({ rls_forced: true, sees_all_rows: '' });
    expect(rows.find((r) => r.table === 'exposed_read')).toMatchObject({ rls_enabled: false, select: '' });
    expect(rows.find((r) => r.table === 'internal')).toMatchObject({ sees_all_rows: `app_owner_${s} (owner), bypass_login_${s} (BYPASSRLS)` });
    expect(rows.filter((r) => r.schema === 'app')).toHaveLength(15);
  });

  it('RLS off on tables row-filtered roles can use; not for tables only bypass roles or nobody can use', () => {
    expect(targetsOf(data, 'rls_disabled_exposed')).toEqual(['app.exposed_read', 'app.exposed_write']);
    const [read, write] = byCheck(data, 'rls_disabled_exposed').sort((a, b) => a.target.localeCompare(b.target));
    expect(read.severity).toBe('warning');
    expect(write.severity).toBe('critical');
    expect(write.evidence).toEqual({ grants: { [`app_user_${s}`]: ['INSERT', 'SELECT'] } });
  });

  it('policies with RLS disabled (and not with RLS enabled)', () => {
    expect(targetsOf(data, 'policies_rls_disabled')).toEqual(['app.forgot_enable']);
    const [f] = byCheck(data, 'policies_rls_disabled');
    expect(f.severity).toBe('critical');
    expect(f.up).toBe('ALTER TABLE app.forgot_enable ENABLE ROW LEVEL SECURITY;');
  });

  it('RLS enabled with no policy (and not where a policy exists)', () => {
    expect(targetsOf(data, 'rls_enabled_no_policy')).toEqual(['app.locked']);
    expect(byCheck(data, 'rls_enabled_no_policy')[0].evidence).toMatchObject({ granted_to: [`app_user_${s}`] });
  });

  it('granted commands without a policy: DELETE on docs; not notes (ALL policy), countries (SELECT only) nor a blanket GRANT ALL', () => {
    const found = byCheck(data, 'command_without_policy');
    expect(found.map((f) => f.id)).toEqual(['rls-security/command_without_policy/app.docs']);
    expect(found[0].title).toBe(`No DELETE policy on app.docs for app_user_${s}`);
    expect(found[0].evidence).toEqual({ uncovered: { DELETE: [`app_user_${s}`] } });
  });

  it('multiple permissive policies for one role and command; restrictive and other-role policies do not count', () => {
    const found = byCheck(data, 'multiple_permissive_policies');
    expect(found.map((f) => f.id)).toEqual([`rls-security/multiple_permissive_policies/app.docs.SELECT.app_user_${s}`]);
    expect(found[0].evidence).toMatchObject({ policies: ['docs_own', 'docs_shared'] });
  });

  it('always-true write policy for a row-filtered role; not the admin override nor a public read', () => {
    expect(targetsOf(data, 'always_true_write_policies')).toEqual(['app.docs.docs_anyone_updates', 'app.inbox.inbox_insert']);
    // the role's rows on docs are confined by docs_own and docs_insert: an always-true UPDATE there writes across them
    const docs = byCheck(data, 'always_true_write_policies').find((f) => f.target === 'app.docs.docs_anyone_updates')!;
    expect(docs.severity).toBe('critical');
    expect(docs.evidence.confining_policies_on_table).toEqual(['docs_insert', 'docs_own', 'docs_shared']);
    expect(docs.rationale).toContain('into another user');
    // confined on other tables only: a leftover to fix, not a cross-tenant write
    const inbox = byCheck(data, 'always_true_write_policies').find((f) => f.target === 'app.inbox.inbox_insert')!;
    expect(inbox.severity).toBe('warning');
    expect(inbox.evidence.confining_policies_on_table).toEqual([]);
  });

  it('several permissive policies are one OR-ed condition: the finding claims readability, not speed', () => {
    const [f] = byCheck(data, 'multiple_permissive_policies');
    expect(f.rationale).toContain('joins permissive policies with OR into one condition');
    expect(f.rationale).toContain('changes nothing in speed');
    expect(f.rationale).not.toMatch(/does the same work once|cheapest first/);
  });

  it('per-row current_setting: rewritten; the already-wrapped notes policy is left alone', () => {
    const found = byCheck(data, 'per_row_function_calls');
    expect(found.map((f) => f.target).sort()).toEqual(['app.docs.docs_insert', 'app.docs.docs_own', 'app.owned_only.owned_only_own']);
    const own = found.find((f) => f.target === 'app.docs.docs_own')!;
    expect(own.severity).toBe('warning');
    expect(own.up).toBe(
      "ALTER POLICY docs_own ON app.docs USING (((owner_id = (SELECT (current_setting('app.user_id'::text))::integer)) AND (status = 'live'::text)));",
    );
    expect(own.down).toBe(
      "ALTER POLICY docs_own ON app.docs USING (((owner_id = (current_setting('app.user_id'::text))::integer) AND (status = 'live'::text)));",
    );
    // only the WITH CHECK side: info
    expect(found.find((f) => f.target === 'app.docs.docs_insert')!.severity).toBe('info');
  });

  it('policy filter columns without an index; not the indexed one nor a constant comparison', () => {
    const found = byCheck(data, 'policy_columns_unindexed');
    expect(found.map((f) => f.id).sort()).toEqual([
      'rls-security/policy_columns_unindexed/app.docs.owner_id',
      'rls-security/policy_columns_unindexed/app.owned_only.owner_id',
    ]);
    expect(found.find((f) => f.target === 'app.docs')!.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS docs_owner_id_idx ON app.docs (owner_id);');
  });

  it('BYPASSRLS role that can log in; not the NOLOGIN one', () => {
    const t = targetsOf(data, 'bypass_roles_can_login');
    expect(t).toContain(`bypass_login_${s}`);
    expect(t).not.toContain(`bypass_nologin_${s}`);
  });

  it('the bootstrap superuser only when a client session uses it on this database', async () => {
    const bootstrap = await db.exec(`SELECT quote_ident(rolname) AS name FROM pg_roles WHERE oid = 10`);
    const name = String(bootstrap.rows[0].name);
    expect(targetsOf(data, 'bypass_roles_can_login')).not.toContain(name);
    const app = new pg.Client({ connectionString: db.url, application_name: 'webapp' });
    await app.connect();
    try {
      // the test server is reached as its bootstrap superuser (postgres)
      expect((await app.query('SELECT current_user AS u')).rows[0].u).toBe(bootstrap.rows[0].name);
      const again = await runPlaybook(db.url, ['rls-security']);
      const f = byCheck(again, 'bypass_roles_can_login').find((x) => x.target === name)!;
      expect(f.evidence).toMatchObject({ bootstrap: true, sessions_now: 1, applications: ['webapp'] });
    } finally {
      await app.end();
    }
  });

  it('owner exempt from RLS: warning where only the owner has grants; not forced tables or NOLOGIN owners', () => {
    const found = byCheck(data, 'owner_not_forced');
    expect(found.map((f) => f.target).sort()).toEqual(['app.blanket', 'app.docs', 'app.inbox', 'app.notes', 'app.owned_only']);
    expect(found.find((f) => f.target === 'app.owned_only')!.severity).toBe('warning');
    expect(found.find((f) => f.target === 'app.docs')!.severity).toBe('info');
  });

  it('SECURITY DEFINER without search_path; not with one, not invoker functions', () => {
    expect(targetsOf(data, 'security_definer_search_path')).toEqual([
      'app.secdef_no_path(p integer)',
      'app.secdef_proc()',
      'open_sesame.secdef_open()',
      'tidy.secdef_trusted(p integer)',
    ]);
    const find = (t: string) => byCheck(data, 'security_definer_search_path').find((x) => x.target.startsWith(t))!;
    // only superusers and its owner can create objects in public and tidy: the pin closes the hole
    const trusted = find('tidy.secdef_trusted');
    expect(trusted.up).toBe('ALTER FUNCTION tidy.secdef_trusted(p integer) SET search_path = public, tidy, pg_temp;');
    expect(trusted.down).toBe('ALTER FUNCTION tidy.secdef_trusted(p integer) RESET search_path;');
    expect(trusted.evidence.lock).toMatchObject({ mode: 'none', held: 'brief' });
    // app_user may create in app: pinning app would leave the hole open, so it is advice with both ways out
    const app = find('app.secdef_no_path');
    expect(app.up).toBeNull();
    expect(app.rationale).toContain(`app (by app_user_${s}) may create objects there`);
    expect(app.evidence).toMatchObject({
      writable_by_others: { app: [`app_user_${s}`] },
      revoke_first: `REVOKE CREATE ON SCHEMA app FROM app_user_${s};`,
      qualified_names_pin: 'ALTER FUNCTION app.secdef_no_path(p integer) SET search_path = pg_catalog, pg_temp;',
      see: [],
    });
    // PUBLIC may create in open_sesame: linked to that schema's own finding
    const open = find('open_sesame.secdef_open');
    expect(open.up).toBeNull();
    expect(open.evidence.see).toEqual(['rls-security/schema_create_public/open_sesame']);
    expect(data.findings.map((f) => f.id)).toContain('rls-security/schema_create_public/open_sesame');
  });

  it('views over RLS tables without security_invoker; not invoker views nor views over plain tables', () => {
    expect(targetsOf(data, 'views_bypass_rls')).toEqual(['app.docs_view']);
  });

  it('extensions in public; not in their own schema', () => {
    expect(targetsOf(data, 'extensions_in_public')).toEqual(['pg_trgm']);
  });

  it('schemas with CREATE for PUBLIC; not CREATE for one role', () => {
    expect(targetsOf(data, 'schema_create_public')).toEqual(['open_sesame']);
  });

  it('settings: md5 password_encryption for this database is a warning', () => {
    const f = byCheck(data, 'security_settings').find((x) => x.target === 'setting password_encryption')!;
    expect(f.severity).toBe('warning');
    expect(f.evidence).toMatchObject({ value: 'md5' });
    expect(f.rationale).not.toContain('replayable');
  });

  it('settings: ssl off names the methods that really send passwords in clear; md5 sends a salted hash', () => {
    // the test server runs without TLS
    const f = byCheck(data, 'security_settings').find((x) => x.target === 'setting ssl')!;
    expect(f.rationale).toContain('password, ldap, radius, pam, bsd');
    expect(f.rationale).toContain('md5 sends a salted hash');
    expect(f.rationale).not.toContain('passwords (unless SCRAM)');
  });

  it('default privileges that grant to PUBLIC: revoked by the fix; grants to one role and function defaults are near misses', async () => {
    const found = byCheck(data, 'default_privileges_public');
    expect(found.map((f) => f.target)).toEqual([`default privileges of app_owner_${s} in app on TABLES`]);
    expect(found[0].up).toBe(`ALTER DEFAULT PRIVILEGES FOR ROLE app_owner_${s} IN SCHEMA app REVOKE SELECT ON TABLES FROM PUBLIC;`);
    expect(found[0].down).toBe(`ALTER DEFAULT PRIVILEGES FOR ROLE app_owner_${s} IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;`);
    // applied, a table created afterwards no longer grants to PUBLIC; the rollback brings the default back
    const publicCanRead = async (t: string) => {
      await applyAll(db.url, [`SET ROLE app_owner_${s}; CREATE TABLE app.${t} (id int); RESET ROLE`]);
      const { rows } = await db.exec(`SELECT has_table_privilege('public', 'app.${t}', 'SELECT') AS ok`);
      await db.exec(`DROP TABLE app.${t}`);
      return rows[0].ok;
    };
    expect(await publicCanRead('before_fix')).toBe(true);
    await applyAll(db.url, [found[0].up!]);
    expect(await publicCanRead('after_fix')).toBe(false);
    await applyAll(db.url, [found[0].down!]);
    expect(await publicCanRead('after_rollback')).toBe(true);
  });

  it('login roles that can create roles or databases; not one that cannot log in', () => {
    const found = byCheck(data, 'powerful_login_roles').filter((f) => f.target.endsWith(`_${s}`));
    expect(found.map((f) => [f.target, f.severity])).toEqual([
      [`dbmaker_${s}`, 'info'],
      [`provisioner_${s}`, 'warning'],
    ]);
    expect(found[1].rationale).toContain('pg_execute_server_program');
    expect(found[1].evidence).toMatchObject({ ddl: `ALTER ROLE provisioner_${s} NOCREATEROLE;` });
  });

  it('secret-looking text columns, with a confidence; hashed, about-the-secret and binary columns are near misses', () => {
    const found = byCheck(data, 'plaintext_secrets').filter((f) => f.target.startsWith('app.accounts.'));
    expect(found.map((f) => [f.target, f.evidence.confidence, f.severity])).toEqual([
      ['app.accounts.api_token', 'medium', 'info'],
      ['app.accounts.password', 'high', 'warning'],
      ['app.accounts.secret', 'low', 'info'],
    ]);
    expect(found[1].rationale).toContain('stores it as readable text');
    // the roles other than the owner that may read it (none here)
    expect(found[1].evidence.readers).toEqual([]);
  });

  it('DDL not logged (log_statement none, no pgaudit): advice', () => {
    const [f] = byCheck(data, 'audit_logging');
    expect(f).toMatchObject({ target: 'setting log_statement', severity: 'info' });
    expect(f.evidence).toMatchObject({ alter_system: "ALTER SYSTEM SET log_statement = 'ddl';", pgaudit_installed: false });
  });

  it('every fix applies, changes the schema, and its rollback restores the identical schema', async () => {
    const fixes = data.findings.filter((f) => f.up);
    expect(fixes.length).toBeGreaterThanOrEqual(10);
    const before = await schemaDump(db.url);
    for (const f of fixes) {
      await applyAll(db.url, [f.up!]);
      const applied = await schemaDump(db.url);
      // pg_dump --no-privileges hides grants and default privileges
      if (f.check !== 'schema_create_public' && f.check !== 'default_privileges_public') expect(applied, f.id).not.toBe(before);
      await applyAll(db.url, [f.down!]);
      expect(await schemaDump(db.url), f.id).toBe(before);
    }
  });

  it('after every fix is applied, the fixed findings are gone', async () => {
    const fixes = data.findings.filter((f) => f.up);
    await applyAll(db.url, fixes.map((f) => f.up!));
    const again = await runPlaybook(db.url, ['rls-security']);
    const still = new Set(again.findings.map((f) => f.id));
    for (const f of fixes) expect(still.has(f.id), f.id).toBe(false);
    await applyAll(db.url, fixes.map((f) => f.down!).reverse());
  });
});
