// The backup-recovery notebook on private clusters set up to show each problem (archiving off, blocked,
// failing, behind; wal_level minimal; checksums; a corrupted page; slots inactive, lost and in use; a replica
// paused; synchronous standbys missing) next to the near miss that must not be flagged.
import { chmod, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, runLive, selectNotebooks } from '../../../src/playbooks/live.ts';
import { unmetRequirement } from '../../../src/playbooks/requirements.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { canStartClusters, startCluster, startReplica, type PrivateCluster } from '../../support/cluster.ts';
import { runPlaybook } from '../../support/run.ts';
import { server } from '../../tui/fixture.ts';

const of = (d: RunResult, check: string): Finding[] => d.findings.filter((f) => f.check === check);
const run = (url: string) => runPlaybook(url, ['backup-recovery']);
/** One statement on its own connection; a cluster stopped by the test right after must not surface as an unhandled error. */
async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end().catch(() => undefined);
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** archive_command through ALTER SYSTEM and a reload, once the server shows it. */
async function setArchiveCommand(url: string, command: string): Promise<void> {
  await sql(url, `ALTER SYSTEM SET archive_command = ${pg.escapeLiteral(command)}`);
  await sql(url, 'SELECT pg_reload_conf()');
  for (let i = 0; i < 100; i++) {
    const { rows } = await sql(url, `SELECT setting FROM pg_settings WHERE name = 'archive_command'`);
    if (rows[0].setting === command) return;
    await sleep(100);
  }
  throw new Error(`archive_command never became ${command}`);
}

/** Writes a little and switches to a new WAL segment, `n` times, so that segments complete. */
async function completeSegments(url: string, n: number): Promise<void> {
  await sql(url, 'CREATE TABLE IF NOT EXISTS churn (x int)');
  for (let i = 0; i < n; i++) await sql(url, 'INSERT INTO churn SELECT generate_series(1, 1000); SELECT pg_switch_wal()');
}

/** Runs the notebook with thresholds lowered, as .pgadvisor.toml's [thresholds] would (`check` → threshold → value). */
async function runLowered(url: string, thresholds: Record<string, Record<string, number>>): Promise<RunResult> {
  const conn = await connect(url);
  try {
    const configured = Object.fromEntries(Object.entries(thresholds).map(([check, values]) => [`backup-recovery/${check}`, values]));
    return await runLive(conn, await selectNotebooks(['backup-recovery']), undefined, undefined, { thresholds: configured });
  } finally {
    await conn.close();
  }
}

describe('backup-recovery on a managed provider', () => {
  it('skips what the provider runs, saying what it does', () => {
    const rds = { ...server, provider: { id: 'aws-rds', name: 'Amazon RDS', evidence: ['rds_superuser'] } };
    expect(unmetRequirement({ selfManaged: 'backups' }, rds)).toMatch(/^Amazon RDS manages this: Amazon RDS takes automated snapshots and archives WAL/);
    const unknown = { ...server, provider: { id: 'elsewhere', name: 'Some Cloud', evidence: [] } };
    expect(unmetRequirement({ selfManaged: 'replication' }, unknown)).toBe("Some Cloud manages this: standbys and replicas are the provider's: configure them in its console");
    // a self-managed server runs the cell
    expect(unmetRequirement({ selfManaged: 'backups' }, server)).toBeNull();
  });
});

describe.skipIf(!canStartClusters)('backup-recovery on private clusters', () => {
  const clusters: PrivateCluster[] = [];
  const start = async (...args: Parameters<typeof startCluster>) => {
    const c = await startCluster(...args);
    clusters.push(c);
    return c;
  };
  let off: PrivateCluster;
  let working: PrivateCluster;
  let failing: PrivateCluster;
  let blocked: PrivateCluster;
  let slow: PrivateCluster;
  let minimal: PrivateCluster;
  let checked: PrivateCluster;

  let archives: string;

  beforeAll(async () => {
    archives = await mkdtemp(join(tmpdir(), 'pgadv-archive-'));
    await chmod(archives, 0o777);
    const archive = (command: string) => ({ settings: { archive_mode: 'on', archive_command: command } });
    [off, working, failing, blocked, slow, minimal, checked] = await Promise.all([
      start(),
      start(archive(`cp %p ${archives}/working-%f`)),
      start(archive('false')),
      start({ settings: { archive_mode: 'on' } }),
      // archive_command set with ALTER SYSTEM (a command-line value would override it), changed below
      start({ settings: { archive_mode: 'on' } }),
      start({ settings: { wal_level: 'minimal', max_wal_senders: '0' } }),
      start({ initdb: ['--data-checksums'] }),
    ]);
    await setArchiveCommand(slow.url, `cp %p ${archives}/slow-%f`);
    await Promise.all([completeSegments(working.url, 2), completeSegments(failing.url, 2), completeSegments(blocked.url, 1), completeSegments(slow.url, 1)]);
    // the failing command has been tried
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql(failing.url, 'SELECT failed_count FROM pg_stat_archiver');
      if (Number(rows[0].failed_count) > 0) break;
      await sleep(100);
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.stop()));
    if (archives) await rm(archives, { recursive: true, force: true });
  });

  it('archiving off: no point-in-time recovery (warning); a working archiver is a near miss', async () => {
    const [o, w] = await Promise.all([run(off.url), run(working.url)]);
    expect(of(o, 'wal_archiving').map((f) => f.target)).toEqual(['server not_archiving']);
    const f = of(o, 'wal_archiving')[0];
    expect(f.severity).toBe('warning');
    expect(f.evidence).toMatchObject({ archive_mode: 'off', setting: 'archive_mode', apply: 'restart the server (context postmaster)' });
    expect(of(w, 'wal_archiving')).toEqual([]);
    // every cell runs on a self-managed server
    for (const r of o.playbooks[0].runs) expect(`${r.cell}: ${r.status}`).toBe(`${r.cell}: ok`);
  });

  it('archive_mode on with nothing to run, and an archive_command that fails: critical', async () => {
    const [b, f] = await Promise.all([run(blocked.url), run(failing.url)]);
    expect(of(b, 'wal_archiving').map((x) => [x.target, x.severity])).toEqual([['server no_command', 'critical']]);
    const failed = of(f, 'wal_archiving');
    expect(failed.map((x) => [x.target, x.severity])).toEqual([['server failing', 'critical']]);
    expect(Number(failed[0].evidence.failed_count)).toBeGreaterThan(0);
    expect(failed[0].rationale).toContain('none has succeeded since statistics were reset');
  });

  it('archiving that falls behind: warning once segments wait (stale_minutes lowered for the test); the working archiver is not behind', async () => {
    // one segment archived, then a command that never returns: every later segment waits
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql(slow.url, 'SELECT archived_count FROM pg_stat_archiver');
      if (Number(rows[0].archived_count) > 0) break;
      await sleep(100);
    }
    await setArchiveCommand(slow.url, 'sleep 3600');
    await sleep(1000); // the archiver reads its configuration at its next wake-up
    await completeSegments(slow.url, 4);
    const lowered = { wal_archiving: { stale_minutes: 0 } };
    let behind: Finding[] = [];
    for (let i = 0; i < 50 && !behind.length; i++) {
      behind = of(await runLowered(slow.url, lowered), 'wal_archiving');
      if (!behind.length) await sleep(200);
    }
    expect(behind.map((x) => [x.target, x.severity])).toEqual([['server stale', 'warning']]);
    expect(Number(behind[0].evidence.segments_not_archived)).toBeGreaterThanOrEqual(2);
    expect(of(await runLowered(working.url, lowered), 'wal_archiving')).toEqual([]);
  });

  it('wal_level minimal: reported as such, not also as archiving off', async () => {
    const m = await run(minimal.url);
    expect(of(m, 'wal_archiving').map((x) => x.target)).toEqual(['server wal_level_minimal']);
    expect(of(m, 'wal_archiving')[0].evidence).toMatchObject({ wal_level: 'minimal', alter_system: 'ALTER SYSTEM SET wal_level = replica;' });
  });

  it('data checksums off: advice; a cluster created with them is a near miss; a corrupted page is critical', async () => {
    const [o, c] = await Promise.all([run(off.url), run(checked.url)]);
    expect(of(o, 'data_checksums').map((f) => f.severity)).toEqual(['info']);
    expect(of(c, 'data_checksums')).toEqual([]);
    expect(of(c, 'checksum_failures')).toEqual([]);
    // damage one page of a table on disk, drop it from shared_buffers, read it
    await sql(checked.url, 'CREATE TABLE victim AS SELECT g FROM generate_series(1, 1000) g; CHECKPOINT');
    const { rows } = await sql(checked.url, `SELECT current_setting('data_directory') || '/' || pg_relation_filepath('victim') AS path`);
    await checked.restart();
    const fh = await open(String(rows[0].path), 'r+');
    await fh.write(Buffer.from('corrupted by the test'), 0, 21, 4000);
    await fh.close();
    await expect(sql(checked.url, 'SELECT count(*) FROM victim')).rejects.toThrow(/invalid page|checksum/);
    let failures: Finding[] = [];
    for (let i = 0; i < 50 && !failures.length; i++) {
      failures = of(await run(checked.url), 'checksum_failures');
      if (!failures.length) await sleep(200);
    }
    expect(failures.map((f) => [f.target, f.severity])).toEqual([['database postgres', 'critical']]);
    expect(failures[0].evidence.checksum_failures).toBe(1);
  });

  it('replication slots: an inactive one is reported with its drop statement, a lost one too; one in use and a temporary one are not', async () => {
    const primary = await start({ settings: { max_slot_wal_keep_size: '64MB' } });
    const replica = await startReplica(primary, { slot: 'in_use' });
    clusters.push(replica);
    await sql(primary.url, `SELECT pg_create_physical_replication_slot('gone', true)`);
    const holder = new pg.Client({ connectionString: primary.url });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      await holder.query(`SELECT pg_create_physical_replication_slot('temporary_one', true, true)`);
      let slots: Finding[] = [];
      for (let i = 0; i < 50; i++) {
        slots = of(await run(primary.url), 'replication_slots');
        if (!slots.some((s) => s.target === 'slot in_use')) break; // the replica's slot is active once it streams
        await sleep(200);
      }
      expect(slots.map((s) => [s.target, s.severity])).toEqual([['slot gone', 'info']]);
      expect(slots[0].evidence).toMatchObject({ active: false, drop: "SELECT pg_drop_replication_slot('gone');", max_slot_wal_keep_size: '64MB' });
      expect(slots[0].rationale).toContain('No consumer is connected');
      // past max_slot_wal_keep_size the inactive slot loses its WAL: a dead slot to drop
      await completeSegments(primary.url, 6);
      await sql(primary.url, 'CHECKPOINT');
      const lost = of(await run(primary.url), 'replication_slots').find((s) => s.target === 'slot gone')!;
      expect(['lost', 'unreserved']).toContain(lost.evidence.wal_status);
      expect(lost.severity).toBe(lost.evidence.wal_status === 'lost' ? 'warning' : 'critical');
    } finally {
      await holder.end();
    }
  });

  it('replicas: a paused replica is reported from both sides (lag_mb lowered for the test); a streaming one is a near miss', async () => {
    const primary = await start();
    const replica = await startReplica(primary);
    clusters.push(replica);
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql(primary.url, 'SELECT count(*) AS n FROM pg_stat_replication WHERE state = \'streaming\'');
      if (Number(rows[0].n) === 1) break;
      await sleep(100);
    }
    expect(of(await run(primary.url), 'replica_lag')).toEqual([]);
    expect(of(await run(replica.url), 'replica_lag')).toEqual([]);
    await sql(replica.url, 'SELECT pg_wal_replay_pause()');
    try {
      await sql(primary.url, 'CREATE TABLE t AS SELECT g FROM generate_series(1, 50000) g');
      await sleep(1500);
      // a byte behind is enough (the evidence of the finding is then checked for what it says)
      const lowered = { replica_lag: { lag_mb: 1 / 1048576 } };
      const fromPrimary = of(await runLowered(primary.url, lowered), 'replica_lag');
      expect(fromPrimary.map((f) => f.severity)).toEqual(['warning']);
      expect(fromPrimary[0].title).toMatch(/^Replica walreceiver replays .+ behind$/);
      expect(Number(fromPrimary[0].evidence.replay_bytes)).toBeGreaterThan(0);
      const fromReplica = of(await runLowered(replica.url, lowered), 'replica_lag');
      expect(fromReplica.map((f) => [f.target, f.severity])).toEqual([['this replica', 'warning']]);
    } finally {
      await sql(replica.url, 'SELECT pg_wal_replay_resume()');
    }
    // the replica without its primary: nothing received, critical
    await primary.stop();
    let alone: Finding[] = [];
    for (let i = 0; i < 50 && !alone.length; i++) {
      alone = of(await run(replica.url), 'replica_lag');
      if (!alone.length) await sleep(200);
    }
    expect(alone.map((f) => [f.title, f.severity])).toEqual([['This replica receives no WAL from its primary', 'critical']]);
  });

  it('synchronous standbys: asked for but missing is critical; the one asked for, in sync, is a near miss', async () => {
    const primary = await start();
    const replica = await startReplica(primary);
    clusters.push(replica);
    const setNames = async (names: string) => {
      await sql(primary.url, `ALTER SYSTEM SET synchronous_standby_names = '${names}'`);
      await sql(primary.url, 'SELECT pg_reload_conf()');
      await sleep(300);
    };
    await setNames('walreceiver');
    let sync: Finding[] = [{} as Finding];
    for (let i = 0; i < 50 && sync.length; i++) {
      sync = of(await run(primary.url), 'synchronous_standbys');
      if (sync.length) await sleep(200);
    }
    expect(sync).toEqual([]);
    await setNames('FIRST 2 (walreceiver, other)');
    const missing = of(await run(primary.url), 'synchronous_standbys');
    expect(missing.map((f) => f.severity)).toEqual(['critical']);
    expect(missing[0].evidence).toMatchObject({ needed: 2, in_sync: 1, synchronous_standby_names: 'FIRST 2 (walreceiver, other)' });
    expect(missing[0].title).toBe('Commits wait for 2 synchronous standbys, 1 in sync');
    // the shared test cluster asks for none
    expect(of(await run(process.env.TEST_DATABASE_URL!), 'synchronous_standbys')).toEqual([]);
  });
});
