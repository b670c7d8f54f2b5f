// Server hardening that needs a server of its own: pg_hba.conf rules (trust, cleartext passwords, remote
// access without TLS, rules naming what does not exist, a line that does not parse) and TLS protocol and
// ciphers, each planted on a private cluster next to its near miss; DDL logging on the shared server.
import { execFile } from 'node:child_process';
import { appendFile, chmod, chown, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { canStartClusters, startCluster, type PrivateCluster } from '../../support/cluster.ts';
import { createDatabase, withClient, type TestDatabase } from '../../support/db.ts';
import { matrixServers } from '../../support/matrix.ts';
import { startPrivateCluster, type PrivateCluster as PrivateCluster16 } from '../../support/private-cluster.ts';
import { runPlaybook } from '../../support/run.ts';

const exec = promisify(execFile);
const of = (d: RunResult, check: string): Finding[] => d.findings.filter((f) => f.check === check);
const run = (url: string) => runPlaybook(url, ['rls-security']);

describe.skipIf(!canStartClusters)('pg_hba.conf and TLS on private clusters', () => {
  let plain: PrivateCluster;
  let tls: PrivateCluster;
  let defaults: PrivateCluster;
  const stop: PrivateCluster[] = [];
  let certDir = '';

  beforeAll(async () => {
    plain = await startCluster({
      hba: [
        'host all all 0.0.0.0/0 trust',
        'local all all trust',
        'host all all 10.0.0.0/8 password',
        'host all ghost_role_pgadv 10.1.0.0/16 scram-sha-256',
        'host nosuchdb_pgadv all 10.2.0.0/16 scram-sha-256',
        'hostssl all all 0.0.0.0/0 scram-sha-256',
        'host all all 192.168.0.0/16 password',
      ],
    });
    stop.push(plain);
    // a line the server cannot parse, written after the start (a server would refuse to start with it)
    const hba = join(plain.data, 'pg_hba.conf');
    const owner = await stat(hba);
    await appendFile(hba, 'host all all 10.3.0.0/16 not_a_method\n');
    await chown(hba, owner.uid, owner.gid);
    // TLS with a self-signed certificate, owned by the server's user
    certDir = await mkdtemp(join(tmpdir(), 'pgadv-certs-'));
    await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-keyout', join(certDir, 'server.key'), '-out', join(certDir, 'server.crt')]);
    for (const f of [certDir, join(certDir, 'server.key'), join(certDir, 'server.crt')]) await chown(f, owner.uid, owner.gid);
    await chmod(join(certDir, 'server.key'), 0o600);
    const ssl = { ssl: 'on', ssl_cert_file: join(certDir, 'server.crt'), ssl_key_file: join(certDir, 'server.key') };
    [tls, defaults] = await Promise.all([
      startCluster({ settings: { ...ssl, ssl_min_protocol_version: 'TLSv1', ssl_ciphers: 'HIGH:RC4:!aNULL:eNULL' }, hba: ['host all all 0.0.0.0/0 scram-sha-256'] }),
      startCluster({ settings: ssl, hba: ['hostssl all all 0.0.0.0/0 scram-sha-256'] }),
    ]);
    stop.push(tls, defaults);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stop.map((c) => c.stop()));
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('pg_hba.conf: trust, cleartext passwords, names that do not exist and an unreadable line; scram from the loopback is a near miss', async () => {
    const found = of(await run(plain.url), 'hba_rules');
    expect(found.map((f) => [f.target, f.id.split('/').pop(), f.severity])).toEqual([
      ['pg_hba.conf line 4', '4 trust', 'critical'],
      ['pg_hba.conf line 5', '5 trust', 'warning'],
      ['pg_hba.conf line 6', '6 cleartext', 'warning'],
      ['pg_hba.conf line 7', '7 stale', 'info'],
      ['pg_hba.conf line 8', '8 stale', 'info'],
      // hostssl with TLS off: the server reads it, but it never applies
      ['pg_hba.conf line 9', '9 never_matches', 'info'],
      ['pg_hba.conf line 10', '10 cleartext', 'warning'],
      ['pg_hba.conf line 11', '11 parse_error', 'critical'],
    ]);
    expect(found.find((f) => f.id.endsWith('/7 stale'))!.title).toBe('pg_hba.conf line 7 names what does not exist: role ghost_role_pgadv');
    expect(found.find((f) => f.id.endsWith('/8 stale'))!.title).toBe('pg_hba.conf line 8 names what does not exist: database nosuchdb_pgadv');
    expect(found.find((f) => f.id.endsWith('/11 parse_error'))!.title).toMatch(/^pg_hba\.conf line 11 cannot be read: /);
    expect(found.find((f) => f.id.endsWith('/4 trust'))!.evidence).toMatchObject({ type: 'host', address: '0.0.0.0', auth_method: 'trust' });
  });

  it('TLS: old protocols, weak ciphers and remote rules without hostssl; the defaults with hostssl are near misses', async () => {
    const [t, d] = await Promise.all([run(tls.url), run(defaults.url)]);
    expect(of(t, 'tls_settings').map((f) => f.target)).toEqual(['setting ssl_ciphers', 'setting ssl_min_protocol_version']);
    expect(of(t, 'tls_settings')[0].evidence.weak_elements).toEqual(['RC4', 'eNULL']);
    expect(of(t, 'hba_rules').map((f) => f.id.split('/').pop())).toEqual(['4 no_tls']);
    expect(of(d, 'tls_settings')).toEqual([]);
    expect(of(d, 'hba_rules')).toEqual([]);
    // with TLS on, the ssl setting itself is not reported
    expect(of(t, 'security_settings').map((f) => f.target)).not.toContain('setting ssl');
  });

  it('ssl_ciphers ALL enables the anonymous suites; ALL:!aNULL and DEFAULT are near misses', async () => {
    const c = new pg.Client({ connectionString: defaults.url });
    await c.connect();
    const ciphers = async (value: string) => {
      await c.query(`ALTER SYSTEM SET ssl_ciphers = ${pg.escapeLiteral(value)}`);
      await c.query('SELECT pg_reload_conf()');
      await new Promise((r) => setTimeout(r, 300));
      return of(await run(defaults.url), 'tls_settings');
    };
    try {
      expect((await ciphers('ALL'))[0]?.evidence.weak_elements).toEqual(['ALL']);
      expect(await ciphers('ALL:!aNULL')).toEqual([]);
      expect(await ciphers('DEFAULT')).toEqual([]);
    } finally {
      await c.query('ALTER SYSTEM RESET ssl_ciphers');
      await c.query('SELECT pg_reload_conf()');
      await c.end();
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('DDL logging', () => {
  let logged: TestDatabase;
  afterAll(() => logged?.drop());

  it('log_statement = ddl for the database is a near miss', async () => {
    logged = await createDatabase();
    await logged.exec(`ALTER DATABASE ${logged.name} SET log_statement = 'ddl'`);
    expect(of(await run(logged.url), 'audit_logging')).toEqual([]);
  });
});

// PostgreSQL 16 reads pg_hba.conf's include directives: a rule is then named by its file as well as its line, so
// that the same line number in two files gives two findings, each pointing at the right file.
describe.runIf(canStartClusters && Boolean(matrixServers()))('pg_hba.conf with an included file (PostgreSQL 16)', () => {
  let cluster: PrivateCluster16 | null = null;
  beforeAll(async () => {
    cluster = await startPrivateCluster(16);
    if (!cluster) return;
    const { rows } = await withClient(cluster.url, (c) => c.query(`SELECT current_setting('hba_file') AS file`));
    const main = String(rows[0].file);
    const owner = await stat(main);
    const extra = join(dirname(main), 'extra_hba.conf');
    // line 1 of each file names a role that does not exist
    await writeFile(extra, 'host all ghost_in_include_pgadv 10.9.0.0/16 scram-sha-256\n');
    await writeFile(main, `host all ghost_in_main_pgadv 10.8.0.0/16 scram-sha-256\n${await readFile(main, 'utf8')}include extra_hba.conf\n`);
    for (const f of [main, extra]) await chown(f, owner.uid, owner.gid);
    await withClient(cluster.url, (c) => c.query('SELECT pg_reload_conf()'));
  }, 120_000);
  afterAll(() => cluster?.destroy());

  it('a stale rule on line 1 of the main file and on line 1 of the included one: two findings, each naming its file', async () => {
    expect(cluster).not.toBeNull();
    let stale: Finding[] = [];
    for (let i = 0; i < 50 && stale.length < 2; i++) {
      stale = of(await run(cluster!.url), 'hba_rules').filter((f) => f.rationale.includes('ghost_in_'));
      if (stale.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(stale.map((f) => f.target)).toEqual(['pg_hba.conf line 1', expect.stringMatching(/\/extra_hba\.conf line 1$/)]);
    expect(stale[1].title).toMatch(/\/extra_hba\.conf line 1 names what does not exist: role ghost_in_include_pgadv$/);
    expect(stale[1].evidence).toMatchObject({ line_number: 1, file: expect.stringMatching(/\/extra_hba\.conf$/) });
    expect(new Set(stale.map((f) => f.id)).size).toBe(2);
  });
});
