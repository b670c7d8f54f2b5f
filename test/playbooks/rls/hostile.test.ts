// Identifiers with spaces, quotes, capitals, unicode and reserved words in every name the checks quote,
// under a database search_path that makes unqualified names resolve: the fixes must still be exact.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../../support/db.ts';
import { targetTable } from '../../../src/playbooks/findings.ts';
import { buildMigration } from '../../../src/migration/build.ts';
import { renderMigrationText } from '../../../src/migration/render.ts';
import { newSnapshot } from '../../../src/snapshot/io.ts';
import { runPlaybook } from '../../support/run.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { allowedAs, byCheck, dropRoles, expectDiscriminating, fixture, newSuffix, rowsOf, targetsOf, visibleRows, type AsUser } from './helpers.ts';

const s = newSuffix();
const reader = `Rôle "Lecteur" ${s}`;
const schema = '"Sch ""é"" Ü"';
const table = `${schema}."Ta ""b"" le 😀 Users"`;
const users: AsUser[] = [
  { role: reader, settings: { 'app.uid_ü': '1', 'app.Tenant_ü': '10' } },
  { role: reader, settings: { 'app.uid_ü': '1', 'app.Tenant_ü': '20', 'app.since_ü': '2024-03-01' } },
  { role: reader, settings: { 'app.uid_ü': '2', 'app.Tenant_ü': '10' } },
  { role: reader, settings: { 'app.uid_ü': '3' } },
  { role: reader },
];
const writes: [AsUser, string][] = [
  [users[0], `INSERT INTO ${table} ("select", "User Id", "Tenant") VALUES (10, 1, 10)`],
  [users[0], `INSERT INTO ${table} ("select", "User Id", "Tenant") VALUES (11, 2, 10)`],
  [users[2], `UPDATE ${table} SET "Created At" = '2024-02-01' WHERE "select" = 3`],
  [users[2], `UPDATE ${table} SET "Tenant" = 20 WHERE "select" = 3`],
];

/** Applies SQL with search_path = pg_catalog only: qualified text must not need the database's path. */
async function applyBare(url: string, statements: string[]): Promise<void> {
  for (const sql of statements) {
    const c = new pg.Client({ connectionString: url, options: '-c search_path=pg_catalog' });
    await c.connect();
    try {
      expect((await c.query('SHOW search_path')).rows[0].search_path).toBe('pg_catalog');
      await c.query(sql);
    } finally {
      await c.end();
    }
  }
}

describe.skipIf(!hasRealServer)('rls-security with hostile identifiers', () => {
  let db: TestDatabase;
  let data: RunResult;

  beforeAll(async () => {
    db = await createDatabase(
      fixture('hostile', s) +
        `\nDO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = %s, public', current_database(), quote_ident('Sch "é" Ü')); END $$;`,
    );
    data = await runPlaybook(db.url, ['rls-security']);
  });
  afterAll(async () => {
    await db?.drop();
    await dropRoles([reader, `Owner Ü ${s}`]);
  });

  it('quotes every name in targets, titles and fixes', () => {
    expect(targetsOf(data, 'per_row_function_calls')).toEqual([`${table}."ALL ""write"" Ü"`, `${table}."Pol ""q"" É 😀 select"`]);
    const select = byCheck(data, 'per_row_function_calls').find((f) => f.target.endsWith('select"'))!;
    expect(select.title).toBe(`Policy "Pol ""q"" É 😀 select" on ${table} calls ${schema}."Current Ü"(), current_setting() once per row`);
    expect(select.up).toBe(
      `ALTER POLICY "Pol ""q"" É 😀 select" ON ${table} USING ((("User Id" = (SELECT ${schema}."Current Ü"())) AND ("Created At" >= COALESCE((NULLIF((SELECT current_setting('app.since_ü'::text, true)), ''::text))::timestamp with time zone, '-infinity'::timestamp with time zone))));`,
    );
    // printed with an empty search_path: the function is qualified although the database's path finds it
    expect(select.down).toContain(`${schema}."Current Ü"()`);
    expect(targetsOf(data, 'security_definer_search_path')).toEqual([`${schema}."Definer ""fn"""(t ${schema}."Tenant Id", "Other Arg" text)`]);
    expect(byCheck(data, 'security_definer_search_path')[0].up).toBe(
      `ALTER FUNCTION ${schema}."Definer ""fn"""(t ${schema}."Tenant Id", "Other Arg" text) SET search_path = ${schema}, public, pg_temp;`,
    );
    expect(targetsOf(data, 'views_bypass_rls')).toEqual([`${schema}."View ""of"" Users"`]);
    expect(targetsOf(data, 'schema_create_public')).toEqual(['"Open ""Schema"" ☃"']);
    expect(byCheck(data, 'policy_columns_unindexed')[0].up).toBe(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "Ta ""b"" le 😀 Users_User Id_idx" ON ${table} ("User Id");`,
    );
    expect(rowsOf(data, 'coverage_matrix')).toContainEqual(
      expect.objectContaining({ schema: 'Sch "é" Ü', table: 'Ta "b" le 😀 Users', select: `"Rôle ""Lecteur"" ${s}" (2)`, delete: `"Rôle ""Lecteur"" ${s}"` }),
    );
  });

  it('rewritten policies show each user the same rows and allow the same writes', async () => {
    const fixes = byCheck(data, 'per_row_function_calls');
    const before = await visibleRows(db.url, users, [table]);
    expectDiscriminating(before, [table]);
    const allowed = await Promise.all(writes.map(([u, sql]) => allowedAs(db.url, u, sql)));
    expect(allowed).toEqual([true, false, true, false]);
    await applyBare(db.url, fixes.map((f) => f.up!));
    expect(await visibleRows(db.url, users, [table])).toEqual(before);
    expect(await Promise.all(writes.map(([u, sql]) => allowedAs(db.url, u, sql)))).toEqual(allowed);
    await applyBare(db.url, fixes.map((f) => f.down!));
  });

  it('every fix applies with a bare search_path and rolls back to the identical schema', async () => {
    const before = await schemaDump(db.url);
    const fixes = data.findings.filter((f) => f.up);
    expect(fixes.map((f) => f.check).sort()).toEqual([
      'owner_not_forced',
      'per_row_function_calls',
      'per_row_function_calls',
      'policy_columns_unindexed',
      'schema_create_public',
      'security_definer_search_path',
      'views_bypass_rls',
    ]);
    for (const f of fixes) {
      await applyBare(db.url, [f.up!]);
      await applyBare(db.url, [f.down!]);
      expect(await schemaDump(db.url), f.id).toBe(before);
    }
  });

  it('accepted as one migration: RLS changes run in per-table transactions, the rollback restores policies and RLS state', async () => {
    const accepted = data.findings.filter((f) => f.up);
    const decisions = Object.fromEntries(accepted.map((f) => [f.id, { state: 'accepted' as const, note: '', at: '2025-01-01T00:00:00.000Z' }]));
    const snap = newSnapshot(data, { toolVersion: 'test', takenAt: '2025-01-01T00:00:00.000Z', demo: false, decisions });
    const migration = buildMigration(snap, { name: 'rls' });
    const up = renderMigrationText(migration, 'up');
    // every transactional change sits inside one of the BEGIN … COMMIT blocks, each with its local lock timeout
    const blocks = up.split('BEGIN;').slice(1).map((b) => b.slice(0, b.indexOf('COMMIT;')));
    expect(blocks.length).toBeGreaterThan(1);
    for (const b of blocks) expect(b).toContain('SET LOCAL lock_timeout');
    for (const f of accepted.filter((x) => !x.up!.includes('CONCURRENTLY'))) expect(blocks.some((b) => b.includes(f.up!)), f.id).toBe(true);
    // one table per transaction
    for (const p of migration.parts.filter((p) => p.transactional)) {
      const tables = new Set(p.statements.map((st) => targetTable(data.findings.find((f) => f.id === st.findingId)!.target)));
      expect(tables.size).toBe(1);
    }

    const dir = await mkdtemp(join(tmpdir(), 'pgadv-rls-'));
    try {
      await writeFile(join(dir, 'up.sql'), up);
      await writeFile(join(dir, 'down.sql'), renderMigrationText(migration, 'down'));
      const before = await schemaDump(db.url);
      await psqlFile(db.url, join(dir, 'up.sql'));
      const applied = await schemaDump(db.url);
      expect(applied).toContain(`ALTER TABLE ONLY ${table} FORCE ROW LEVEL SECURITY;`);
      expect(applied).toContain(`( SELECT ${schema}."Current Ü"() AS "Current Ü")`);
      await psqlFile(db.url, join(dir, 'down.sql'));
      expect(await schemaDump(db.url)).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
