// Managed providers: detection from captured server facts (written from each provider's documentation), and
// what it changes in the advice: settings findings name the provider's way, skip reasons say what the
// provider withholds or offers.
import { describe, expect, it } from 'vitest';
import {
  detectProvider,
  PROVIDER_FUNCTIONS,
  PROVIDER_ROLES,
  PROVIDER_SCHEMAS,
  PROVIDER_SETTING_PREFIXES,
  PROVIDERS,
  serverLabel,
  type ProviderSignals,
} from '../../src/db/providers.ts';
import { adaptToProvider } from '../../src/playbooks/provider-advice.ts';
import { unmetRequirement } from '../../src/playbooks/requirements.ts';
import type { Finding, ServerFacts } from '../../src/playbooks/types.ts';
import { CAPTURED, type CapturedFacts } from './provider-facts.ts';

/** What the server-facts query returns from such a server: only the marks it asks for. */
function signals(c: CapturedFacts): ProviderSignals {
  return {
    roles: c.roles.filter((r) => PROVIDER_ROLES.includes(r)),
    settings: c.settings.filter((s) => PROVIDER_SETTING_PREFIXES.some((p) => s.startsWith(p))),
    schemas: c.schemas.filter((s) => PROVIDER_SCHEMAS.includes(s)),
    functions: c.functions.filter((f) => PROVIDER_FUNCTIONS.includes(f)),
    host: c.host,
  };
}

const SELF_HOSTED: CapturedFacts = {
  roles: ['postgres', 'pg_monitor', 'app'],
  settings: ['shared_buffers', 'work_mem'],
  schemas: ['public', 'pg_catalog'],
  functions: [],
  host: 'db1.internal.example.com',
};

describe('detectProvider', () => {
  it.each(Object.keys(CAPTURED))('recognises %s from what its server shows', (id) => {
    const found = detectProvider(signals(CAPTURED[id]));
    expect(found?.id).toBe(id);
    expect(found?.name).toBe(PROVIDERS[id as keyof typeof PROVIDERS].name);
    expect(found?.evidence.length).toBeGreaterThan(0);
  });

  it('names the marks it went by', () => {
    expect(detectProvider(signals(CAPTURED['aws-rds']))?.evidence).toEqual([
      'roles rds_superuser, rdsadmin',
      'settings rds.extensions, rds.force_ssl, rds.logical_replication, …',
      'host name *.rds.amazonaws.com',
    ]);
    expect(detectProvider(signals(CAPTURED['aws-aurora']))?.evidence).toEqual([
      'settings apg_plan_mgmt.capture_plan_baselines, aurora.stat_plans.minutes_until_recapture',
      'function aurora_version()',
      'host name *.cluster-*.rds.amazonaws.com',
    ]);
    expect(detectProvider(signals(CAPTURED.heroku))?.evidence).toEqual(['schema heroku_ext']);
  });

  it('Aurora is not taken for RDS although it shows RDS’s roles and settings', () => {
    expect(detectProvider({ ...signals(CAPTURED['aws-aurora']), host: null })?.id).toBe('aws-aurora');
    // an Aurora instance endpoint is an ordinary rds.amazonaws.com name: aurora_version() decides
    expect(detectProvider({ ...signals(CAPTURED['aws-aurora']), host: 'orders-1.c9akciq32xyz.eu-west-1.rds.amazonaws.com' })?.id).toBe('aws-aurora');
  });

  it('a self-managed server is no provider', () => {
    expect(detectProvider(signals(SELF_HOSTED))).toBeNull();
    expect(detectProvider({ roles: [], settings: [], schemas: [], functions: [], host: null })).toBeNull();
  });

  it('a self-managed copy restored from RDS (pg_dumpall carried its roles) is not RDS', () => {
    expect(detectProvider(signals({ ...SELF_HOSTED, roles: [...SELF_HOSTED.roles, 'rds_superuser', 'rdsadmin'] }))).toBeNull();
    expect(detectProvider(signals({ ...SELF_HOSTED, roles: [...SELF_HOSTED.roles, 'cloudsqlsuperuser', 'azure_pg_admin', 'neon_superuser'] }))).toBeNull();
  });

  it('the host name alone is enough where the server shows nothing else (Crunchy Bridge), and only a real suffix counts', () => {
    expect(detectProvider(signals({ ...SELF_HOSTED, host: 'p.x.db.postgresbridge.com' }))?.id).toBe('crunchy-bridge');
    expect(detectProvider(signals({ ...SELF_HOSTED, host: 'postgresbridge.com.evil.example' }))).toBeNull();
    expect(detectProvider(signals({ ...SELF_HOSTED, host: 'my-neon.tech.example.org' }))).toBeNull();
  });

  it('the header names the provider after the product', () => {
    expect(serverLabel({ product: 'PostgreSQL 16.4 on aarch64-unknown-linux-gnu', provider: { name: 'Amazon RDS for PostgreSQL' } })).toBe(
      'PostgreSQL 16.4 on aarch64-unknown-linux-gnu — Amazon RDS for PostgreSQL',
    );
    expect(serverLabel({ product: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu', provider: null })).toBe(
      'PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu',
    );
  });
});

function serverOn(id: string | null, extra: Partial<ServerFacts> = {}): ServerFacts {
  const provider = id ? detectProvider(signals(CAPTURED[id])) : null;
  return {
    version: '16.4',
    versionNum: 160004,
    database: 'app',
    user: 'app_admin',
    product: 'PostgreSQL 16.4 on x86_64-pc-linux-gnu',
    inRecovery: false,
    extensions: [{ name: 'pg_stat_statements', version: '1.10', schema: 'public' }],
    availableExtensions: ['pg_stat_statements', 'pg_trgm', 'hypopg'],
    privileges: { superuser: false, pg_read_all_stats: false, pg_monitor: false, pg_read_all_settings: false },
    settings: { shared_preload_libraries: 'pg_stat_statements' },
    statsReset: null,
    postmasterStart: null,
    managedSchemas: [],
    provider,
    ...extra,
  };
}

const WORK_MEM: Finding = {
  id: 'connections/settings_review/setting work_mem',
  playbook: 'connections',
  check: 'settings_review',
  severity: 'info',
  target: 'setting work_mem',
  title: 'work_mem is 4096 kB and this database wrote 12 temporary files',
  rationale: 'Sorts spill to disk.',
  evidence: { setting: 'work_mem', suggested: '16MB', context: 'user', alter_system: "ALTER SYSTEM SET work_mem = '16MB';", apply: 'reload: SELECT pg_reload_conf();' },
  up: null,
  down: null,
  drops: [],
  keeps: [],
};

const PRELOAD: Finding = {
  ...WORK_MEM,
  id: 'connections/pg_stat_statements_preload/setting shared_preload_libraries',
  check: 'pg_stat_statements_preload',
  target: 'setting shared_preload_libraries',
  title: 'pg_stat_statements is not loaded',
  evidence: {
    shared_preload_libraries: 'auto_explain',
    alter_system: "ALTER SYSTEM SET shared_preload_libraries = 'auto_explain, pg_stat_statements';",
    apply: 'restart the server (shared_preload_libraries has context postmaster), then CREATE EXTENSION pg_stat_statements;',
  },
};

describe('settings advice on a managed provider', () => {
  it('names the parameter group instead of ALTER SYSTEM on RDS, and the reboot for a restart', () => {
    const [wm, preload] = adaptToProvider([WORK_MEM, PRELOAD], serverOn('aws-rds'));
    expect(wm.evidence.alter_system).toBeUndefined();
    expect(wm.evidence.provider).toBe('Amazon RDS for PostgreSQL');
    expect(wm.evidence.provider_way).toContain('"ParameterName=work_mem,ParameterValue=16MB,ApplyMethod=pending-reboot"');
    expect(wm.evidence.apply).toBe('reload: SELECT pg_reload_conf();'); // a reload-context setting keeps its note
    expect(wm.rationale).toMatch(/^Sorts spill to disk\. RDS refuses ALTER SYSTEM: set work_mem = 16MB in the instance's DB parameter group/);
    expect(preload.evidence.provider_way).toContain('ParameterName=shared_preload_libraries,ParameterValue=auto_explain, pg_stat_statements');
    expect(preload.evidence.apply).toBe(PROVIDERS['aws-rds'].restart);
  });

  it.each([
    ['gcp-cloudsql', '--database-flags=work_mem=16MB'],
    ['gcp-alloydb', 'gcloud alloydb instances update'],
    ['azure', 'az postgres flexible-server parameter set --resource-group RG --server-name SERVER --name work_mem --value 16MB'],
    ['supabase', 'supabase postgres-config update --config work_mem=16MB'],
    ['aws-aurora', 'modify-db-cluster-parameter-group'],
    ['neon', "ALTER ROLE … SET work_mem = '16MB'"],
    ['heroku', 'heroku pg:settings'],
    ['crunchy-bridge', 'dashboard → Configuration'],
  ])('%s: %s', (id, text) => {
    const [wm] = adaptToProvider([WORK_MEM], serverOn(id));
    expect(wm.evidence.provider_way).toContain(text);
    expect(wm.evidence.alter_system).toBeUndefined();
  });

  it('a self-managed server keeps ALTER SYSTEM, and findings without a setting change are untouched', () => {
    expect(adaptToProvider([WORK_MEM], serverOn(null))).toEqual([WORK_MEM]);
    const other = { ...WORK_MEM, evidence: { index: 'CREATE INDEX …' } };
    expect(adaptToProvider([other], serverOn('aws-rds'))).toEqual([other]);
  });
});

describe('skip reasons on a managed provider', () => {
  it('superuser: says the provider does not give it, where a self-managed server just needs it', () => {
    expect(unmetRequirement({ privileges: ['superuser'] }, serverOn('aws-rds'))).toBe('needs superuser, which Amazon RDS for PostgreSQL does not give its customers');
    expect(unmetRequirement({ privileges: ['superuser'] }, serverOn(null))).toBe('needs superuser');
    expect(unmetRequirement({ privileges: ['superuser'] }, serverOn('crunchy-bridge'))).toBe('needs superuser');
  });

  it('a grantable role: who can grant it there', () => {
    expect(unmetRequirement({ privileges: ['pg_read_all_settings'] }, serverOn('gcp-cloudsql'))).toBe(
      'needs pg_read_all_settings (GRANT pg_read_all_settings TO app_admin; a member of cloudsqlsuperuser can grant it)',
    );
  });

  it('extensions: whether the provider offers them', () => {
    const noHypopg = { availableExtensions: ['pg_stat_statements'] };
    expect(unmetRequirement({ extensions: ['hypopg'] }, serverOn('aws-rds'))).toBe('needs the hypopg extension: CREATE EXTENSION hypopg');
    expect(unmetRequirement({ extensions: ['hypopg'] }, serverOn('aws-rds', noHypopg))).toBe(
      'needs the hypopg extension: not available on this server, although Amazon RDS for PostgreSQL offers hypopg on some versions: see its extension list for this one',
    );
    expect(unmetRequirement({ extensions: ['hypopg'] }, serverOn('azure'))).toBe(
      'needs the hypopg extension: CREATE EXTENSION hypopg (on Azure Database for PostgreSQL hypopg is offered once allow-listed in the azure.extensions server parameter)',
    );
    expect(unmetRequirement({ extensions: ['hypopg'] }, serverOn('heroku', noHypopg))).toBe(
      "needs the hypopg extension: not available on this server: on Heroku Postgres hypopg is not on every plan: see Heroku's list of supported extensions",
    );
    expect(unmetRequirement({ extensions: ['postgis'] }, serverOn('neon', noHypopg))).toBe(
      'needs the postgis extension: not available on this server: Neon installs only the extensions it supports',
    );
    expect(unmetRequirement({ extensions: ['postgis'] }, serverOn(null, noHypopg))).toBe(
      'needs the postgis extension: install the postgis package on the server, then CREATE EXTENSION postgis',
    );
  });

  it('pg_stat_statements: the preload step only when the server does not load it yet, in the provider’s terms', () => {
    const notCreated = { extensions: [] };
    expect(unmetRequirement({ extensions: ['pg_stat_statements'] }, serverOn('aws-rds', notCreated))).toBe(
      'needs the pg_stat_statements extension: CREATE EXTENSION pg_stat_statements',
    );
    const notLoaded = { extensions: [], settings: { shared_preload_libraries: '' } };
    expect(unmetRequirement({ extensions: ['pg_stat_statements'] }, serverOn('gcp-cloudsql', notLoaded))).toMatch(
      /^needs the pg_stat_statements extension: CREATE EXTENSION pg_stat_statements \(and load it at server start — Cloud SQL refuses ALTER SYSTEM: set the database flag shared_preload_libraries=<the current list>,pg_stat_statements .*; then Cloud SQL restarts the instance itself when a flag needs it\)$/,
    );
    expect(unmetRequirement({ extensions: ['pg_stat_statements'] }, serverOn(null, notLoaded))).toBe(
      'needs the pg_stat_statements extension: CREATE EXTENSION pg_stat_statements (and add it to shared_preload_libraries, then restart)',
    );
  });
});
