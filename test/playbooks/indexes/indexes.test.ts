import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { connect, runLive, selectNotebooks } from '../../../src/playbooks/live.ts';
import { apply, expectEachFindingRoundTrips, migrateAndRollBack } from '../maintenance/helpers.ts';
import { plantAfterFixture } from './plant.ts';

/** A finding's SQL statement by statement, as the helpers apply it. */
const applyEach = (db: TestDatabase, sql: string) => apply(db, { id: 'x', up: sql } as never, 'up');

const fixture = await readFile(new URL('./fixture.sql', import.meta.url), 'utf8');
const targets = (data: RunResult, check: string) => findingsOf(data, check).map((f) => f.target).sort();

describe('indexes playbook on planted problems and near misses', () => {
  let db: TestDatabase;
  let data: RunResult;
  beforeAll(async () => {
    db = await createDatabase(fixture);
    await plantAfterFixture(db);
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
      'app.flags.flags_tenant_copy',
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

  it('grades duplicate and redundant indexes by their measured cost: size and the table\'s writes a day', () => {
    const dup = findingsOf(data, 'duplicate_indexes');
    const red = findingsOf(data, 'redundant_indexes');
    // 20,000 rows written to app.flags within the (at least one day) statistics window: warning
    for (const f of [...dup, ...red].filter((x) => x.target.startsWith('app.flags.'))) {
      expect(f.severity, f.target).toBe('warning');
      expect(f.evidence.writes_per_day, f.target).toBeGreaterThanOrEqual(10000);
    }
    // small indexes on tables with fewer writes: info
    for (const t of ['app.users.users_email_idx', 'app.users.users_org_a']) {
      const f = red.find((x) => x.target === t)!;
      expect(f.severity, t).toBe('info');
      expect(f.evidence.writes_per_day, t).toBeLessThan(10000);
      expect(f.evidence.drop_bytes as number, t).toBeLessThan(100 * 1024 * 1024);
    }
    expect(dup.find((x) => x.target.endsWith('"idx b"'))!.severity).toBe('info');
    expect(dup.find((x) => x.target === 'app.flags.flags_tenant_copy')!.rationale).toMatch(/Dropping flags_tenant_copy saves .+ and its share of [\d,]+ writes a day\./);
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
      'app.audit.audit_user_id_fkey',
      'app.events.events_user_id_fkey',
      'app.ledger.ledger_user_id_fkey',
      'app.notes.notes_user_id_fkey',
      'app.orders.orders_org_fk',
      'app.orders.orders_user_id_fkey',
      'app.punches.punches_shift_id_fkey',
      'app.tree_nodes.tree_nodes_parent_id_fkey',
      'app.visit_log.visit_log_user_id_fkey',
    ]);
    const fk = (t: string) => findingsOf(data, 'fk_without_index').find((f) => f.target === t)!;
    // two values in 20,000 rows: advice without an index (which the low-selectivity check would flag next time)
    const punches = fk('app.punches.punches_shift_id_fkey');
    expect(punches).toMatchObject({ severity: 'info', up: null, down: null });
    expect(punches.evidence.distinct_values).toBe(2);
    expect(punches.evidence.lock).toBeUndefined();
    expect(punches.rationale).toContain('shift_id has only 2 distinct values: an index on it alone would select about a half of the table per lookup');
    const lookup = fk('app.orders.orders_org_fk');
    expect(lookup.severity).toBe('info');
    expect(lookup.rationale).toContain('small lookup table (about 3 rows)');
    const orders = fk('app.orders.orders_user_id_fkey');
    expect(orders.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON app.orders USING btree (user_id);');
    expect(orders.down).toBe('DROP INDEX CONCURRENTLY IF EXISTS app.orders_user_id_idx;');
    expect(orders.evidence.lock).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', on: ['app.orders'], held: 'build' });
  });

  it('grades a missing foreign-key index by the size of the child table, not the parent', () => {
    const fk = (t: string) => findingsOf(data, 'fk_without_index').find((f) => f.target === t)!;
    // 12,000 rows in the child: warning
    const big = fk('app.visit_log.visit_log_user_id_fkey');
    expect(big.severity).toBe('warning');
    expect(big.evidence).toMatchObject({ table_rows: 12000, analyzed: true });
    // the same parent, an empty child: info, and said so
    const empty = fk('app.orders.orders_user_id_fkey');
    expect(empty.severity).toBe('info');
    expect(empty.rationale).toContain('The table is empty now');
    // a partitioned child: the rows of its partitions, not of the storage-less parent
    const events = fk('app.events.events_user_id_fkey');
    expect(events.severity).toBe('info');
    expect(events.rationale).toContain('(about 1500 rows,');
    expect(events.evidence.table_rows).toBe(1500);
    expect(events.evidence.table_size).not.toBe('0 bytes');
  });

  it('on a partitioned table builds each partition index concurrently, then creates the parent index ON ONLY and attaches them', () => {
    const fk = (t: string) => findingsOf(data, 'fk_without_index').find((f) => f.target === t)!;
    const events = fk('app.events.events_user_id_fkey');
    expect(events.up).toBe(
      [
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_user_id_idx ON app.events_2024 USING btree (user_id);',
        'CREATE INDEX IF NOT EXISTS events_user_id_idx ON ONLY app.events USING btree (user_id);',
        'ALTER INDEX app.events_user_id_idx ATTACH PARTITION app.events_2024_user_id_idx;',
      ].join('\n'),
    );
    expect(events.down).toBe('DROP INDEX IF EXISTS app.events_user_id_idx;');
    expect(events.evidence.lock).toMatchObject({ mode: 'ACCESS EXCLUSIVE', on: ['app.events_2024_user_id_idx'], held: 'brief' });
    // two levels: the sub-partitioned table gets its own ON ONLY index, its partitions are attached to it first
    const ledger = fk('app.ledger.ledger_user_id_fkey');
    expect(ledger.up!.split('\n')).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_2024_user_id_idx ON app.ledger_2024 USING btree (user_id);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_2025_a_user_id_idx ON app.ledger_2025_a USING btree (user_id);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ledger_2025_b_user_id_idx ON app.ledger_2025_b USING btree (user_id);',
      'CREATE INDEX IF NOT EXISTS ledger_user_id_idx ON ONLY app.ledger USING btree (user_id);',
      'CREATE INDEX IF NOT EXISTS ledger_2025_user_id_idx ON ONLY app.ledger_2025 USING btree (user_id);',
      'ALTER INDEX app.ledger_2025_user_id_idx ATTACH PARTITION app.ledger_2025_a_user_id_idx;',
      'ALTER INDEX app.ledger_2025_user_id_idx ATTACH PARTITION app.ledger_2025_b_user_id_idx;',
      'ALTER INDEX app.ledger_user_id_idx ATTACH PARTITION app.ledger_2024_user_id_idx;',
      'ALTER INDEX app.ledger_user_id_idx ATTACH PARTITION app.ledger_2025_user_id_idx;',
    ]);
    // one partition already indexed on its own: advice; every partition indexed (clicks): nothing to report
    const audit = fk('app.audit.audit_user_id_fkey');
    expect(audit.up).toBeNull();
    expect(audit.rationale).toContain('1 of its 2 partitions already have a matching index');
    expect(audit.evidence.partitions).toEqual({ leaves: 2, already_indexed: 1, foreign: 0 });
  });

  it.skipIf(!hasRealServer)('the partitioned fix leaves a valid parent index, and as a migration it applies and rolls back', async () => {
    const partitioned = findingsOf(data, 'fk_without_index').filter((f) => f.up?.includes('ON ONLY'));
    expect(partitioned.map((f) => f.target)).toEqual(['app.events.events_user_id_fkey', 'app.ledger.ledger_user_id_fkey']);
    // built into the lock-safe migration: partition indexes concurrently first, then ON ONLY + ATTACH in a transaction
    await migrateAndRollBack(db, { ...data, findings: partitioned });
    const events = partitioned[1];
    await applyEach(db, events.up!);
    try {
      const { rows } = await db.exec(
        `SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE c.relname IN ('ledger_user_id_idx', 'ledger_2025_user_id_idx') ORDER BY 1`,
      );
      expect(rows).toEqual([
        { relname: 'ledger_2025_user_id_idx', indisvalid: true },
        { relname: 'ledger_user_id_idx', indisvalid: true },
      ]);
      // the check no longer reports the key
      const again = await runPlaybook(db.url, ['indexes']);
      expect(targets(again, 'fk_without_index')).not.toContain('app.ledger.ledger_user_id_fkey');
    } finally {
      await applyEach(db, events.down!);
    }
  });

  it('judges low-cardinality indexes by how rows spread over the values: skewed → partial index, flat → rarely useful', () => {
    expect(targets(data, 'low_cardinality_indexes')).toEqual([
      'app.flags.flags_archived',
      'app.flags.flags_prio',
      'app.flags.flags_status',
      'app.flags.flags_visible',
      'app.shipments.shipments_org',
      'app.tiny.tiny_is_active',
    ]);
    // flat, and the index of a foreign key: said so
    const ship = findingsOf(data, 'low_cardinality_indexes').find((f) => f.target === 'app.shipments.shipments_org')!;
    expect(ship.evidence).toMatchObject({ shape: 'flat', supports_foreign_keys: 'shipments_org_id_fkey' });
    expect(ship.rationale).toContain('It also serves the foreign key shipments_org_id_fkey');
    const low = (t: string) => findingsOf(data, 'low_cardinality_indexes').find((f) => f.target === t)!;
    for (const f of findingsOf(data, 'low_cardinality_indexes')) expect(f.up).toBeNull();
    // a 99/1 boolean is a good index for the rare value: the advice is the partial index on it, keyed by the primary key
    const archived = low('app.flags.flags_archived');
    expect(archived.evidence).toMatchObject({ shape: 'skewed', most_common_share: 0.99 });
    expect(archived.evidence.suggested).toBe('CREATE INDEX CONCURRENTLY ON app.flags (id) WHERE archived;\nDROP INDEX CONCURRENTLY app.flags_archived;');
    // an enum's dominant label is schema, not data: named in the predicate
    expect(low('app.flags.flags_prio').evidence.suggested).toContain("WHERE prio <> 'normal'");
    // 50/50 and thirds: no value is selective
    expect(low('app.flags.flags_visible').evidence).toMatchObject({ shape: 'flat', least_common_share: 0.5 });
    expect(low('app.flags.flags_status').evidence).toMatchObject({ shape: 'flat' });
    expect(low('app.flags.flags_status').title).toBe('flags_status is on 3-valued column status (each value on at least 33.3 % of rows)');
    // a small table's boolean (never flagged before: under 10,000 rows) gets advice without numbers
    const tiny = low('app.tiny.tiny_is_active');
    expect(tiny.evidence).toMatchObject({ shape: 'unknown' });
    expect(tiny.rationale).toContain('has no statistics for it');
    // no value of a non-boolean, non-enum column is ever printed (pg_stats values are user data)
    expect(JSON.stringify(low('app.flags.flags_status'))).not.toMatch(/'(new|done|held)'|"(new|done)"/);
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

  it('a self-referencing foreign key without an index gets one, and is not taken for a lookup table; the indexed tree is a near miss', () => {
    const tree = findingsOf(data, 'fk_without_index').find((f) => f.target === 'app.tree_nodes.tree_nodes_parent_id_fkey')!;
    expect(tree.rationale).toContain('The key references its own table');
    expect(tree.rationale).not.toContain('lookup table');
    expect(tree.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS tree_nodes_parent_id_idx ON app.tree_nodes USING btree (parent_id);');
    expect(data.findings.some((f) => f.target.startsWith('app.tree_indexed.'))).toBe(false);
  });

  it('index shapes: btree on an array, IS NOT NULL on a NOT NULL column (whole or in part), a timestamp mid-index; near misses untouched', () => {
    const shapes = findingsOf(data, 'index_shapes');
    expect(shapes.map((f) => f.id.split('/').pop())).toEqual([
      'app.posts.posts_at_nn redundant_predicate',
      'app.posts.posts_author_at_status timestamp_mid',
      'app.posts.posts_author_live redundant_predicate',
      'app.posts.posts_tags array_btree',
    ]);
    const at = shapes.find((f) => f.target === 'app.posts.posts_at_nn')!;
    expect(at.evidence.suggested).toBe(
      'CREATE INDEX CONCURRENTLY posts_at_nn_full ON app.posts USING btree (at);\nDROP INDEX CONCURRENTLY app.posts_at_nn;\nALTER INDEX app.posts_at_nn_full RENAME TO posts_at_nn;',
    );
    // only part of this predicate is redundant: no replacement index, a sentence
    const live = shapes.find((f) => f.target === 'app.posts.posts_author_live')!;
    expect(live.evidence.suggested).toBeUndefined();
    expect(live.rationale).toContain('Drop that part of the predicate');
    expect(shapes.find((f) => f.target === 'app.posts.posts_tags')!.evidence.suggested).toBe('CREATE INDEX CONCURRENTLY ON app.posts USING gin (tags);');
    expect(shapes.find((f) => f.target === 'app.posts.posts_author_at_status')!.evidence.suggested).toBe(
      'CREATE INDEX CONCURRENTLY ON app.posts (author, status, at);',
    );
  });

  it('index bloat: a btree index that lost four fifths of its entries; the same index intact is a near miss; thresholds move it; REINDEX removes it', async () => {
    const bloat = findingsOf(data, 'index_bloat');
    expect(bloat.map((f) => f.target)).toEqual(['app.bloaty.bloaty_code']);
    expect(Number(bloat[0].evidence.extra_pct)).toBeGreaterThan(60);
    expect(bloat[0].up).toBe('REINDEX INDEX CONCURRENTLY app.bloaty_code;');
    expect(bloat[0].evidence.lock).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', held: 'build' });
    expect(bloat[0].severity).toBe('info');
    // its thresholds, as .pgadvisor.toml sets them: a lower warning size makes it a warning, a higher share hides it
    const withThresholds = async (values: Record<string, number>) => {
      const conn = await connect(db.url);
      const run = await runLive(conn, await selectNotebooks(['indexes']), undefined, undefined, { thresholds: { 'indexes/index_bloat': values } }).finally(() => conn.close());
      return findingsOf(run, 'index_bloat');
    };
    expect((await withThresholds({ warning_mb: 1 })).map((f) => f.severity)).toEqual(['warning']);
    expect(await withThresholds({ min_percent: 95 })).toEqual([]);
    await db.exec(bloat[0].up!);
    const again = await runPlaybook(db.url, ['indexes']);
    expect(findingsOf(again, 'index_bloat')).toEqual([]);
  });

  it.skipIf(!hasRealServer)('each finding up then down restores the identical schema, and up applies again', async () => {
    // a REINDEX changes no definition and has nothing to undo: tested above
    await expectEachFindingRoundTrips(db, data.findings.filter((f) => f.up && f.check !== 'index_bloat'));
  });
});

describe('unused indexes with old statistics', () => {
  let db: TestDatabase;
  afterAll(() => db?.drop());

  it('proposes a DROP per unscanned index when statistics are old enough (threshold lowered for the test)', async () => {
    db = await createDatabase(fixture);
    await plantAfterFixture(db);
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
    // a partitioned table's index unscanned on every partition: dropped at the parent, rebuilt without blocking writes
    const parted = findingsOf(data, 'unused_partitioned_indexes');
    expect(parted.map((x) => x.target)).toEqual(['app.metrics.metrics_v']); // metrics_kind was scanned
    expect(parted[0].up).toBe('DROP INDEX IF EXISTS app.metrics_v;');
    expect(parted[0].down!.split('\n')).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS metrics_2024_v_idx ON app.metrics_2024 USING btree (v);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS metrics_2025_a_v_idx ON app.metrics_2025_a USING btree (v);',
      'CREATE INDEX IF NOT EXISTS metrics_v ON ONLY app.metrics USING btree (v);',
      'CREATE INDEX IF NOT EXISTS metrics_2025_v_idx ON ONLY app.metrics_2025 USING btree (v);',
      'ALTER INDEX app.metrics_2025_v_idx ATTACH PARTITION app.metrics_2025_a_v_idx;',
      'ALTER INDEX app.metrics_v ATTACH PARTITION app.metrics_2024_v_idx;',
      'ALTER INDEX app.metrics_v ATTACH PARTITION app.metrics_2025_v_idx;',
    ]);
    expect(parted[0].evidence.lock).toMatchObject({ mode: 'ACCESS EXCLUSIVE', on: ['app.metrics'], held: 'brief' });
    if (hasRealServer) await expectEachFindingRoundTrips(db, parted);
  });
});


