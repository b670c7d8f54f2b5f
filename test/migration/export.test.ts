// File layouts and contents of every export format, squawk over every exported SQL file, atomic writes.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/commands/export.ts';
import { EXPORT_FORMATS, exportMigration } from '../../src/migration/export/index.ts';
import { serializeSnapshot } from '../../src/snapshot/io.ts';
import { DECISIONS, decide, fixtureSnapshot } from './fixture.ts';

const run = promisify(execFile);
const SQUAWK = new URL('../../node_modules/.bin/squawk', import.meta.url).pathname;

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-export-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

async function exportTo(format: string, opts = {}): Promise<{ dir: string; paths: string[] }> {
  const dir = await fs.mkdtemp(path.join(tmp, `${format}-`));
  const paths = await exportMigration(fixtureSnapshot(), format, dir, opts);
  return { dir, paths };
}

const read = (dir: string, rel: string) => fs.readFile(path.join(dir, rel), 'utf8');

describe('file layouts', () => {
  it('sql: NAME.up.sql and NAME.down.sql', async () => {
    const { dir, paths } = await exportTo('sql', { name: 'shop fixes' });
    expect(await listFiles(dir)).toEqual(['shop_fixes.down.sql', 'shop_fixes.up.sql']);
    expect(paths.map((p) => path.relative(dir, p)).sort()).toEqual(['shop_fixes.down.sql', 'shop_fixes.up.sql']);
    expect(await read(dir, 'shop_fixes.up.sql')).toMatch(/^-- pgadvisor migration shop fixes\n/);
  });

  it('node-pg-migrate: one JS module per part, consecutive 17-digit UTC prefixes from takenAt', async () => {
    const { dir } = await exportTo('node-pg-migrate');
    expect(await listFiles(dir)).toEqual([
      'migrations/20260301123456789_pgadvisor_shop_extensions.js',
      'migrations/20260301123457789_pgadvisor_shop_concurrent_creates.js',
      'migrations/20260301123458789_pgadvisor_shop_changes.js',
      'migrations/20260301123459789_pgadvisor_shop_validations.js',
      'migrations/20260301123500789_pgadvisor_shop_concurrent_drops.js',
      'migrations/20260301123501789_pgadvisor_shop_maintenance.js',
    ]);
    const extensions = await read(dir, 'migrations/20260301123456789_pgadvisor_shop_extensions.js');
    expect(extensions).not.toContain('noTransaction');
    expect(extensions).toContain('pgm.sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA \\"extensions\\"");');
    const creates = await read(dir, 'migrations/20260301123457789_pgadvisor_shop_concurrent_creates.js');
    expect(creates).toContain(
      `exports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.sql("SET lock_timeout = '5s';");\n  pgm.sql("SET statement_timeout = 0;");\n`,
    );
    expect(creates).toContain('pgm.sql("CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON public.orders USING btree (user_id)");');
    expect(creates).toContain('exports.down = (pgm) => {\n  pgm.noTransaction();');
    const changes = await read(dir, 'migrations/20260301123458789_pgadvisor_shop_changes.js');
    expect(changes).not.toContain('noTransaction');
    expect(changes).toContain(`pgm.sql("SET LOCAL lock_timeout = '5s';");`);
    expect(changes).toContain('pgm.sql("ALTER TABLE \\"Sales Ünit\\".\\"Order \\"\\"Items\\"\\" ✓\\" SET (');
    const validations = await read(dir, 'migrations/20260301123459789_pgadvisor_shop_validations.js');
    expect(validations).toContain('pgm.noTransaction();\n  pgm.sql("BEGIN");');
    expect(validations).toContain('exports.down = () => {};');
  });

  it('prisma: one folder per migration, each CONCURRENTLY statement alone, down.sql and README beside it', async () => {
    const { dir } = await exportTo('prisma');
    const root = 'prisma/migrations/';
    const folders = [
      '20260301123457_pgadvisor_shop_concurrent_creates',
      '20260301123459_pgadvisor_shop_changes',
      '20260301123500_pgadvisor_shop_validations',
      '20260301123501_pgadvisor_shop_concurrent_drops',
      '20260301123456_pgadvisor_shop_extensions',
      '20260301123458_pgadvisor_shop_concurrent_creates',
      '20260301123502_pgadvisor_shop_concurrent_drops',
      '20260301123503_pgadvisor_shop_maintenance',
    ];
    expect(await listFiles(dir)).toEqual([...folders].sort().flatMap((f) => ['README.md', 'down.sql', 'migration.sql'].map((n) => `${root}${f}/${n}`)));
    const cic = await read(dir, `${root}${folders[0]}/migration.sql`);
    const statements = cic.split('\n').filter((l) => l && !l.startsWith('--'));
    expect(statements).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON public.orders USING btree (user_id);']);
    expect(cic).toContain('-- squawk-ignore require-lock-timeout, require-statement-timeout\nCREATE INDEX CONCURRENTLY');
    const drop1 = await read(dir, `${root}${folders[3]}/migration.sql`);
    expect(drop1.split('\n').filter((l) => l && !l.startsWith('--'))).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS "Sales Ünit"."Dup ""Idx"" é 2";']);
    expect(await read(dir, `${root}${folders[3]}/down.sql`)).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS "Dup ""Idx"" é 2"');
    expect(await read(dir, `${root}${folders[1]}/migration.sql`)).toContain("BEGIN;\nSET LOCAL lock_timeout = '5s';");
    const readme = await read(dir, `${root}${folders[0]}/README.md`);
    expect(readme).toContain('Prisma Migrate has no down migrations');
    expect(readme).toContain(`prisma migrate resolve --rolled-back ${folders[0]}`);
  });

  it('flyway: V and U per version, .sql.conf with executeInTransaction=false outside transactions', async () => {
    const { dir } = await exportTo('flyway');
    const names = [
      ['20260301123456__pgadvisor_shop_extensions', false],
      ['20260301123457__pgadvisor_shop_concurrent_creates', true],
      ['20260301123458__pgadvisor_shop_changes', false],
      ['20260301123459__pgadvisor_shop_validations', false],
      ['20260301123500__pgadvisor_shop_concurrent_drops', true],
      ['20260301123501__pgadvisor_shop_maintenance', true],
    ] as const;
    const expected = names.flatMap(([n, conf]) => ['U', 'V'].flatMap((p) => [`${p}${n}.sql`, ...(conf ? [`${p}${n}.sql.conf`] : [])]));
    expect(await listFiles(dir)).toEqual(expected.sort());
    expect(await read(dir, 'V20260301123457__pgadvisor_shop_concurrent_creates.sql.conf')).toBe('executeInTransaction=false\n');
    const changes = await read(dir, 'V20260301123458__pgadvisor_shop_changes.sql');
    expect(changes).not.toContain('BEGIN');
    expect(changes).toContain("SET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '60s';");
    expect(await read(dir, 'U20260301123458__pgadvisor_shop_changes.sql')).toContain('ALTER TABLE public.users DISABLE ROW LEVEL SECURITY;');
    expect(await read(dir, 'U20260301123456__pgadvisor_shop_extensions.sql')).toMatch(/DROP EXTENSION IF EXISTS pg_trgm;\n\n.*\nDROP SCHEMA IF EXISTS "extensions";/);
  });

  it('golang-migrate: <version>_<name>.up.sql/.down.sql, one CONCURRENTLY statement per file', async () => {
    const { dir } = await exportTo('golang-migrate');
    const files = await listFiles(dir);
    expect(files).toHaveLength(16);
    expect(files.filter((f) => f.endsWith('.up.sql'))).toEqual([
      '20260301123456_pgadvisor_shop_extensions.up.sql',
      '20260301123457_pgadvisor_shop_concurrent_creates.up.sql',
      '20260301123458_pgadvisor_shop_concurrent_creates.up.sql',
      '20260301123459_pgadvisor_shop_changes.up.sql',
      '20260301123500_pgadvisor_shop_validations.up.sql',
      '20260301123501_pgadvisor_shop_concurrent_drops.up.sql',
      '20260301123502_pgadvisor_shop_concurrent_drops.up.sql',
      '20260301123503_pgadvisor_shop_maintenance.up.sql',
    ]);
    for (const f of files.filter((f) => /concurrent/.test(f))) {
      const stmts = (await read(dir, f)).split('\n').filter((l) => l && !l.startsWith('--'));
      expect(stmts, f).toHaveLength(1);
      expect(stmts[0], f).toMatch(/^(CREATE|DROP) INDEX CONCURRENTLY IF (NOT )?EXISTS /);
    }
    // the validations version has nothing to undo
    expect(await read(dir, '20260301123500_pgadvisor_shop_validations.down.sql')).toContain('-- nothing to undo in this version');
  });

  it('sqitch: plan created with dependent changes, deploy/revert/verify per change', async () => {
    const { dir } = await exportTo('sqitch');
    const changes = ['01_extensions', '02_concurrent_creates', '03_changes', '04_validations', '05_concurrent_drops', '06_maintenance'].map((c) => `pgadvisor_shop_${c}`);
    expect(await listFiles(dir)).toEqual(
      [...['deploy', 'revert', 'verify'].flatMap((d) => changes.map((c) => `${d}/${c}.sql`)), 'sqitch.plan'].sort(),
    );
    const plan = await read(dir, 'sqitch.plan');
    const lines = plan.split('\n');
    expect(lines.slice(0, 3)).toEqual(['%syntax-version=1.0.0', '%project=pgadvisor_shop', '']);
    expect(lines[3]).toMatch(/^pgadvisor_shop_01_extensions 2026-03-01T12:34:56Z pgadvisor <pgadvisor@localhost> # /);
    expect(lines[4]).toMatch(/^pgadvisor_shop_02_concurrent_creates \[pgadvisor_shop_01_extensions\] 2026-03-01T12:34:57Z pgadvisor <pgadvisor@localhost> # /);
    expect(await read(dir, 'deploy/pgadvisor_shop_03_changes.sql')).toContain('BEGIN;\nSET LOCAL lock_timeout');
    expect(await read(dir, 'deploy/pgadvisor_shop_02_concurrent_creates.sql')).not.toContain('BEGIN');
    expect(await read(dir, 'verify/pgadvisor_shop_01_extensions.sql')).toContain("SELECT 1/COUNT(*) FROM pg_catalog.pg_extension WHERE extname = 'pg_trgm';");
    expect(await read(dir, 'verify/pgadvisor_shop_03_changes.sql')).toMatch(/SELECT 1\/COUNT\(\*\) FROM pg_catalog.pg_description WHERE objoid = to_regclass\('public.orders_user_id_idx'\)/);
    const verify = await read(dir, 'verify/pgadvisor_shop_02_concurrent_creates.sql');
    expect(verify).toContain(
      "SELECT 1/COUNT(*) FROM pg_catalog.pg_index WHERE indexrelid = to_regclass('public.orders_user_id_idx') AND indisvalid;",
    );
    expect(await read(dir, 'verify/pgadvisor_shop_05_concurrent_drops.sql')).toContain(
      `SELECT 1/(COUNT(*) = 0)::int FROM pg_catalog.pg_class WHERE oid = to_regclass('"Sales Ünit"."Dup ""Idx"" é 2"');`,
    );
  });

  it('sqitch: appends to an existing plan, and refuses a change name it already has', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'sqitch-append-'));
    const before = '%syntax-version=1.0.0\n%project=shop\n\nusers 2025-01-01T00:00:00Z Ann <ann@example.com> # users table';
    await fs.writeFile(path.join(dir, 'sqitch.plan'), before);
    await exportMigration(fixtureSnapshot(), 'sqitch', dir);
    const plan = await read(dir, 'sqitch.plan');
    expect(plan.startsWith(`${before}\npgadvisor_shop_01_extensions `)).toBe(true);
    expect(plan.trimEnd().split('\n')).toHaveLength(10);
    await expect(exportMigration(fixtureSnapshot(), 'sqitch', dir)).rejects.toThrow(
      'sqitch.plan already has a change named pgadvisor_shop_01_extensions: export under another --name',
    );
    expect(await read(dir, 'sqitch.plan')).toBe(plan);
  });

  it('is deterministic: exporting twice gives the same bytes', async () => {
    for (const format of EXPORT_FORMATS) {
      const a = await exportTo(format);
      const b = await exportTo(format);
      const files = await listFiles(a.dir);
      expect(await listFiles(b.dir)).toEqual(files);
      for (const f of files) expect(await read(b.dir, f), `${format} ${f}`).toBe(await read(a.dir, f));
    }
  });
});

describe('squawk 2.66 over every exported SQL file', () => {
  it.each(EXPORT_FORMATS.filter((f) => f !== 'node-pg-migrate'))('%s lints clean', async (format) => {
    const { dir } = await exportTo(format);
    const sql = (await listFiles(dir)).filter((f) => f.endsWith('.sql')).map((f) => path.join(dir, f));
    expect(sql.length).toBeGreaterThan(1);
    const result = await run(SQUAWK, ['--reporter', 'gcc', ...sql]).catch((e) => e as { stdout: string; code: number });
    expect(result.stdout).toBe('');
    expect((result as { code?: number }).code ?? 0).toBe(0);
  });

  it('flags what it should: the oracle is live', async () => {
    const bad = path.join(tmp, 'bad.sql');
    await fs.writeFile(bad, 'CREATE INDEX i ON t (a);\n');
    const result = await run(SQUAWK, ['--reporter', 'gcc', bad]).catch((e) => e as { stdout: string });
    expect(result.stdout).toContain('require-concurrent-index-creation');
  });
});

describe('writes', () => {
  it('an unwritable --out is a one-line error and leaves nothing behind', async () => {
    const blocker = path.join(tmp, 'a-file');
    await fs.writeFile(blocker, 'x');
    await expect(exportMigration(fixtureSnapshot(), 'prisma', path.join(blocker, 'out'))).rejects.toThrow(
      /^cannot write to .*a-file\/out: a parent is not a directory$/,
    );
    expect(await fs.readFile(blocker, 'utf8')).toBe('x');
  });

  it('refuses to overwrite a different file and writes none of the others', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'clash-'));
    const rel = '20260301123459_pgadvisor_shop_changes.up.sql';
    await fs.writeFile(path.join(dir, rel), 'someone else’s migration\n');
    await expect(exportMigration(fixtureSnapshot(), 'golang-migrate', dir)).rejects.toThrow(`refusing to overwrite ${path.join(dir, rel)}`);
    expect(await listFiles(dir)).toEqual([rel]);
  });

  it('re-exporting the same snapshot into the same place is a no-op, not a clash', async () => {
    const { dir } = await exportTo('flyway');
    const before = await listFiles(dir);
    await exportMigration(fixtureSnapshot(), 'flyway', dir);
    expect(await listFiles(dir)).toEqual(before);
  });

  it('a conflicting accepted set writes nothing', async () => {
    const dir = path.join(tmp, 'conflict-out');
    const snapshot = fixtureSnapshot({ decisions: { ...DECISIONS, 'indexes/unused_indexes/public.users.users_email_idx': decide('accepted') } });
    await expect(exportMigration(snapshot, 'sql', dir)).rejects.toThrow(/^conflicting accepted findings: /);
    await expect(fs.stat(dir)).rejects.toThrow();
  });
});

describe('export command', () => {
  const capture = () => {
    let text = '';
    return { out: { write: (t: string) => (text += t) }, text: () => text };
  };

  it('prints the written paths', async () => {
    const file = path.join(tmp, 'snap.json');
    await fs.writeFile(file, serializeSnapshot(fixtureSnapshot()));
    const out = path.join(tmp, 'cmd-out');
    const c = capture();
    expect(await exportCommand({ file, format: 'sql', out }, c.out)).toBe(0);
    expect(c.text()).toBe(`${path.join(out, 'pgadvisor_shop.up.sql')}\n${path.join(out, 'pgadvisor_shop.down.sql')}\n`);
  });

  it('an unknown format or unreadable snapshot is one line on stderr', async () => {
    const lines: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((t: string) => (lines.push(t), true)) as typeof process.stderr.write;
    try {
      const c = capture();
      expect(await exportCommand({ file: 'x.json', format: 'liquibase', out: tmp }, c.out)).toBe(2);
      expect(await exportCommand({ file: path.join(tmp, 'missing.json'), format: 'sql', out: tmp }, c.out)).toBe(2);
      expect(c.text()).toBe('');
    } finally {
      process.stderr.write = orig;
    }
    expect(lines[0]).toBe(
      'pgadvisor: unknown export format "liquibase"; valid formats: sql, node-pg-migrate, prisma, flyway, golang-migrate, sqitch\n',
    );
    expect(lines[1]).toMatch(/^pgadvisor: cannot read .*missing\.json: no such file\n$/);
  });
});
