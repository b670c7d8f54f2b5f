import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { createDatabase, hasRealServer, withClient, type TestDatabase } from '../../support/db.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';
import { expectEachFindingRoundTrips, expectOneStatementPerCell, find, migrateAndRollBack, targets } from './helpers.ts';

const fixture = await readFile(new URL('./fixture.sql', import.meta.url), 'utf8');

describe.skipIf(!hasRealServer)('maintenance playbook on planted problems and near misses', () => {
  let db: TestDatabase;
  let data: RunResult;
  let locker: pg.Client;

  beforeAll(async () => {
    db = await createDatabase();
    for (const part of fixture.split(/^-- transaction$/m)) await db.exec(part);
    // each exec's session reports its deleted rows as its backend exits, after the client has returned: a
    // report landing after the VACUUM below would count them as dead again, so wait for those sessions to end
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.exec(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await db.exec(`VACUUM (ANALYZE) app.bloated, app.compact, app.small_bloated, app.padded, "Odd Mäint"."Churn Täble"`);
    // Autovacuum would freeze app.old_xids as soon as its age passes the table's 100,000 limit; a held
    // SHARE UPDATE EXCLUSIVE lock keeps it away while 110,000 transaction IDs are used up.
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE app.old_xids IN SHARE UPDATE EXCLUSIVE MODE');
    // the same lock keeps autovacuum off app.locked_out while it gets its dead rows
    await locker.query('LOCK TABLE app.locked_out IN SHARE UPDATE EXCLUSIVE MODE');
    await db.exec('INSERT INTO app.locked_out SELECT generate_series(1, 20000); DELETE FROM app.locked_out WHERE id <= 10000');
    await withClient(db.url, async (c) => {
      await c.query('SET synchronous_commit = off');
      await c.query('DO $$ BEGIN FOR i IN 1..110000 LOOP PERFORM txid_current(); COMMIT; END LOOP; END $$');
    });
    await db.exec('CREATE TABLE app.young_xids (id int) WITH (autovacuum_freeze_max_age = 100000)');
    // A new table's relfrozenxid is the cluster-wide oldest running transaction: a transaction another test holds open
    // in another database would make it "old" at birth. VACUUM FREEZE moves it to this database's own horizon.
    await db.exec('VACUUM (FREEZE) app.young_xids');
    data = await runPlaybook(db.url, ['maintenance']);
  });
  afterAll(async () => {
    await locker?.end();
    await db?.drop();
  });

  it('runs every cell without error and shows the statistics window', () => {
    const bad = data.playbooks[0].runs.filter((r) => r.status !== 'ok');
    expect(bad.map((r) => `${r.cell}: ${r.reason}`)).toEqual([]);
    const items = runOf(data, 'stats_window').rows.map((r) => r.item);
    expect(items).toEqual(expect.arrayContaining(['statistics reset', 'statistics window', 'server started', 'autovacuum', 'autovacuum_freeze_max_age']));
    const activity = runOf(data, 'vacuum_activity').rows;
    expect(activity[0]).toMatchObject({ table: 'app.churny', dead_rows: '120000' });
  });

  it('finds tables past their autovacuum trigger, not tiny or barely dirty ones', () => {
    expect(targets(data, 'vacuum_overdue')).toEqual(['"Odd Mäint"."Dead ""Rows"""', 'app.churny', 'app.locked_out', 'app.small_churn', 'app.stale', 'app.tuned']);
    const dead = find(data, 'vacuum_overdue', '"Odd Mäint"."Dead ""Rows"""');
    expect(dead.severity).toBe('warning');
    expect(dead.title).toBe('10000 dead rows (50.0% of the table) wait for vacuum');
    expect(dead.rationale).toContain('Autovacuum is disabled for this table');
    expect(dead.evidence).toMatchObject({ autovacuum_trigger_rows: 4050, command: 'VACUUM (VERBOSE, ANALYZE) "Odd Mäint"."Dead ""Rows""";' });
    expect(dead.up).toBeNull();
  });

  it('says what the server shows about autovacuum instead of guessing why a table waits', () => {
    // autovacuum is on for this table and running on the server, but another session's lock keeps it off the table
    const locked = find(data, 'vacuum_overdue', 'app.locked_out');
    expect(locked.evidence).toMatchObject({ autovacuum_enabled: true, autovacuum: { launcher_running: true } });
    expect(locked.rationale).toMatch(/Another session holds a lock that conflicts with vacuum on it \(pid \d+ holds ShareUpdateExclusiveLock since .+\): autovacuum skips a table it cannot lock/);
    expect(locked.rationale).not.toMatch(/busy elsewhere or throttled/);
    expect(String(locked.evidence.conflicting_locks)).toMatch(/^pid \d+ holds ShareUpdateExclusiveLock/);
    // the facts behind every finding, whatever the cause
    for (const f of findingsOf(data, 'vacuum_overdue')) {
      expect(f.evidence.autovacuum, f.target).toMatchObject({ launcher_running: true, max_workers: expect.any(Number), cost_limit: expect.any(String) });
      expect(f.evidence.lock, f.target).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', held: 'scan' });
      expect(String((f.evidence.lock as { note: string }).note)).toContain('brief ACCESS EXCLUSIVE');
    }
  });

  it('finds never-analyzed tables with rows, partitioned parents without statistics, and stale statistics', () => {
    expect(targets(data, 'analyze_overdue')).toEqual([
      '"Odd Mäint"."Dead ""Rows"""',
      'app.churny',
      'app.events',
      'app.locked_out',
      'app.never_analyzed',
      'app.small_churn',
      'app.stale',
      'app.tuned',
    ]);
    expect(find(data, 'analyze_overdue', 'app.events').title).toBe('Partitioned table has never been analyzed');
    expect(find(data, 'analyze_overdue', 'app.never_analyzed')).toMatchObject({ severity: 'warning', title: 'Table with rows has never been analyzed' });
    expect(find(data, 'analyze_overdue', 'app.stale')).toMatchObject({ severity: 'info', title: '5000 rows changed since the last ANALYZE' });
    expect(find(data, 'analyze_overdue', 'app.small_churn').severity).toBe('warning');
    expect(find(data, 'analyze_overdue', 'app.never_analyzed').evidence.command).toBe('ANALYZE app.never_analyzed;');
  });

  it('estimates bloat close to pgstattuple and ignores alignment padding, small and compact tables', async () => {
    expect(targets(data, 'table_bloat')).toEqual(['app.bloated']);
    const f = find(data, 'table_bloat', 'app.bloated');
    expect(f.evidence.estimate).toBe(true);
    expect(f.title).toContain('(estimate)');
    const exact = await db.exec(`SELECT free_percent + dead_tuple_percent AS waste FROM pgstattuple('app.bloated')`);
    expect(Math.abs(Number(f.evidence.extra_pct) - Number(exact.rows[0].waste))).toBeLessThan(5);
  });

  it('proposes per-table autovacuum settings for large high-churn tables, with an exact rollback', () => {
    expect(targets(data, 'autovacuum_tuning')).toEqual(['"Odd Mäint"."Churn Täble"', 'app.churny']);
    const churny = find(data, 'autovacuum_tuning', 'app.churny');
    expect(churny.up).toBe('ALTER TABLE app.churny SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000);');
    expect(churny.down).toBe(
      'ALTER TABLE app.churny RESET (autovacuum_enabled, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, fillfactor), ' +
        `SET (fillfactor = '90', autovacuum_vacuum_scale_factor = '0.1', autovacuum_enabled = 'false');`,
    );
    expect(churny.rationale).toContain('already has its own autovacuum settings');
    const odd = find(data, 'autovacuum_tuning', '"Odd Mäint"."Churn Täble"');
    expect(odd.down).toBe('ALTER TABLE "Odd Mäint"."Churn Täble" RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold);');
  });

  it('leaves out tables that belong to an extension', () => {
    expect(runOf(data, 'vacuum_activity').rows.some((r) => r.table === 'app.ext_owned')).toBe(false);
    expect(data.findings.filter((f) => f.target.includes('ext_owned')).map((f) => f.id)).toEqual([]);
  });

  it('finds tables and TOAST tables with autovacuum disabled', () => {
    const t = targets(data, 'autovacuum_disabled');
    expect(t).toContain('"Odd Mäint"."Dead ""Rows"""');
    expect(t).toContain('app.toast_off');
    expect(t).not.toContain('app.bloated');
    expect(t.some((x) => x.startsWith('setting '))).toBe(false);
    const toast = findingsOf(data, 'autovacuum_disabled').find((f) => f.target === 'app.toast_off')!;
    expect(toast.id).toBe('maintenance/autovacuum_disabled/app.toast_off (toast)');
    expect(toast.up).toBe('ALTER TABLE app.toast_off RESET (toast.autovacuum_enabled);');
    expect(toast.down).toBe(`ALTER TABLE app.toast_off RESET (toast.autovacuum_enabled), SET (toast.autovacuum_enabled = 'off');`);
    expect(find(data, 'autovacuum_disabled', 'app.tiny_dirty').severity).toBe('info');
  });

  it('finds a table past its own freeze limit, not a young one or one with the default limit', () => {
    const xid = findingsOf(data, 'xid_wraparound');
    expect(xid.map((f) => f.id)).toEqual(['maintenance/xid_wraparound/app.old_xids xid']);
    expect(xid[0].severity).toBe('warning');
    expect(Number(xid[0].evidence.age)).toBeGreaterThan(100000);
    expect(xid[0].evidence.freeze_max_age).toBe(100000);
  });

  it('finds sequences near the limit of their own type or of the column they feed, in either direction', () => {
    expect(targets(data, 'sequence_exhaustion')).toEqual([
      '"Odd Mäint"."Idént_Ïd_seq"',
      'app.big_seq',
      'app.down_seq',
      'app.serial_hot_id_seq',
      'app.widened_id_seq',
    ]);
    const sev = Object.fromEntries(findingsOf(data, 'sequence_exhaustion').map((f) => [f.target, f.severity]));
    expect(sev).toEqual({
      '"Odd Mäint"."Idént_Ïd_seq"': 'critical',
      'app.big_seq': 'warning',
      'app.down_seq': 'info',
      'app.serial_hot_id_seq': 'critical',
      'app.widened_id_seq': 'warning',
    });
    const big = find(data, 'sequence_exhaustion', 'app.big_seq');
    expect(big.title).toBe('79.2 % of the integer column\'s range used');
    expect(big.evidence).toMatchObject({ limit: '2147483647', sequence_max: '9223372036854775807', column_change: 'ALTER TABLE app.narrow ALTER COLUMN id TYPE bigint;' });
    expect(big.up).toBeNull();
    expect(find(data, 'sequence_exhaustion', 'app.down_seq').evidence.limit).toBe('-32768');
    const widened = find(data, 'sequence_exhaustion', 'app.widened_id_seq');
    expect(widened.up).toBe('ALTER SEQUENCE app.widened_id_seq AS bigint;');
    expect(widened.down).toBe('ALTER SEQUENCE app.widened_id_seq AS integer;');
    expect(find(data, 'sequence_exhaustion', 'app.serial_hot_id_seq').up).toBeNull();
    const usage = runOf(data, 'sequence_usage').rows;
    expect(usage.slice(0, 4).map((r) => r.sequence)).toEqual(['"Odd Mäint"."Idént_Ïd_seq"', 'app.serial_hot_id_seq', 'app.widened_id_seq', 'app.big_seq']);
    expect(usage.find((r) => r.sequence === 'app.big_seq')).toMatchObject({ type: 'bigint', column_types: 'integer', limit: '2147483647', used_pct: '79.16' });
  });

  it('finding ids are stable across runs', async () => {
    const again = await runPlaybook(db.url, ['maintenance']);
    const stable = (d: RunResult) => d.findings.filter((f) => f.check !== 'xid_wraparound').map((f) => f.id).sort();
    expect(stable(again)).toEqual(stable(data));
  });

  it('sends one statement per cell however large the catalog', () => expectOneStatementPerCell(db.url, 'maintenance', data.playbooks[0].runs.length));

  it('the accepted findings as one migration apply with psql, and its rollback restores the schema', async () => {
    await migrateAndRollBack(db, data);
  });

  it('each finding up then down restores the identical schema, and up applies again', async () => {
    const withSql = data.findings.filter((f) => f.up);
    expect(withSql.length).toBeGreaterThan(10);
    await expectEachFindingRoundTrips(db, withSql);
  });
});

describe.skipIf(!hasRealServer)('maintenance playbook with statistics switched off', () => {
  it('reports track_counts switched off for the database, with the reset that undoes it', async () => {
    const db = await createDatabase();
    try {
      await db.exec(`ALTER DATABASE ${db.name} SET track_counts = off`);
      const data = await runPlaybook(db.url, ['maintenance']);
      const f = findingsOf(data, 'autovacuum_disabled');
      expect(f.map((x) => [x.target, x.severity, x.title])).toEqual([['setting track_counts', 'critical', 'track_counts is off for this database']]);
      expect(f[0].evidence.command).toBe(`ALTER DATABASE ${db.name} RESET track_counts;`);
      expect(f[0].up).toBeNull();
    } finally {
      await db.drop();
    }
  });

  it('near miss: track_counts switched off by the connecting client only is no problem of the database', async () => {
    const db = await createDatabase();
    try {
      const url = new URL(db.url);
      url.searchParams.set('options', '-c track_counts=off');
      const data = await runPlaybook(url.toString(), ['maintenance']);
      expect(findingsOf(data, 'autovacuum_disabled')).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
