// On the real server: apply each export the way its tool would, roll it back, and compare the schema.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildMigration } from '../../src/migration/build.ts';
import { exportMigration } from '../../src/migration/export/index.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../support/db.ts';
import { fixtureSnapshot, SCHEMA_SQL } from './fixture.ts';
import { asOneQueryString, flywayRunner, golangMigrateRunner, nodePgMigrate, prismaRunner, sqitchRunner, sqlRunner } from './tool-runners.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-apply-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function exportTo(format: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tmp, `${format}-`));
  await exportMigration(fixtureSnapshot(), format, dir);
  return dir;
}

/** What the accepted fixture findings must have done to the schema. */
function expectApplied(dump: string): void {
  expect(dump).toContain('CREATE INDEX orders_user_id_idx ON public.orders USING btree (user_id);');
  expect(dump).toContain('ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);'); // validated
  expect(dump).toContain('ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;');
  expect(dump).toContain('CREATE POLICY "Tenant isolation" ON public.users');
  expect(dump).toContain('CREATE POLICY tenant_read ON public.orders USING ((user_id IS NOT NULL));');
  expect(dump).toContain("WITH (autovacuum_vacuum_scale_factor='0.01', autovacuum_analyze_scale_factor='0.02')");
  expect(dump).not.toContain('users_email_idx_dup');
  expect(dump).not.toContain('"Dup ""Idx"" é 2"');
  expect(dump).toContain('CREATE INDEX "Dup ""Idx"" é" ON "Sales Ünit"."Order ""Items"" ✓"');
  expect(dump).toContain('CREATE INDEX users_email_idx ON public.users');
  // the trigram index, after the extension the migration creates in a schema of its own
  expect(dump).toContain('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;');
  expect(dump).toContain('CREATE INDEX users_email_trgm_idx ON public.users USING gin (email extensions.gin_trgm_ops);');
  expect(dump).toMatch(/COMMENT ON INDEX public\.users_email_trgm_idx IS 'pgadvisor: created for indexes\/workload_indexes\/public\.users\.users_email_trgm_idx from the snapshot of 2026-03-01T12:34:56\.789Z';/);
}

async function invalidIndexes(db: TestDatabase): Promise<number> {
  const { rows } = await db.exec('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid');
  return rows[0].n;
}

describe.skipIf(!hasRealServer)('migrations on the real server', () => {
  // a fresh database per test, so one failure does not cascade
  let db: TestDatabase;
  let original: string;
  beforeEach(async () => {
    db = await createDatabase(SCHEMA_SQL);
    original = await schemaDump(db.url);
  });
  afterEach(async () => {
    await db?.drop();
  });

  async function roundTrip(applyUp: () => Promise<void>, applyDown: () => Promise<void>): Promise<void> {
    expect(await schemaDump(db.url)).toBe(original);
    await applyUp();
    const applied = await schemaDump(db.url);
    expectApplied(applied);
    expect(await invalidIndexes(db)).toBe(0);
    await applyDown();
    expect(await schemaDump(db.url)).toBe(original);
    // and again: the rollback left nothing behind that stops a second run
    await applyUp();
    expect(await schemaDump(db.url)).toBe(applied);
    await applyDown();
    expect(await schemaDump(db.url)).toBe(original);
  }

  it('buildMigration: up with psql, down, identical schema, up again', async () => {
    const m = buildMigration(fixtureSnapshot(), { name: 'shop fixes' });
    const dir = await fs.mkdtemp(path.join(tmp, 'build-'));
    await fs.writeFile(path.join(dir, 'up.sql'), m.up);
    await fs.writeFile(path.join(dir, 'down.sql'), m.down);
    await roundTrip(
      () => psqlFile(db.url, path.join(dir, 'up.sql')),
      () => psqlFile(db.url, path.join(dir, 'down.sql')),
    );
  });

  it('sql export with psql', async () => {
    const r = await sqlRunner(await exportTo('sql'), db.url);
    await roundTrip(r.up, r.down);
  });

  it('node-pg-migrate export with the node-pg-migrate 9 CLI, also in an ESM project', async () => {
    const dir = await exportTo('node-pg-migrate');
    // the user's project may be "type": "module"; node-pg-migrate loads migrations through jiti either way
    await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const tool = nodePgMigrate(dir, db.url);
    const count = (await fs.readdir(tool.migrations)).length;
    expect(count).toBe(6);
    // the bookkeeping table is part of "before" and "after" alike
    await tool.createBookkeeping();
    original = await schemaDump(db.url);
    {
      const up = await tool.cli('up');
      expect(up.stdout).toContain('Migrations complete!');
      const { rows } = await db.exec('SELECT name FROM pgmigrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual((await fs.readdir(tool.migrations)).sort().map((f) => f.replace(/\.js$/, '')));
      const applied = await schemaDump(db.url);
      expectApplied(applied);
      await tool.cli('down', String(count));
      expect(await schemaDump(db.url)).toBe(original);
      expect((await db.exec('SELECT count(*)::int AS n FROM pgmigrations')).rows[0].n).toBe(0);
      // without --single-transaction too
      const r = await tool.runner('--no-single-transaction');
      await r.up();
      expect(await schemaDump(db.url)).toBe(applied);
      await r.down();
      expect(await schemaDump(db.url)).toBe(original);
    }
  });

  it('the one-query-string simulation is faithful: a SET before CONCURRENTLY fails there', async () => {
    await expect(
      asOneQueryString(db.url, "SET lock_timeout = '5s'; CREATE INDEX CONCURRENTLY x_idx ON public.orders (created_at);"),
    ).rejects.toThrow(/cannot run inside a transaction block/);
    await asOneQueryString(db.url, '-- alone\nCREATE INDEX CONCURRENTLY x_idx ON public.orders (created_at);');
    expect(await schemaDump(db.url)).toContain('CREATE INDEX x_idx ON public.orders');
  });

  it('golang-migrate export: each file as one query string (one implicit transaction), versions in order', async () => {
    const r = await golangMigrateRunner(await exportTo('golang-migrate'), db.url);
    await roundTrip(r.up, r.down);
  });

  it('prisma export: each migration.sql as one query string, down.sql newest first', async () => {
    const r = await prismaRunner(await exportTo('prisma'), db.url);
    await roundTrip(r.up, r.down);
  });

  it('flyway export: each V/U file in a transaction unless its .conf says otherwise', async () => {
    const r = await flywayRunner(await exportTo('flyway'), db.url);
    expect(r.versions).toHaveLength(6);
    await roundTrip(r.up, r.down);
  });

  it('sqitch export: deploy, verify, revert through psql in plan order; verify fails when a change is absent', async () => {
    const r = await sqitchRunner(await exportTo('sqitch'), db.url);
    expect(r.changes).toHaveLength(6);
    await roundTrip(r.up, r.down);
    // reverted: every verify that checks something lasting must fail loudly
    for (const c of r.changes.filter((c) => !c.endsWith('maintenance'))) {
      await expect(r.verify(c), c).rejects.toThrow(/division by zero/);
    }
  });
});
