// On the real server: apply each export the way its tool would, roll it back, and compare the schema.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildMigration } from '../../src/migration/build.ts';
import { exportMigration } from '../../src/migration/export/index.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../support/db.ts';
import { fixtureSnapshot, SCHEMA_SQL } from './fixture.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

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

/** One simple-protocol query string: how lib/pq (golang-migrate) and Prisma send a migration file. */
async function asOneQueryString(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function files(dir: string, re: RegExp): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => re.test(f)).sort();
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
    const dir = await exportTo('sql');
    await roundTrip(
      () => psqlFile(db.url, path.join(dir, 'pgadvisor_shop.up.sql')),
      () => psqlFile(db.url, path.join(dir, 'pgadvisor_shop.down.sql')),
    );
  });

  it('node-pg-migrate export with the node-pg-migrate 9 CLI, also in an ESM project', async () => {
    const dir = await exportTo('node-pg-migrate');
    // the user's project may be "type": "module"; node-pg-migrate loads migrations through jiti either way
    await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const migrations = path.join(dir, 'migrations');
    const count = (await fs.readdir(migrations)).length;
    expect(count).toBe(6);
    const cli = (...args: string[]) =>
      run(path.join(ROOT, 'node_modules/.bin/node-pg-migrate'), [...args, '-m', migrations], {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: db.url },
      });
    // the bookkeeping table is part of "before" and "after" alike
    await db.exec('CREATE TABLE public.pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)');
    original = await schemaDump(db.url);
    {
      const up = await cli('up');
      expect(up.stdout).toContain('Migrations complete!');
      const { rows } = await db.exec('SELECT name FROM pgmigrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual((await fs.readdir(migrations)).sort().map((f) => f.replace(/\.js$/, '')));
      const applied = await schemaDump(db.url);
      expectApplied(applied);
      await cli('down', String(count));
      expect(await schemaDump(db.url)).toBe(original);
      expect((await db.exec('SELECT count(*)::int AS n FROM pgmigrations')).rows[0].n).toBe(0);
      // without --single-transaction too
      await cli('up', '--no-single-transaction');
      expect(await schemaDump(db.url)).toBe(applied);
      await cli('down', String(count), '--no-single-transaction');
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
    const dir = await exportTo('golang-migrate');
    const ups = await files(dir, /\.up\.sql$/);
    const downs = (await files(dir, /\.down\.sql$/)).reverse();
    const each = (list: string[]) => async () => {
      for (const f of list) await asOneQueryString(db.url, await fs.readFile(path.join(dir, f), 'utf8'));
    };
    await roundTrip(each(ups), each(downs));
  });

  it('prisma export: each migration.sql as one query string, down.sql newest first', async () => {
    const dir = path.join(await exportTo('prisma'), 'prisma', 'migrations');
    const folders = (await fs.readdir(dir)).sort();
    const each = (list: string[], file: string) => async () => {
      for (const f of list) await asOneQueryString(db.url, await fs.readFile(path.join(dir, f, file), 'utf8'));
    };
    await roundTrip(each(folders, 'migration.sql'), each([...folders].reverse(), 'down.sql'));
  });

  it('flyway export: each V/U file in a transaction unless its .conf says otherwise', async () => {
    const dir = await exportTo('flyway');
    const apply = (list: string[]) => async () => {
      for (const f of list) {
        const conf = await fs.readFile(path.join(dir, `${f}.conf`), 'utf8').catch(() => '');
        if (conf.includes('executeInTransaction=false')) {
          await psqlFile(db.url, path.join(dir, f));
        } else {
          const wrapped = path.join(dir, `.wrapped-${f}`);
          await fs.writeFile(wrapped, `BEGIN;\n${await fs.readFile(path.join(dir, f), 'utf8')}\nCOMMIT;\n`);
          await psqlFile(db.url, wrapped);
        }
      }
    };
    const byVersion = (re: RegExp) => files(dir, re);
    const vs = await byVersion(/^V\d+__.*\.sql$/);
    const us = (await byVersion(/^U\d+__.*\.sql$/)).reverse();
    expect(vs).toHaveLength(6);
    await roundTrip(apply(vs), apply(us));
  });

  it('sqitch export: deploy, verify, revert through psql in plan order; verify fails when a change is absent', async () => {
    const dir = await exportTo('sqitch');
    const plan = await fs.readFile(path.join(dir, 'sqitch.plan'), 'utf8');
    const changes = plan
      .split('\n')
      .filter((l) => l && !l.startsWith('%'))
      .map((l) => l.split(' ')[0]);
    expect(changes).toHaveLength(6);
    const script = (kind: string, c: string) => psqlFile(db.url, path.join(dir, kind, `${c}.sql`));
    await roundTrip(
      async () => {
        for (const c of changes) {
          await script('deploy', c);
          await script('verify', c);
        }
      },
      async () => {
        for (const c of [...changes].reverse()) await script('revert', c);
      },
    );
    // reverted: every verify that checks something lasting must fail loudly
    for (const c of changes.filter((c) => !c.endsWith('maintenance'))) {
      await expect(script('verify', c), c).rejects.toThrow(/division by zero/);
    }
  });
});
