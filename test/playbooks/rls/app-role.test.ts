// RLS coverage judged for the roles the application connects as: given with --app-role, connected now, or
// Supabase's API roles (covered by the basejump test). Planted: an application that connects as the owner of
// tables without RLS; one whose role reaches open, owned and policy-less tables in a database that uses RLS; a
// role that bypasses RLS; a role that does not exist. Near misses: a role with no grants, superuser sessions.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, runLive, selectNotebooks } from '../../../src/playbooks/live.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { runCli } from '../../cli/run-cli.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { hasScript, runInPty } from '../../tui/pty.ts';
import { dropRoles, newSuffix } from './helpers.ts';

const s = newSuffix();
const password = randomBytes(12).toString('hex');
const roles = ['owner_app', 'rls_owner', 'app_user', 'idle_role', 'bypasser'].map((r) => `${r}_${s}`);
const [ownerApp, rlsOwner, appUser, idleRole, bypasser] = roles;

async function runFor(url: string, appRoles?: string[]): Promise<RunResult> {
  const conn = await connect(url, { appRoles });
  try {
    return await runLive(conn, await selectNotebooks(['rls-security']));
  } finally {
    await conn.close();
  }
}
const coverage = (d: RunResult): Finding[] => d.findings.filter((f) => f.check === 'app_role_coverage');

describe.skipIf(!hasRealServer)('RLS coverage for the application\'s roles', () => {
  let noRls: TestDatabase;
  let withRls: TestDatabase;
  let session: pg.Client;

  beforeAll(async () => {
    noRls = await createDatabase(`
      CREATE ROLE ${ownerApp} LOGIN PASSWORD '${password}';
      CREATE ROLE ${idleRole} NOLOGIN;
      CREATE SCHEMA shop AUTHORIZATION ${ownerApp};
      SET ROLE ${ownerApp};
      CREATE TABLE shop.orders (id int PRIMARY KEY, customer int);
      CREATE TABLE shop.customers (id int PRIMARY KEY, email text);
      RESET ROLE;`);
    withRls = await createDatabase(`
      CREATE ROLE ${rlsOwner} NOLOGIN;
      CREATE ROLE ${appUser} NOLOGIN;
      CREATE ROLE ${bypasser} NOLOGIN BYPASSRLS;
      CREATE SCHEMA app AUTHORIZATION ${rlsOwner};
      GRANT USAGE ON SCHEMA app TO ${appUser};
      SET ROLE ${rlsOwner};
      -- policies for reading and inserting, none for deleting (granted)
      CREATE TABLE app.docs (id int PRIMARY KEY, owner_id int);
      ALTER TABLE app.docs ENABLE ROW LEVEL SECURITY;
      CREATE POLICY docs_read ON app.docs FOR SELECT TO ${appUser} USING (owner_id = current_setting('app.uid')::int);
      CREATE POLICY docs_add ON app.docs FOR INSERT TO ${appUser} WITH CHECK (owner_id = current_setting('app.uid')::int);
      GRANT SELECT, INSERT, DELETE ON app.docs TO ${appUser};
      -- no RLS, writable by the application
      CREATE TABLE app.audit (id int PRIMARY KEY, note text);
      GRANT SELECT, INSERT ON app.audit TO ${appUser};
      -- no RLS, readable only
      CREATE TABLE app.countries (code text PRIMARY KEY);
      GRANT SELECT ON app.countries TO ${appUser};
      RESET ROLE;
      -- owned by the application's role, RLS on but not forced
      CREATE TABLE app.settings (id int PRIMARY KEY, owner_id int);
      ALTER TABLE app.settings OWNER TO ${appUser};
      ALTER TABLE app.settings ENABLE ROW LEVEL SECURITY;
      CREATE POLICY settings_own ON app.settings USING (owner_id = current_setting('app.uid')::int);
      GRANT SELECT ON app.docs TO ${bypasser};`);
    // the application, connected as the owner of its tables
    const u = new URL(noRls.url);
    u.username = ownerApp;
    u.password = password;
    session = new pg.Client({ connectionString: u.toString(), application_name: 'shop-backend' });
    session.on('error', () => undefined);
    await session.connect();
  });
  afterAll(async () => {
    await session?.end().catch(() => undefined);
    await noRls?.drop();
    await withRls?.drop();
    await dropRoles(roles);
  });

  it('an application connected as the owner of tables without RLS: found from its session, info, naming the role', async () => {
    const found = coverage(await runFor(noRls.url));
    expect(found.map((f) => [f.target, f.severity])).toEqual([[`role ${ownerApp}`, 'info']]);
    expect(found[0].title).toBe(`RLS for ${ownerApp}: 2 tables with RLS off (2 writable)`);
    expect(found[0].rationale).toContain(`Evaluated for ${ownerApp} (connected now)`);
    expect(found[0].rationale).toContain('No table of this database uses RLS');
    expect(found[0].evidence).toMatchObject({ found_as: ['connected now'], tables_owned: 2, database_uses_rls: false });
    // the checks that judge grants say nothing here: this is the gap the role's view closes
    const data = await runFor(noRls.url);
    expect(data.findings.filter((f) => ['rls_disabled_exposed', 'owner_not_forced'].includes(f.check))).toEqual([]);
  });

  it('given with --app-role in a database that uses RLS: open writable table, owned table without FORCE, commands without a policy', async () => {
    const found = coverage(await runFor(withRls.url, [appUser]));
    expect(found.map((f) => [f.target, f.severity])).toEqual([[`role ${appUser}`, 'critical']]);
    const f = found[0];
    expect(f.title).toBe(`RLS for ${appUser}: 2 tables with RLS off (1 writable), 1 owned without FORCE, 1 with commands no policy allows`);
    expect(f.evidence).toMatchObject({
      found_as: ['given (--app-role or app_roles)'],
      database_uses_rls: true,
      rls_off: [
        { table: 'app.audit', privileges: ['SELECT', 'INSERT'] },
        { table: 'app.countries', privileges: ['SELECT'] },
      ],
      owned_not_forced: ['app.settings'],
      commands_without_policy: [{ table: 'app.docs', commands: ['DELETE'] }],
    });
  });

  it('a role that bypasses RLS is critical; a role that does not exist is said so; a role with no grants and superuser sessions are not judged', async () => {
    const found = coverage(await runFor(withRls.url, [bypasser, 'no_such_role_pgadv', idleRole]));
    expect(found.map((f) => [f.target, f.severity, f.title])).toEqual([
      [`role ${bypasser}`, 'critical', `RLS never applies to ${bypasser}: it is BYPASSRLS`],
      ['role no_such_role_pgadv', 'warning', "Role no_such_role_pgadv, given as the application's (--app-role or app_roles), does not exist"],
    ]);
    // without --app-role only the sessions connected now count, and this one's are the tests' superuser
    expect(coverage(await runFor(withRls.url))).toEqual([]);
  });

  it('the CLI passes --app-role (repeatable) through to the cells', async () => {
    const r = await runCli(['check', '--json', '--allow-errors', '--playbook', 'rls-security', '--app-role', appUser, '--app-role', bypasser, '--url', withRls.url]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { findings: Finding[] };
    expect(out.findings.filter((f) => f.check === 'app_role_coverage').map((f) => f.target).sort()).toEqual([`role ${appUser}`, `role ${bypasser}`]);
  });

  it("check reads the roles from the config file's app_roles, and --app-role replaces them", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-approles-'));
    try {
      await writeFile(join(dir, '.pgadvisor.toml'), `app_roles = ["${appUser}"]\n`);
      const judged = async (...extra: string[]) => {
        const r = await runCli(['check', '--json', '--allow-errors', '--playbook', 'rls-security', ...extra, '--url', withRls.url], {}, dir);
        expect(r.stderr).toBe('');
        return (JSON.parse(r.stdout) as { findings: Finding[] }).findings.filter((f) => f.check === 'app_role_coverage').map((f) => f.target);
      };
      expect(await judged()).toEqual([`role ${appUser}`]);
      expect(await judged('--app-role', bypasser)).toEqual([`role ${bypasser}`]);
      // --no-config: only the sessions connected now, here the tests' superuser
      expect(await judged('--no-config')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasScript)("session reads the config file's app_roles too (--app-role replaces them; a wrong file is one line)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-approles-session-'));
    const config = join(dir, 'roles.toml');
    // the rows of the rls-security notebook once the run is over, as the review screen lists them
    const rows = async (...extra: string[]) => {
      const pty = runInPty(['session', '--url', withRls.url, '--playbook', 'rls-security', '--config', config, '--out', dir, ...extra], { columns: 160, rows: 45 });
      try {
        // the status bar counts "0 pending" while the cells still run: wait for an app role's row itself
        await pty.waitFor(/role \S+ {2}RLS (for|never)/, 120_000);
        await pty.settle(500);
        const screen = pty.text();
        pty.send('q');
        expect(await pty.exit).toBe(0);
        return screen;
      } finally {
        pty.kill();
      }
    };
    try {
      await writeFile(config, `app_roles = ["${appUser}"]\n`);
      const fromConfig = await rows();
      expect(fromConfig).toContain(`role ${appUser}  RLS for ${appUser}: 2 tables with RLS off (1 writable)`);
      expect(fromConfig).not.toContain(`role ${bypasser}`);
      const replaced = await rows('--app-role', bypasser);
      expect(replaced).toContain(`role ${bypasser}  RLS never applies to ${bypasser}: it is BYPASSRLS`);
      expect(replaced).not.toContain(`role ${appUser}`);

      await writeFile(config, `app_roles = "${appUser}"\n`);
      const bad = runInPty(['session', '--url', withRls.url, '--config', config, '--out', dir]);
      expect(await bad.exit).toBe(2);
      expect(bad.text().trim()).toBe(`pgadvisor: ${config}:1: app_roles: must be an array of non-empty strings`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
