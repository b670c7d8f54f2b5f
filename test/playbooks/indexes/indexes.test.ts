import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { connect, runLive, selectNotebooks } from '../../../src/playbooks/live.ts';
import { expectEachFindingRoundTrips } from '../maintenance/helpers.ts';

const fixture = await readFile(new URL('./fixture.sql', import.meta.url), 'utf8');
const targets = (data: RunResult, check: string) => findingsOf(data, check).map((f) => f.target).sort();

describe('indexes playbook on planted problems and near misses', () => {
  let db: TestDatabase;
  let data: RunResult;
  beforeAll(async () => {
    db = await createDatabase(fixture);
    data = await runPlaybook(db.url, ['indexes']);
  });
  afterAll(() => db?.drop());

  it('runs every cell without error', () => {
    const bad = data.playbooks[0].runs.filter((r) => r.status !== 'ok');
    // this fixture has no pg_stat_statements or hypopg: the workload cells say so and skip; last_idx_scan is 16+
    const gated = data.server.versionNum < 160000 ? ['stale_indexes: skipped'] : [];
    expect(bad.map((r) => `${r.cell}: ${r.status}`)).toEqual([...gated, 'workload_indexes: skipped', 'drop_validation: skipped']);
    expect(runOf(data, 'workload_indexes').reason).toMatch(/^needs a workload: pg_stat_statements in this database .*, or --workload FILE/);
    expect(runOf(data, 'index_overview').rows.length).toBeGreaterThan(5);
  });

  it('finds exact duplicates and keeps the pinned or older one', () => {
    expect(targets(data, 'duplicate_indexes')).toEqual([
      '"Sales ""EU"""."Order Items"."idx b"',
      'app.users.users_norm_b',
      'app.visits_2024.visits_2024_user_extra',
    ]);
    // captured with an empty search_path: the rollback names every object fully, whatever the applier's search_path
    const norm = findingsOf(data, 'duplicate_indexes').find((f) => f.target === 'app.users.users_norm_b')!;
    expect(norm.down).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS users_norm_b ON app.users USING btree (app.norm(email));');
    const attached = findingsOf(data, 'duplicate_indexes').find((f) => f.target.endsWith('visits_2024_user_extra'))!;
    expect(attached.keeps).toEqual(['app.visits_2024_user_id_idx']);
    expect(attached.up).toBe('DROP INDEX CONCURRENTLY IF EXISTS app.visits_2024_user_extra;');
  });

  it('finds prefix-redundant indexes including a plain copy of a unique one, and leaves the near misses', () => {
    expect(targets(data, 'redundant_indexes')).toEqual([
      'app.flags.flags_status',
      'app.users.users_email_idx',
      'app.users.users_org_a',
      'app.users.users_org_b',
    ]);
    const email = findingsOf(data, 'redundant_indexes').find((f) => f.target === 'app.users.users_email_idx')!;
    expect(email.keeps).toEqual(['app.users_email_key']);
    expect(email.rationale).toContain('unique');
    // both duplicates of org_id are covered by the composite, so each keeps the composite (no conflicting drops)
    for (const f of findingsOf(data, 'redundant_indexes').filter((f) => f.target.includes('users_org_'))) {
      expect(f.keeps).toEqual(['app.users_org_created']);
    }
    expect(findingsOf(data, 'duplicate_indexes').some((f) => f.target.includes('users_org'))).toBe(false);
  });

  it('finds foreign keys without a supporting index, in any column order, partial and partitioned aware', () => {
    expect(targets(data, 'fk_without_index')).toEqual([
      '"Sales ""EU"""."Order Items"."fk Größe"',
      'app.events.events_user_id_fkey',
      'app.notes.notes_user_id_fkey',
      'app.orders.orders_org_fk',
      'app.orders.orders_user_id_fkey',
      'app.punches.punches_shift_id_fkey',
    ]);
    // two values in 20,000 rows: advice without an index (which the low-selectivity check would flag next time)
    const punches = findingsOf(data, 'fk_without_index').find((f) => f.target === 'app.punches.punches_shift_id_fkey')!;
    expect(punches).toMatchObject({ severity: 'info', up: null, down: null });
    expect(punches.evidence.distinct_values).toBe(2);
    expect(punches.rationale).toContain('shift_id has only 2 distinct values: an index on it alone would select about a half of the table per lookup');
    const lookup = findingsOf(data, 'fk_without_index').find((f) => f.target === 'app.orders.orders_org_fk')!;
    expect(lookup.severity).toBe('info');
    expect(lookup.rationale).toContain('small lookup table (about 3 rows)');
    const events = findingsOf(data, 'fk_without_index').find((f) => f.target === 'app.events.events_user_id_fkey')!;
    expect(events.up).toBe('CREATE INDEX IF NOT EXISTS events_user_id_idx ON app.events USING btree (user_id);');
    expect(events.rationale).toContain('partitioned');
    // a lookup scans every partition: rows and size are the leaves', not the storage-less parent's
    expect(events.rationale).toContain('(about 1500 rows,');
    expect(events.evidence.table_rows).toBe(1500);
    expect(events.evidence.table_size).not.toBe('0 bytes');
    const orders = findingsOf(data, 'fk_without_index').find((f) => f.target === 'app.orders.orders_user_id_fkey')!;
    expect(orders.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON app.orders USING btree (user_id);');
    expect(orders.down).toBe('DROP INDEX CONCURRENTLY IF EXISTS app.orders_user_id_idx;');
    expect(orders.severity).toBe('warning');
  });

  it('flags single-column low-cardinality indexes only', () => {
    expect(targets(data, 'low_cardinality_indexes')).toEqual(['app.flags.flags_archived', 'app.flags.flags_status']);
    for (const f of findingsOf(data, 'low_cardinality_indexes')) expect(f.up).toBeNull();
  });

  it('with young statistics, names unscanned indexes in one advice finding and proposes no DROP', () => {
    const unused = findingsOf(data, 'unused_indexes');
    expect(unused).toHaveLength(1);
    expect(unused[0].up).toBeNull();
    const listed = unused[0].evidence.indexes as string[];
    expect(listed).toContain('app.users.users_email_desc');
    // indexes a pgadvisor migration created are judged on their own window, not listed with the young statistics
    expect(listed.filter((t) => t.startsWith('app.journal.'))).toEqual([]);
    // never unique, PK, constraint-backed, FK-supporting or partition-attached indexes
    for (const never of ['users_email_key', 'users_pkey', 'users_org_created', 'visits_user', 'visits_2024_user_id_idx', 'tags_user_nn']) {
      expect(listed.some((t) => t.endsWith(`.${never}`))).toBe(false);
    }
  });

  it('finding ids are stable across runs', async () => {
    const again = await runPlaybook(db.url, ['indexes']);
    expect(again.findings.map((f) => f.id).sort()).toEqual(data.findings.map((f) => f.id).sort());
  });

  it.skipIf(!hasRealServer)('each finding up then down restores the identical schema, and up applies again', async () => {
    await expectEachFindingRoundTrips(db, data.findings.filter((f) => f.up));
  });
});

describe('unused indexes with old statistics', () => {
  let db: TestDatabase;
  afterAll(() => db?.drop());

  it('proposes a DROP per unscanned index when statistics are old enough (threshold lowered for the test)', async () => {
    db = await createDatabase(fixture);
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-nb-'));
    const src = await readFile(new URL('../../../playbooks/indexes.md', import.meta.url), 'utf8');
    expect(src).toContain(`interval '30 days'`);
    await writeFile(join(dir, 'indexes.md'), src.replaceAll(`interval '30 days'`, `interval '0 seconds'`));
    // the notebook that feeds the workload its analyzers read
    await writeFile(join(dir, 'workload.md'), await readFile(new URL('../../../playbooks/workload.md', import.meta.url), 'utf8'));
    const conn = await connect(db.url);
    const data = await runLive(conn, await selectNotebooks(['indexes'], dir)).finally(() => conn.close());
    const unused = findingsOf(data, 'unused_indexes');
    const t = unused.map((f) => f.target);
    expect(t).toContain('app.users.users_email_desc');
    expect(t).not.toContain('app.users.users_org_created'); // supports users_org_fk
    // created by a pgadvisor migration: from an old snapshot it is judged like any index, from a recent one not yet
    expect(t).toContain('app.journal.journal_kind_idx');
    expect(t).not.toContain('app.journal.journal_at_idx');
    expect(unused.find((x) => x.target === 'app.journal.journal_kind_idx')!.evidence.created_by_pgadvisor_from_snapshot_of).toMatch(/^2020-01-02/);
    const f = unused.find((x) => x.target === 'app.users.users_email_desc')!;
    expect(f.up).toBe('DROP INDEX CONCURRENTLY IF EXISTS app.users_email_desc;');
    expect(f.down).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_desc ON app.users USING btree (email DESC, id);');
    expect(f.drops).toEqual(['app.users_email_desc']);
    // the rollback restores a comment, quoted, and only where there is one
    const commented = unused.find((x) => x.target === '"Sales ""EU"""."Order Items"."idx b"')!;
    expect(commented.down).toContain(`\nCOMMENT ON INDEX "Sales ""EU"""."idx b" IS 'it''s "quoted"';`);
    expect(f.down).not.toContain('COMMENT');
  });
});


