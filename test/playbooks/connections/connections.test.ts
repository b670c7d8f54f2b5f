// The Connections-and-settings notebook: connection limits, sessions idle in a transaction,
// long-running queries and settings, each planted next to a near miss.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { startPgliteServer } from '../../../src/db/pglite-server.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { runPlaybook } from '../../support/run.ts';

const of = (d: RunResult, check: string): Finding[] => d.findings.filter((f) => f.playbook === 'connections' && f.check === check);
const tag = () => randomBytes(4).toString('hex');

async function client(url: string, applicationName: string, user?: { name: string; password: string }): Promise<pg.Client> {
  const u = new URL(url);
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  const c = new pg.Client({ connectionString: u.toString(), application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function closeAll(clients: pg.Client[]): Promise<void> {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
}

describe.skipIf(!hasRealServer)('connections playbook (real server; needs TEST_DATABASE_URL)', () => {
  const dbs: TestDatabase[] = [];
  const fresh = async (setup = '') => {
    const db = await createDatabase(setup);
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  test('settings: planted per-database values are flagged with ALTER SYSTEM advice; good values are not', async () => {
    const planted = await fresh();
    const good = await fresh();
    const chosen = await fresh();
    await planted.exec(`ALTER DATABASE ${planted.name} SET track_io_timing = off; ALTER DATABASE ${planted.name} SET work_mem = '512MB'`);
    await good.exec(
      [
        `ALTER DATABASE ${good.name} SET random_page_cost = 1.1`,
        `ALTER DATABASE ${good.name} SET log_min_duration_statement = '1s'`,
        `ALTER DATABASE ${good.name} SET idle_in_transaction_session_timeout = '5min'`,
        `ALTER DATABASE ${good.name} SET maintenance_work_mem = '1GB'`,
        `ALTER DATABASE ${good.name} SET work_mem = '64MB'`,
      ].join('; '),
    );
    // random_page_cost 4 set on purpose (spinning disks): a decision, not flagged
    await chosen.exec(`ALTER DATABASE ${chosen.name} SET random_page_cost = 4`);

    const [p, g, c] = await Promise.all([
      runPlaybook(planted.url, ['connections']),
      runPlaybook(good.url, ['connections']),
      runPlaybook(chosen.url, ['connections']),
    ]);
    const { rows } = await planted.exec(`SELECT setting::bigint * 8192 <= 134217728 AS small FROM pg_settings WHERE name = 'shared_buffers'`);
    const server = rows[0].small ? ['setting shared_buffers'] : [];

    expect(of(p, 'settings_review').map((f) => f.target).sort()).toEqual(
      [
        'setting idle_in_transaction_session_timeout',
        'setting log_min_duration_statement',
        'setting maintenance_work_mem',
        'setting random_page_cost',
        'setting track_io_timing',
        'setting work_mem',
        ...server,
      ].sort(),
    );
    expect(of(g, 'settings_review').map((f) => f.target)).toEqual(server);
    expect(of(c, 'settings_review').map((f) => f.target)).not.toContain('setting random_page_cost');

    // memory sizes are shares of RAM, never one literal size for an unknown machine
    const work = of(p, 'settings_review').find((f) => f.target === 'setting work_mem')!;
    expect(work.severity).toBe('warning');
    expect(work.title).toBe('work_mem is 512 MB');
    expect(work.evidence).toMatchObject({
      current: '512 MB',
      source: 'database',
      context: 'user',
      suggested: '(RAM − shared_buffers) ÷ (max_connections × 3)',
      alter_system: "ALTER SYSTEM SET work_mem = '<the size in sizes_by_ram for your machine>';",
    });
    expect(work.rationale).toContain('hash_mem_multiplier');
    expect(Object.keys(work.evidence.sizes_by_ram as object)).toEqual(['1 GB', '2 GB', '4 GB', '8 GB', '16 GB', '32 GB', '64 GB']);
    expect(work.up).toBeNull();
    const maint = of(p, 'settings_review').find((f) => f.target === 'setting maintenance_work_mem')!;
    expect(maint.evidence.sizes_by_ram).toMatchObject({ '1 GB': '64 MB', '16 GB': '1024 MB' });
    expect(maint.rationale).toMatch(/Each of the \d+ autovacuum workers may use as much at once unless autovacuum_work_mem is set/);
    expect(maint.rationale).toContain('before PostgreSQL 17 vacuum uses at most 1GB');
    expect(maint.evidence.autovacuum_work_mem_by_ram).toBeTruthy();
    // random_page_cost: the documented model, a range after testing plans
    const rpc = of(p, 'settings_review').find((f) => f.target === 'setting random_page_cost')!;
    expect(rpc.rationale).toContain('40 times slower than a sequential one with 90 % of random reads cached');
    expect(rpc.evidence).toMatchObject({ suggested: '1.1–2, after testing plans' });
    // slow statements' log lines carry bind parameters: say how to keep them out
    const slow = of(p, 'settings_review').find((f) => f.target === 'setting log_min_duration_statement')!;
    expect(slow.rationale).toContain('log_parameter_max_length = 0');
    expect(slow.evidence).toMatchObject({ also_set: 'ALTER SYSTEM SET log_parameter_max_length = 0;' });
    // The advisor sets nothing at session level (only SET LOCAL timeouts): the check sees what applications get.
    const idle = of(p, 'settings_review').find((f) => f.target === 'setting idle_in_transaction_session_timeout')!;
    expect(idle.evidence).toMatchObject({ current: '0 ms', source: 'default' });
    expect(idle.rationale).toContain('PostgreSQL 17 adds transaction_timeout');
    if (server.length) {
      const sb = of(p, 'settings_review').find((f) => f.target === 'setting shared_buffers')!;
      expect(sb.evidence).toMatchObject({ context: 'postmaster', apply: 'restart the server (context postmaster)', suggested: '25 % of RAM' });
      expect(sb.evidence.sizes_by_ram).toMatchObject({ '2 GB': '512 MB', '16 GB': '4096 MB' });
      expect(JSON.stringify(sb.evidence)).not.toContain("'4GB'");
      // the initdb default named as such only when it is that value
      expect(sb.title).toBe(sb.evidence.current === '128 MB' ? 'shared_buffers is 128 MB, the initdb default' : `shared_buffers is ${sb.evidence.current}, below the initdb default`);
    }
    const io = of(p, 'settings_review').find((f) => f.target === 'setting track_io_timing')!;
    expect(io.evidence).toMatchObject({ context: 'superuser', alter_system: "ALTER SYSTEM SET track_io_timing = 'on';" });
    expect(String(io.evidence.apply)).toMatch(/^reload: SELECT pg_reload_conf\(\)/);

    // This server preloads pg_stat_statements and allows 300 connections: both near misses.
    expect(of(p, 'pg_stat_statements_preload')).toEqual([]);
    expect(of(p, 'settings_review').some((f) => f.target === 'setting max_connections')).toBe(false);
  });

  test('work_mem spills: counted from the application statements only, not the advisor\'s own nor maintenance commands', async () => {
    const spill = await fresh('CREATE EXTENSION pg_stat_statements');
    // (the table is filled with enough work_mem that filling it does not spill)
    const quiet = await fresh("CREATE EXTENSION pg_stat_statements; SET work_mem = '256MB'; CREATE TABLE big AS SELECT g FROM generate_series(1, 300000) g");
    const roomy = await fresh('CREATE EXTENSION pg_stat_statements');
    await roomy.exec(`ALTER DATABASE ${roomy.name} SET work_mem = '64MB'`);
    // A sort that does not fit in 4 MB writes a temporary file; the same sort fits in 64 MB.
    const sort = 'SELECT g FROM generate_series(1, 400000) g ORDER BY g DESC LIMIT 1';
    // other test files may reset pg_stat_statements meanwhile: plant and read again until the planted rows are seen
    let s: RunResult | undefined;
    let q: RunResult | undefined;
    let r: RunResult | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      await spill.exec(sort);
      await roomy.exec(sort);
      // the advisor's own statements start with its marker; a spilling one must not count
      await quiet.exec(`/* pgadvisor */ ${sort}`);
      // an index build spills in maintenance_work_mem, not work_mem
      await quiet.exec(`SET maintenance_work_mem = '1MB'; CREATE INDEX big_g ON big (g); DROP INDEX big_g`);
      // this read of pg_stat_statements spills too, like the advisor's own: it carries the advisor's marker
      const planted = await quiet.exec(
        `/* pgadvisor */ SELECT count(*) FILTER (WHERE query ~ '^/\\* pgadvisor \\*/') AS advisor, count(*) FILTER (WHERE query ~* '^create index') AS build
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND temp_blks_written > 0`,
      );
      [s, q, r] = await Promise.all([runPlaybook(spill.url, ['connections']), runPlaybook(quiet.url, ['connections']), runPlaybook(roomy.url, ['connections'])]);
      if (of(s, 'work_mem_spills').length && Number(planted.rows[0].advisor) > 0 && Number(planted.rows[0].build) > 0) break;
    }
    const found = of(s!, 'work_mem_spills');
    expect(found.map((f) => f.target)).toEqual(['setting work_mem']);
    expect(found[0].title).toMatch(/^work_mem is 4096 kB and 1 application statement spilled .+ to temporary files$/);
    const stmts = found[0].evidence.statements as { query: string; temp_per_call: string }[];
    expect(stmts[0].query).toContain('generate_series');
    // the advisor's own statements and the index build spilled too, in the quiet database: nothing to report there
    expect(of(q!, 'work_mem_spills')).toEqual([]);
    // the same sort fits in 64 MB
    expect(of(r!, 'work_mem_spills')).toEqual([]);
    // settings_review no longer judges spills from pg_stat_database (it counted the advisor's own temporary files)
    expect(of(s!, 'settings_review').map((f) => f.title)).not.toContain(expect.stringContaining('temporary files'));
  });

  test('connection limits: a database and a role at 80 % of their CONNECTION LIMIT; one at 60 % is not flagged', async () => {
    const full = await fresh();
    const roomy = await fresh();
    const role = `pgadv_r_${tag()}`;
    const password = randomBytes(12).toString('hex');
    await full.exec(`ALTER DATABASE ${full.name} CONNECTION LIMIT 20`);
    await roomy.exec(`ALTER DATABASE ${roomy.name} CONNECTION LIMIT 20`);
    await full.exec(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' CONNECTION LIMIT 5`);
    const clients: pg.Client[] = [];
    try {
      // 15 of ours plus the advisor's own connections (up to three, all open while it runs): 90 %, short of critical
      for (let i = 0; i < 15; i++) clients.push(await client(full.url, 'pgadv-full'));
      for (let i = 0; i < 8; i++) clients.push(await client(roomy.url, 'pgadv-roomy'));
      for (let i = 0; i < 4; i++) clients.push(await client(roomy.url, 'pgadv-role', { name: role, password }));
      const data = await runPlaybook(full.url, ['connections']);
      const found = of(data, 'connection_saturation');
      const db = found.find((f) => f.target === `database ${full.name}`)!;
      expect(db).toBeDefined();
      expect(db.severity).toBe('warning');
      expect(db.title).toMatch(new RegExp(`^(16|17|18) of 20 connection slots in use on database ${full.name} \\(CONNECTION LIMIT 20\\)$`));
      expect(db.rationale).toMatch(/\(300 − 3 reserved\) \/ \d+ instances = \d+ per instance/);
      const r = found.find((f) => f.target === `role ${role}`)!;
      expect(r.title).toBe(`4 of 5 connection slots in use on role ${role} (CONNECTION LIMIT 5)`);
      expect(found.some((f) => f.target === `database ${roomy.name}`)).toBe(false);
      expect(found.some((f) => f.target === 'server')).toBe(false);
      const limits = data.playbooks.find((p) => p.id === 'connections')!.runs.find((x) => x.cell === 'connection_limits')!;
      expect(limits.rows[0].database_connection_limit).toBe(20);
    } finally {
      await closeAll(clients);
      await full.exec(`DROP ROLE IF EXISTS ${role}`).catch(async () => {
        await full.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
        await full.exec(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  });

  test('sessions idle in a transaction for 30 s and queries running 60 s are flagged; younger ones are not', async () => {
    const db = await fresh();
    const t = tag();
    const names = { idle: `pgadv-idle-${t}`, idleNear: `pgadv-idlenear-${t}`, txNear: `pgadv-txnear-${t}`, long: `pgadv-long-${t}`, longNear: `pgadv-longnear-${t}` };
    const clients: pg.Client[] = [];
    const sleeps: Promise<unknown>[] = [];
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      const idle = await client(db.url, names.idle);
      const idleNear = await client(db.url, names.idleNear);
      const long = await client(db.url, names.long);
      clients.push(idle, idleNear, long);
      await idle.query('BEGIN');
      await idle.query('SELECT 1');
      await idleNear.query('SELECT 1');
      sleeps.push(long.query('SELECT pg_sleep(90)').catch(() => undefined));
      await wait(25_000);
      const longNear = await client(db.url, names.longNear);
      clients.push(longNear);
      sleeps.push(longNear.query('SELECT pg_sleep(90)').catch(() => undefined));
      await wait(15_000);
      const txNear = await client(db.url, names.txNear);
      clients.push(txNear);
      await txNear.query('BEGIN');
      await txNear.query('SELECT 1');
      await wait(22_000);

      const data = await runPlaybook(db.url, ['connections']);
      const idleFound = of(data, 'idle_in_transaction').filter((f) => f.target.includes(t));
      expect(idleFound.map((f) => f.target)).toEqual([`${db.name}/postgres/${names.idle}`]);
      const ev = idleFound[0].evidence as { sessions: { pid: number; idle_seconds: number; last_command: string; state: string }[]; end_now: string; alter_system: string };
      expect(ev.sessions).toHaveLength(1);
      expect(ev.sessions[0].idle_seconds).toBeGreaterThanOrEqual(60);
      expect(ev.sessions[0]).toMatchObject({ last_command: 'SELECT', state: 'idle in transaction' });
      expect(ev.end_now).toBe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (${ev.sessions[0].pid});`);
      expect(ev.alter_system).toBe("ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min';");
      expect(idleFound[0].severity).toBe('warning');
      expect(idleFound[0].up).toBeNull();

      const longFound = of(data, 'long_running_queries').filter((f) => f.target.includes(t));
      expect(longFound.map((f) => f.target)).toEqual([`${db.name}/postgres/${names.long}`]);
      const lev = longFound[0].evidence as { queries: { running_seconds: number; command: string; wait_event: string }[]; per_role: string };
      expect(lev.queries[0].running_seconds).toBeGreaterThanOrEqual(60);
      expect(lev.queries[0].command).toBe('SELECT');
      expect(lev.queries[0].wait_event).toBe('Timeout:PgSleep');
      expect(lev.per_role).toBe("ALTER ROLE postgres SET statement_timeout = '30s';");
    } finally {
      await db.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'pgadv-%${t}'`);
      await Promise.all(sleeps);
      await closeAll(clients);
    }
  }, 150_000);
});

describe('pg_stat_statements not loaded (PGlite, no server needed)', () => {
  test('flagged when the library is absent, not when it is loaded', async () => {
    const bare = await startPgliteServer();
    try {
      const data = await runPlaybook(bare.url, ['connections']);
      const [f] = of(data, 'pg_stat_statements_preload');
      expect(f.severity).toBe('warning');
      expect(f.evidence).toMatchObject({
        apply: 'restart the server (shared_preload_libraries has context postmaster), then CREATE EXTENSION pg_stat_statements;',
      });
      expect(String(f.evidence.alter_system)).toMatch(/^ALTER SYSTEM SET shared_preload_libraries = '(.+, )?pg_stat_statements';$/);
      expect(f.up).toBeNull();
    } finally {
      await bare.stop();
    }
    const loaded = await startPgliteServer({ extensions: ['pg_stat_statements'] });
    try {
      const data = await runPlaybook(loaded.url, ['connections']);
      expect(of(data, 'pg_stat_statements_preload')).toEqual([]);
      const run = data.playbooks[0].runs.filter((r) => r.status === 'error');
      expect(run.map((r) => `${r.cell}: ${r.reason}`)).toEqual([]);
    } finally {
      await loaded.stop();
    }
  }, 120_000);
});
