// Applying an export the way its migration tool would, and rolling it back: shared by the export round-trip
// tests. Each runner reads the files an export wrote into `dir`.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { psqlFile } from '../support/db.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

export interface ToolRunner {
  up(): Promise<void>;
  down(): Promise<void>;
}

/** One simple-protocol query string: how lib/pq (golang-migrate) and Prisma send a migration file. */
export async function asOneQueryString(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function files(dir: string, re: RegExp): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => re.test(f)).sort();
}

export async function sqlRunner(dir: string, url: string): Promise<ToolRunner> {
  const [up] = await files(dir, /\.up\.sql$/);
  const [down] = await files(dir, /\.down\.sql$/);
  return { up: () => psqlFile(url, path.join(dir, up)), down: () => psqlFile(url, path.join(dir, down)) };
}

/** The node-pg-migrate 9 CLI; its bookkeeping table must exist first (createBookkeeping). */
export function nodePgMigrate(dir: string, url: string) {
  const migrations = path.join(dir, 'migrations');
  const cli = (...args: string[]) =>
    run(path.join(ROOT, 'node_modules/.bin/node-pg-migrate'), [...args, '-m', migrations], { cwd: dir, env: { ...process.env, DATABASE_URL: url } });
  return {
    cli,
    migrations,
    /** the table node-pg-migrate keeps, made before the "before" schema is taken so both sides have it */
    createBookkeeping: () => asOneQueryString(url, 'CREATE TABLE public.pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)'),
    async runner(...flags: string[]): Promise<ToolRunner> {
      const count = (await fs.readdir(migrations)).length;
      return { up: () => cli('up', ...flags).then(() => undefined), down: () => cli('down', String(count), ...flags).then(() => undefined) };
    },
  };
}

export async function golangMigrateRunner(dir: string, url: string): Promise<ToolRunner> {
  const ups = await files(dir, /\.up\.sql$/);
  const downs = (await files(dir, /\.down\.sql$/)).reverse();
  const each = (list: string[]) => async () => {
    for (const f of list) await asOneQueryString(url, await fs.readFile(path.join(dir, f), 'utf8'));
  };
  return { up: each(ups), down: each(downs) };
}

export async function prismaRunner(root: string, url: string): Promise<ToolRunner> {
  const dir = path.join(root, 'prisma', 'migrations');
  const folders = (await fs.readdir(dir)).sort();
  const each = (list: string[], file: string) => async () => {
    for (const f of list) await asOneQueryString(url, await fs.readFile(path.join(dir, f, file), 'utf8'));
  };
  return { up: each(folders, 'migration.sql'), down: each([...folders].reverse(), 'down.sql') };
}

/** Each V/U file in a transaction of its own unless its .conf says otherwise, as Flyway runs them. */
export async function flywayRunner(dir: string, url: string): Promise<ToolRunner & { versions: string[] }> {
  const apply = (list: string[]) => async () => {
    for (const f of list) {
      const conf = await fs.readFile(path.join(dir, `${f}.conf`), 'utf8').catch(() => '');
      if (conf.includes('executeInTransaction=false')) {
        await psqlFile(url, path.join(dir, f));
      } else {
        const wrapped = path.join(dir, `.wrapped-${f}`);
        await fs.writeFile(wrapped, `BEGIN;\n${await fs.readFile(path.join(dir, f), 'utf8')}\nCOMMIT;\n`);
        await psqlFile(url, wrapped);
      }
    }
  };
  const vs = await files(dir, /^V\d+__.*\.sql$/);
  const us = (await files(dir, /^U\d+__.*\.sql$/)).reverse();
  return { up: apply(vs), down: apply(us), versions: vs };
}

/** Sqitch's deploy (with verify after each change) and revert, through psql in plan order. */
export async function sqitchRunner(dir: string, url: string): Promise<ToolRunner & { changes: string[]; verify(change: string): Promise<void> }> {
  const plan = await fs.readFile(path.join(dir, 'sqitch.plan'), 'utf8');
  const changes = plan
    .split('\n')
    .filter((l) => l && !l.startsWith('%'))
    .map((l) => l.split(' ')[0]);
  const script = (kind: string, c: string) => psqlFile(url, path.join(dir, kind, `${c}.sql`));
  return {
    changes,
    verify: (c) => script('verify', c),
    up: async () => {
      for (const c of changes) {
        await script('deploy', c);
        await script('verify', c);
      }
    },
    down: async () => {
      for (const c of [...changes].reverse()) await script('revert', c);
    },
  };
}

/** The runner for any export format (node-pg-migrate with its bookkeeping table already made). */
export async function toolRunner(format: string, dir: string, url: string): Promise<ToolRunner> {
  switch (format) {
    case 'sql':
      return sqlRunner(dir, url);
    case 'node-pg-migrate':
      return nodePgMigrate(dir, url).runner();
    case 'golang-migrate':
      return golangMigrateRunner(dir, url);
    case 'prisma':
      return prismaRunner(dir, url);
    case 'flyway':
      return flywayRunner(dir, url);
    case 'sqitch':
      return sqitchRunner(dir, url);
    default:
      throw new Error(`no runner for ${format}`);
  }
}
