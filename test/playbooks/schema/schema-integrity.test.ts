import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitStatements } from '../../../src/migration/statements.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { findingsOf, runOf, runPlaybook } from '../../support/run.ts';
import { apply, expectEachFindingRoundTrips, expectOneStatementPerCell, find, migrateAndRollBack, targets } from '../maintenance/helpers.ts';

const fixture = await readFile(new URL('./fixture.sql', import.meta.url), 'utf8');

/** Runs `fn` inside a transaction that is always rolled back. */
async function rolledBack<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    return await fn(c);
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await c.end();
  }
}

describe.skipIf(!hasRealServer)('schema-integrity playbook on planted problems and near misses', () => {
  let db: TestDatabase;
  let data: RunResult;
  beforeAll(async () => {
    db = await createDatabase(fixture);
    data = await runPlaybook(db.url, ['schema-integrity']);
  });
  afterAll(() => db?.drop());

  it('runs every cell without error and counts columns by type, leaving extension objects and migration tables out', () => {
    const bad = data.playbooks[0].runs.filter((r) => r.status !== 'ok');
    expect(bad.map((r) => `${r.cell}: ${r.reason}`)).toEqual([]);
    const summary = Object.fromEntries(runOf(data, 'type_summary').rows.map((r) => [r.kind, [Number(r.columns), Number(r.tables)]]));
    expect(summary).toEqual({
      json: [6, 6],
      money: [1, 1],
      serial: [8, 8],
      'timestamp without time zone': [2, 1],
      'varchar(n)': [6, 5],
    });
    expect(data.findings.filter((f) => /ext_owned|databasechangelog|_prisma_migrations/.test(f.target)).map((f) => f.id)).toEqual([]);
  });

  it('finds tables without a primary key and promotes a unique index only when USING INDEX can take it', () => {
    expect(targets(data, 'missing_primary_key')).toEqual([
      '"Ödd Schéma"."Kéy ""less"""',
      'app.desc_unique',
      'app.no_key',
      'app.nullable_unique',
      'app.parted',
      'app.promotable',
      'app.pub_full',
      'app.pub_no_key',
      'app.pub_unique',
      'app.uq_constraint',
    ]);
    const p = find(data, 'missing_primary_key', 'app.promotable');
    expect(p.up).toBe('ALTER TABLE app.promotable ADD CONSTRAINT promotable_code_region PRIMARY KEY USING INDEX promotable_code_region;');
    expect(p.down).toBe(
      'ALTER TABLE app.promotable DROP CONSTRAINT promotable_code_region;\nCREATE UNIQUE INDEX promotable_code_region ON app.promotable USING btree (code, region);',
    );
    expect(p.keeps).toEqual(['app.promotable_code_region']);
    expect(find(data, 'missing_primary_key', '"Ödd Schéma"."Kéy ""less"""').up).toBe(
      'ALTER TABLE "Ödd Schéma"."Kéy ""less""" ADD CONSTRAINT "Kéy Idx" PRIMARY KEY USING INDEX "Kéy Idx";',
    );
    const uq = find(data, 'missing_primary_key', 'app.uq_constraint');
    expect(uq.up).toBeNull();
    expect(uq.rationale).toContain('belongs to the UNIQUE constraint uq_constraint_email_key');
    expect(uq.evidence.suggested_ddl).toBe(
      'CREATE UNIQUE INDEX CONCURRENTLY uq_constraint_pkey ON app.uq_constraint (email);\n' +
        'ALTER TABLE app.uq_constraint ADD CONSTRAINT uq_constraint_pkey PRIMARY KEY USING INDEX uq_constraint_pkey;',
    );
    expect(find(data, 'missing_primary_key', 'app.desc_unique').rationale).toContain('non-default sort order');
    expect(find(data, 'missing_primary_key', 'app.parted').rationale).toContain('partitioned');
    const noKey = find(data, 'missing_primary_key', 'app.no_key');
    expect(noKey.evidence.suggested_ddl).toBe('ALTER TABLE app.no_key ADD COLUMN row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;');
    expect(noKey.rationale).toContain('rewrites the table');
    expect(find(data, 'missing_primary_key', 'app.nullable_unique').evidence.suggested_ddl).toContain('ADD COLUMN id bigint');
  });

  it('grades a missing primary key by what identifies the rows and whether the table is published', async () => {
    const pk = (t: string) => find(data, 'missing_primary_key', t);
    // a unique index on NOT NULL columns already tells rows apart: info, and the text does not claim duplicates
    const promotable = pk('app.promotable');
    expect(promotable.severity).toBe('info');
    expect(promotable.rationale).toContain('already tells every row apart: no duplicates can creep in, pg_repack can use it');
    expect(promotable.rationale).not.toContain('duplicates can creep in, pg_repack refuses');
    expect(pk('app.uq_constraint').severity).toBe('info');
    // nothing to identify the rows: warning, naming what logical replication would do
    const noKey = pk('app.no_key');
    expect(noKey.severity).toBe('warning');
    expect(noKey.rationale).toContain('as soon as it is published for logical replication, every UPDATE and DELETE on it fails on the primary');
    expect(noKey.rationale).toContain('pg_repack refuses it (it needs a primary key or a unique index on NOT NULL columns)');
    // published now: its updates fail today
    const published = pk('app.pub_no_key');
    expect(published.severity).toBe('critical');
    expect(published.evidence.publications).toEqual(['pgadv_pub']);
    await rolledBack(db.url, async (c) => {
      await c.query(`INSERT INTO app.pub_no_key VALUES (1, 'a')`);
      await expect(c.query(`UPDATE app.pub_no_key SET b = 'b'`)).rejects.toThrow(/does not have a replica identity/);
    });
    // near misses: REPLICA IDENTITY FULL replicates (warning); a published table with a unique index (info, with the DDL to name it)
    expect(pk('app.pub_full').severity).toBe('warning');
    const unique = pk('app.pub_unique');
    expect(unique.severity).toBe('info');
    expect(unique.rationale).toContain('which this table needs now: it is published (pgadv_pub)');
    expect(unique.evidence.replica_identity_ddl).toBe('ALTER TABLE app.pub_unique REPLICA IDENTITY USING INDEX pub_unique_a;');
  });

  it('the advised identity key is valid DDL', async () => {
    await rolledBack(db.url, async (c) => {
      await c.query(find(data, 'missing_primary_key', 'app.no_key').evidence.suggested_ddl as string);
      const { rows } = await c.query(`SELECT count(*) AS n FROM pg_constraint WHERE conrelid = 'app.no_key'::regclass AND contype = 'p'`);
      expect(rows[0].n).toBe('1');
    });
  });

  it('offers json to jsonb only for a small table nothing else depends on', () => {
    expect(targets(data, 'json_columns')).toEqual([
      'app.big_docs.body',
      'app.docs.body',
      'app.docs_viewed.body',
      'app.dup_docs.body',
      'app.nul_docs.body',
      'app.webhook_events.payload',
    ]);
    const docs = find(data, 'json_columns', 'app.docs.body');
    expect(docs.up).toBe('ALTER TABLE app.docs ALTER COLUMN body TYPE jsonb;');
    expect(docs.down).toBe('ALTER TABLE app.docs ALTER COLUMN body TYPE json;');
    expect(docs.rationale).toContain('rewrites the table');
    expect(docs.evidence.rewrites_table).toBe(true);
    const viewed = find(data, 'json_columns', 'app.docs_viewed.body');
    expect(viewed.up).toBeNull();
    expect((viewed.evidence.dependents as string[]).join()).toContain('app.docs_view');
    const big = find(data, 'json_columns', 'app.big_docs.body');
    expect(big.up).toBeNull();
    expect(Number(big.evidence.table_bytes)).toBeGreaterThan(10 * 1024 * 1024);
    // json is indexable through expressions: the rationale does not say otherwise
    expect(docs.rationale).toContain('single keys can be indexed through expressions');
    expect(docs.rationale).not.toContain('cannot be indexed');
  });

  it('never offers json to jsonb where it would fail or change values, nor where the name says the text is kept verbatim', async () => {
    const nul = find(data, 'json_columns', 'app.nul_docs.body');
    expect(nul.up).toBeNull();
    expect(nul.evidence).toMatchObject({ rows_with_nul_escape: 1 });
    expect(nul.rationale).toContain('1 row contains the \\u0000 escape, which jsonb rejects');
    // it would have failed: the conversion the check refuses to offer
    await rolledBack(db.url, async (c) => {
      await expect(c.query('ALTER TABLE app.nul_docs ALTER COLUMN body TYPE jsonb')).rejects.toThrow(/unsupported Unicode escape sequence/);
    });
    const dup = find(data, 'json_columns', 'app.dup_docs.body');
    expect(dup.up).toBeNull();
    expect(dup.evidence).toMatchObject({ rows_with_duplicate_keys: 1, rows_with_nul_escape: 0 });
    const hook = find(data, 'json_columns', 'app.webhook_events.payload');
    expect(hook.up).toBeNull();
    expect(hook.evidence).toMatchObject({ exact_text_name: true });
    expect(hook.rationale).toContain('keep json and index the keys you query through expressions');
    // the near miss: small, nothing depends on it, values checked
    expect(find(data, 'json_columns', 'app.docs.body').evidence).toMatchObject({ rows_with_nul_escape: 0, rows_with_duplicate_keys: 0 });
  });

  it('reports timestamp columns per table as advice, naming the views in the way', () => {
    expect(targets(data, 'timestamp_without_time_zone')).toEqual(['app.stamps']);
    const f = find(data, 'timestamp_without_time_zone', 'app.stamps');
    expect(f.title).toBe('2 timestamp without time zone columns');
    expect(f.up).toBeNull();
    expect(f.evidence.columns).toEqual(['created', 'updated']);
    expect((f.evidence.views as string[]).join()).toContain('app.stamps_view');
    expect(f.evidence.ddl_if_values_are_utc).toBe(
      "BEGIN;\nSET LOCAL TimeZone = 'UTC';\nALTER TABLE app.stamps ALTER COLUMN created TYPE timestamptz, ALTER COLUMN updated TYPE timestamptz;\nCOMMIT;",
    );
  });

  it('reports varchar(n) per table; the advised DDL keeps each limit without a rewrite or an index rebuild', async () => {
    // the foreign-key fixtures' varchar columns are reported here too
    expect(targets(data, 'varchar_limits')).toEqual(['"Ödd Schéma"."Wörds"', 'app.code_refs', 'app.codes', 'app.named_refs', 'app.short_keys']);
    const f = find(data, 'varchar_limits', '"Ödd Schéma"."Wörds"');
    expect(f.up).toBeNull();
    expect(f.evidence.columns).toEqual(['"Nämé" varchar(40)', 'code varchar(3)']);
    const files = `SELECT relfilenode FROM pg_class WHERE oid IN ('"Ödd Schéma"."Wörds"'::regclass, '"Ödd Schéma"."Wörds nämé"'::regclass) ORDER BY oid`;
    await rolledBack(db.url, async (c) => {
      const before = (await c.query(files)).rows;
      for (const s of splitStatements(f.evidence.ddl as string, 'varchar ddl')) await c.query(s.sql);
      expect((await c.query(files)).rows).toEqual(before);
      const types = await c.query(`SELECT count(*) AS n FROM pg_attribute WHERE attrelid = '"Ödd Schéma"."Wörds"'::regclass AND atttypid = 'varchar'::regtype AND atttypmod > 0`);
      expect(types.rows[0].n).toBe('0');
      await c.query('SAVEPOINT s');
      await expect(c.query(`INSERT INTO "Ödd Schéma"."Wörds" (id, code) VALUES (2, 'abcd')`)).rejects.toThrow(/code_max_length/);
      await c.query('ROLLBACK TO SAVEPOINT s');
    });
  });

  it('converts serial columns to identity when nothing else uses the sequence', () => {
    expect(targets(data, 'serial_columns')).toEqual([
      '"Ödd Schéma"."Sérial"."Ïd"',
      'app.int_from_bigseq.id',
      'app.nullable_serial.id',
      'app.parted.id',
      'app.serial_t.id',
      'app.shared_a.id',
      'app.shared_b.id',
      'app.too_wide_t.id',
    ]);
    const offered = findingsOf(data, 'serial_columns').filter((f) => f.up).map((f) => f.target).sort();
    expect(offered).toEqual(['"Ödd Schéma"."Sérial"."Ïd"', 'app.int_from_bigseq.id', 'app.serial_t.id']);
    expect(find(data, 'serial_columns', 'app.int_from_bigseq.id').up).toContain(
      'ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME app.bigseq_for_int START WITH 1 INCREMENT BY 1 CACHE 1 NO CYCLE);',
    );
    expect(find(data, 'serial_columns', 'app.int_from_bigseq.id').down).toContain(
      'CREATE SEQUENCE app.bigseq_for_int_pgadvisor_old AS bigint START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE;',
    );
    expect(find(data, 'serial_columns', 'app.too_wide_t.id').rationale).toContain('bounds do not fit');
    expect(find(data, 'serial_columns', 'app.nullable_serial.id').rationale).toContain('allows NULL');
    expect(find(data, 'serial_columns', 'app.shared_a.id').rationale).toContain('something other than');
    expect(find(data, 'serial_columns', 'app.parted.id').rationale).toContain('PostgreSQL 17');
    const odd = find(data, 'serial_columns', '"Ödd Schéma"."Sérial"."Ïd"');
    expect(odd.evidence.owned_by_column).toBe(false);
    expect(odd.down).not.toContain('OWNED BY');
    expect(odd.down).toContain(`COMMENT ON SEQUENCE "Ödd Schéma"."Séq" IS 'ids for Sérial';`);
    expect(odd.down).toContain('GRANT SELECT, USAGE ON SEQUENCE "Ödd Schéma"."Séq" TO PUBLIC;');
  });

  it('the identity conversion continues the sequence, and its rollback restores default, grants and position', async () => {
    const serial = find(data, 'serial_columns', 'app.serial_t.id');
    expect(serial.up).toContain('ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME app.serial_t_id_seq START WITH 1 INCREMENT BY 1 CACHE 1 NO CYCLE);');
    const odd = find(data, 'serial_columns', '"Ödd Schéma"."Sérial"."Ïd"');
    const acl = async () => (await db.exec(`SELECT relacl::text AS acl FROM pg_class WHERE oid = '"Ödd Schéma"."Séq"'::regclass`)).rows[0].acl;
    const aclBefore = await acl();
    await apply(db, serial, 'up');
    await apply(db, odd, 'up');
    expect((await db.exec(`INSERT INTO app.serial_t (v) VALUES (4) RETURNING id`)).rows[0].id).toBe(4);
    const ident = await db.exec(`SELECT attidentity FROM pg_attribute WHERE attrelid = 'app.serial_t'::regclass AND attname = 'id'`);
    expect(ident.rows[0].attidentity).toBe('d');
    await apply(db, serial, 'down');
    await apply(db, odd, 'down');
    expect((await db.exec(`INSERT INTO app.serial_t (v) VALUES (5) RETURNING id`)).rows[0].id).toBe(5);
    expect(await acl()).toBe(aclBefore);
    await db.exec('DELETE FROM app.serial_t WHERE v >= 4');
  });

  it('reports child tables whose children are deleted by hand before their parent, listing each key\'s choices; never CASCADE towards a lookup table', async () => {
    // order_audit (RESTRICT, no deletes) and memberships (parents deleted only while childless) are near misses
    expect(targets(data, 'fk_delete_rule')).toEqual(['"Ödd Schéma"."Li nes"', 'app.item_kinds', 'app.order_lines']);
    const lines = find(data, 'fk_delete_rule', 'app.order_lines');
    expect(lines.severity).toBe('info');
    expect(lines.up).toBeNull();
    expect(lines.rationale).toContain('refuses to delete a parent that still has children');
    expect(lines.rationale).not.toMatch(/no (ON DELETE )?decision/i);
    expect(lines.evidence.foreign_keys).toEqual([
      expect.objectContaining({ constraint: 'order_lines_order_id_fkey', on_delete: 'NO ACTION', identifies_child: true, parent_deletes: 1 }),
    ]);
    const f = find(data, 'fk_delete_rule', '"Ödd Schéma"."Li nes"');
    const [fk] = f.evidence.foreign_keys as { ddl_cascade: string; choices: string[] }[];
    expect(fk.ddl_cascade).toBe(
      'ALTER TABLE "Ödd Schéma"."Li nes" DROP CONSTRAINT "fk Ördér", ADD CONSTRAINT "fk Ördér" FOREIGN KEY ("Ördér") REFERENCES app.orders(id) ' +
        'ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;\n' +
        'ALTER TABLE "Ödd Schéma"."Li nes" VALIDATE CONSTRAINT "fk Ördér";',
    );
    expect(fk.choices).toEqual(['CASCADE: the children go with their parent', 'keep: deleting a parent with children is an error']);
    await rolledBack(db.url, async (c) => {
      for (const s of splitStatements(fk.ddl_cascade, 'fk ddl')) await c.query(s.sql);
      const { rows } = await c.query(`SELECT confdeltype, confupdtype, condeferred, convalidated FROM pg_constraint WHERE conname = 'fk Ördér'`);
      expect(rows[0]).toEqual({ confdeltype: 'c', confupdtype: 'c', condeferred: true, convalidated: true });
    });
    // the link table: CASCADE DDL for the key to items (deleted, with their links), none for the lookup table kinds
    const link = find(data, 'fk_delete_rule', 'app.item_kinds');
    const keys = link.evidence.foreign_keys as { constraint: string; parent: string; ddl_cascade: string | null; choices: string[] }[];
    expect(keys.map((k) => [k.parent, Boolean(k.ddl_cascade)])).toEqual([
      ['app.items', true],
      ['app.kinds', false],
    ]);
    expect(keys[1].choices).toEqual(['keep: deleting a parent with children is an error']);
    expect(JSON.stringify(link.evidence)).not.toMatch(/REFERENCES app\.kinds\(id\) ON DELETE CASCADE/);
    expect(link.evidence.lock).toMatchObject({ mode: 'ACCESS EXCLUSIVE', on: ['app.item_kinds', 'app.items'] });
  });

  it('finds NOT VALID constraints on tables and domains', () => {
    expect(targets(data, 'not_valid_constraints')).toEqual(['app.checked.qty_positive', 'app.pos.pos_check', 'app.refs."refs Order"']);
    const chk = find(data, 'not_valid_constraints', 'app.checked.qty_positive');
    expect(chk.up).toBe('ALTER TABLE app.checked VALIDATE CONSTRAINT qty_positive;');
    expect(chk.down).toBe(
      "ALTER TABLE app.checked DROP CONSTRAINT qty_positive, ADD CONSTRAINT qty_positive CHECK ((qty > 0)) NOT VALID;\nCOMMENT ON CONSTRAINT qty_positive ON app.checked IS 'must be positive';",
    );
    expect(find(data, 'not_valid_constraints', 'app.pos.pos_check').up).toBe('ALTER DOMAIN app.pos VALIDATE CONSTRAINT pos_check;');
  });

  it('finds money columns as advice with the table size', () => {
    expect(targets(data, 'money_columns')).toEqual(['app.prices.amount']);
    const f = find(data, 'money_columns', 'app.prices.amount');
    expect(f.up).toBeNull();
    expect(f.evidence.ddl).toBe('ALTER TABLE app.prices ALTER COLUMN amount TYPE numeric(19,2) USING amount::numeric;');
    expect(f.evidence.table_size).toMatch(/bytes|kB/);
  });

  it('foreign key columns narrower than their key are widened; other mismatches and columns a view uses are advice', async () => {
    expect(targets(data, 'fk_type_mismatch')).toEqual([
      'app.code_refs.code_refs_code_fkey',
      'app.named_refs.named_refs_name_fkey',
      'app.short_refs.short_refs_k_fkey',
      'app.small_refs.small_refs_parent_id_fkey',
      'app.viewed_refs.viewed_refs_parent_id_fkey',
    ]);
    const int = find(data, 'fk_type_mismatch', 'app.small_refs.small_refs_parent_id_fkey');
    expect(int.severity).toBe('warning');
    expect(int.up).toBe('ALTER TABLE app.small_refs ALTER COLUMN parent_id TYPE bigint;');
    expect(int.down).toBe('ALTER TABLE app.small_refs ALTER COLUMN parent_id TYPE integer;');
    expect(int.evidence.lock).toMatchObject({ mode: 'ACCESS EXCLUSIVE', held: 'rewrite' });
    expect(int.evidence.rewrites_table).toBe(true);
    const len = find(data, 'fk_type_mismatch', 'app.code_refs.code_refs_code_fkey');
    expect(len.up).toBe('ALTER TABLE app.code_refs ALTER COLUMN code TYPE character varying(100);');
    expect(len.evidence.lock).toMatchObject({ held: 'brief' });
    expect(find(data, 'fk_type_mismatch', 'app.named_refs.named_refs_name_fkey').up).toBe('ALTER TABLE app.named_refs ALTER COLUMN name TYPE text;');
    // wider than its key: advice
    const wide = find(data, 'fk_type_mismatch', 'app.short_refs.short_refs_k_fkey');
    expect(wide).toMatchObject({ severity: 'info', up: null });
    // a view uses the column: advice naming it
    const viewed = find(data, 'fk_type_mismatch', 'app.viewed_refs.viewed_refs_parent_id_fkey');
    expect(viewed.up).toBeNull();
    expect((viewed.evidence.dependents as string[]).join()).toContain('app.viewed_refs_v');
    // the widened column holds a key past the integer range
    await rolledBack(db.url, async (c) => {
      await c.query(int.up!);
      await c.query('INSERT INTO app.big_parents VALUES (3000000000)');
      await c.query('INSERT INTO app.small_refs VALUES (1, 3000000000)');
    });
  });

  it('char(n) columns per table, as advice with the conversion that keeps each length', () => {
    expect(targets(data, 'char_columns')).toEqual(['app.fixed']);
    const f = find(data, 'char_columns', 'app.fixed');
    expect(f.evidence.columns).toEqual(['code char(3)', 'flag char(1)']);
    expect(f.up).toBeNull();
    expect(String(f.evidence.ddl)).toContain('ALTER COLUMN code TYPE text, ADD CONSTRAINT code_max_length CHECK (char_length(code) <= 3) NOT VALID');
  });

  it('a nullable foreign key that holds no NULL in the sample; one with NULLs is a near miss; the advised DDL works', async () => {
    expect(targets(data, 'fk_nullable_never_null')).toEqual(['app.books.author_id']);
    const f = find(data, 'fk_nullable_never_null', 'app.books.author_id');
    await rolledBack(db.url, async (c) => {
      for (const st of splitStatements(f.evidence.ddl as string, 'not null')) await c.query(st.sql);
      const { rows } = await c.query(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'app.books'::regclass AND attname = 'author_id'`);
      expect(rows[0].attnotnull).toBe(true);
    });
  });

  it('names cut at 63 bytes; a 62-byte name and names PostgreSQL generated itself are near misses', () => {
    expect(targets(data, 'names_at_limit')).toEqual(['app.customer_subscription_renewal_reminder_notification_preferences']);
  });

  it('UNIQUE constraints on the primary key\'s columns: dropped, foreign keys re-pointed in order; another column order is advice', async () => {
    expect(targets(data, 'redundant_unique_constraints')).toEqual(['app.grid.grid_b_a_key', 'app.labels.labels_id_uniq', 'app.plans.plans_id_key']);
    expect(find(data, 'redundant_unique_constraints', 'app.grid.grid_b_a_key').up).toBeNull();
    const plans = find(data, 'redundant_unique_constraints', 'app.plans.plans_id_key');
    expect(plans.up!.split('\n')).toEqual([
      'ALTER TABLE app.subscriptions DROP CONSTRAINT subscriptions_plan_id_fkey;',
      'ALTER TABLE app.plans DROP CONSTRAINT plans_id_key;',
      'ALTER TABLE app.subscriptions ADD CONSTRAINT subscriptions_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES app.plans(id) NOT VALID;',
      'ALTER TABLE app.subscriptions VALIDATE CONSTRAINT subscriptions_plan_id_fkey;',
    ]);
    expect(plans.evidence.lock).toMatchObject({ mode: 'ACCESS EXCLUSIVE', on: ['app.plans', 'app.subscriptions'] });
    // the foreign key really uses the constraint's index: dropping it alone fails
    await rolledBack(db.url, async (c) => {
      await expect(c.query('ALTER TABLE app.plans DROP CONSTRAINT plans_id_key')).rejects.toThrow(/other objects depend on it/);
    });
    // the rollback restores the comment
    expect(find(data, 'redundant_unique_constraints', 'app.labels.labels_id_uniq').down).toContain("COMMENT ON CONSTRAINT labels_id_uniq ON app.labels IS 'kept by the rollback';");
  });

  it('columns named like references without a foreign key, with a confidence; polymorphic and unmatched names are near misses', () => {
    expect(targets(data, 'missing_foreign_keys')).toEqual(['app.invoices.category_id', 'app.invoices.customer_id', 'app.visits.customer_id']);
    // declared on each partition but not on the partitioned table: a partition added later gets none
    const visits = find(data, 'missing_foreign_keys', 'app.visits.customer_id');
    expect(visits.title).toBe('Every partition of app.visits declares a foreign key on customer_id, the partitioned table does not');
    expect(visits.evidence).toMatchObject({ confidence: 'high', partitions: { leaves: 2, with_key: 2 } });
    const high = find(data, 'missing_foreign_keys', 'app.invoices.customer_id');
    expect(high.evidence).toMatchObject({ confidence: 'high', references: 'app.customers(id)' });
    expect(high.evidence.ddl).toBe(
      'ALTER TABLE app.invoices ADD CONSTRAINT invoices_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES app.customers (id) NOT VALID;\n' +
        'ALTER TABLE app.invoices VALIDATE CONSTRAINT invoices_customer_id_fkey;',
    );
    expect(find(data, 'missing_foreign_keys', 'app.invoices.category_id').evidence).toMatchObject({ confidence: 'medium' });
  });

  it('sends one statement per cell however large the catalog', () => expectOneStatementPerCell(db.url, 'schema-integrity', data.playbooks[0].runs.length));

  it('finding ids are stable across runs', async () => {
    const again = await runPlaybook(db.url, ['schema-integrity']);
    expect(again.findings.map((f) => f.id).sort()).toEqual(data.findings.map((f) => f.id).sort());
  });

  it('the accepted findings as one migration apply with psql, and its rollback restores the schema', async () => {
    await migrateAndRollBack(db, data);
  });

  it('each finding up then down restores the identical schema, and up applies again', async () => {
    const withSql = data.findings.filter((f) => f.up);
    expect(withSql.map((f) => f.check).sort()).toEqual([
      'fk_type_mismatch',
      'fk_type_mismatch',
      'fk_type_mismatch',
      'json_columns',
      'missing_primary_key',
      'missing_primary_key',
      'missing_primary_key',
      'not_valid_constraints',
      'not_valid_constraints',
      'not_valid_constraints',
      'redundant_unique_constraints',
      'redundant_unique_constraints',
      'serial_columns',
      'serial_columns',
      'serial_columns',
    ]);
    await expectEachFindingRoundTrips(db, withSql);
  });
});
