// Provider detection through the whole path on a real server: the server-facts query finds the marks, the
// header and the snapshot name the provider, settings advice names its way. The real server is self-managed,
// so a provider's mark is planted: Heroku's heroku_ext schema, which a database can hold anywhere.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/snapshot/io.ts';
import { createDatabase, hasRealServer, TEST_DATABASE_URL, withClient, type TestDatabase } from '../support/db.ts';
import { runCli } from '../cli/run-cli.ts';

describe.runIf(hasRealServer)('a managed provider recognised on a real server', () => {
  let heroku: TestDatabase;
  let plain: TestDatabase;
  let dir: string;
  let createdRole = false;

  beforeAll(async () => {
    heroku = await createDatabase('CREATE SCHEMA heroku_ext');
    plain = await createDatabase('CREATE TABLE t (id int PRIMARY KEY)');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-provider-'));
    // a role RDS creates, as a pg_dumpall from RDS leaves it behind on a self-managed server
    createdRole = await withClient(TEST_DATABASE_URL!, async (c) => {
      const { rows } = await c.query(`SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser'`);
      if (rows.length) return false;
      await c.query('CREATE ROLE rds_superuser NOLOGIN');
      return true;
    });
  });
  afterAll(async () => {
    if (createdRole) await withClient(TEST_DATABASE_URL!, (c) => c.query('DROP ROLE IF EXISTS rds_superuser'));
    await heroku?.drop();
    await plain?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('check names the provider in its header and JSON, and settings advice names the provider’s way', async () => {
    const text = await runCli(['check', '--playbook', 'connections', '--url', heroku.url]);
    expect(text.stdout.split('\n')[0]).toMatch(/ — PostgreSQL 15\.\d+ .* — Heroku Postgres$/);

    const r = await runCli(['check', '--json', '--playbook', 'connections', '--url', heroku.url]);
    const out = JSON.parse(r.stdout);
    expect(out.server.provider).toEqual({ id: 'heroku', name: 'Heroku Postgres', evidence: ['schema heroku_ext'] });
    // the test server runs with the initdb default shared_buffers, which settings_review always reports
    const settings = out.findings.filter((f: { check: string }) => f.check === 'settings_review');
    expect(settings.length).toBeGreaterThan(0);
    for (const f of settings) {
      expect(f.evidence.alter_system).toBeUndefined();
      expect(f.evidence.provider_way).toMatch(/^Heroku refuses ALTER SYSTEM/);
      expect(f.rationale).toContain('Heroku refuses ALTER SYSTEM');
    }
  });

  it('the cells about what the provider runs are skipped with what it does instead; a self-managed server runs them', async () => {
    type Out = { skipped: { playbook: string; check: string; reason: string }[]; findings: { check: string; evidence: Record<string, unknown> }[] };
    const args = ['check', '--json', '--allow-errors', '--playbook', 'backup-recovery', '--playbook', 'rls-security'];
    const managed = JSON.parse((await runCli([...args, '--url', heroku.url])).stdout) as Out;
    const reason = (check: string) => managed.skipped.find((x) => x.check === check)?.reason;
    expect(reason('wal_archiving')).toBe('Heroku Postgres manages this: Heroku Postgres archives WAL continuously (rollbacks and followers) and takes logical backups with PG Backups');
    expect(reason('data_checksums')).toMatch(/^Heroku Postgres manages this: /);
    expect(reason('synchronous_standbys')).toBe('Heroku Postgres manages this: Heroku runs followers and high availability as add-on plans');
    for (const check of ['hba_rules', 'tls_settings']) {
      expect(reason(check)).toBe("Heroku Postgres manages this: pg_hba.conf and TLS are the provider's: use its network allow-list and connection security settings");
    }
    // what the customer can change is still judged, in the provider's terms
    // (the test server runs with log_statement = none, which audit_logging always reports)
    const audit = managed.findings.find((f) => f.check === 'audit_logging')!;
    expect(audit.evidence.alter_system).toBeUndefined();
    expect(audit.evidence.provider_way).toMatch(/^Heroku refuses ALTER SYSTEM/);

    const plainOut = JSON.parse((await runCli([...args, '--url', plain.url])).stdout) as Out;
    const selfManaged = ['wal_archiving', 'data_checksums', 'synchronous_standbys', 'hba_rules', 'tls_settings'];
    expect(plainOut.skipped.filter((x) => selfManaged.includes(x.check))).toEqual([]);
  });

  it('the snapshot keeps the provider; a server without the marks has none, though it holds a provider’s role', async () => {
    const r = await runCli(['check', '--playbook', 'connections', '--save', dir, '--url', heroku.url]);
    expect(r.code).toBe(0);
    const file = (await fs.readdir(dir)).find((f) => f.endsWith('.snapshot.json'))!;
    const snap = await readSnapshot(path.join(dir, file));
    expect(snap.server.provider).toEqual({ id: 'heroku', name: 'Heroku Postgres', evidence: ['schema heroku_ext'] });

    const none = JSON.parse((await runCli(['check', '--json', '--playbook', 'connections', '--url', plain.url])).stdout);
    expect(none.server.provider).toBeNull();
    const settings = none.findings.filter((f: { check: string }) => f.check === 'settings_review');
    for (const f of settings) expect(f.evidence.alter_system).toMatch(/^ALTER SYSTEM SET /);
  });
});
