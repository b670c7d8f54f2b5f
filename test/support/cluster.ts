// A private, throwaway PostgreSQL cluster for the tests that need server-wide settings the shared test
// cluster cannot have (archive_mode, data checksums, pg_hba.conf rules, synchronous standbys): initdb'd with
// Debian's PostgreSQL 15 as the postgres user, started on a free port, removed afterwards.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasRealServer } from './db.ts';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const PASSWORD = 'pgadvisor-cluster-secret';

/** True when private clusters can be started here (the server binaries, and root to run them as postgres). */
export const canStartClusters = hasRealServer && existsSync(`${BIN}/initdb`) && process.getuid?.() === 0;

export interface PrivateCluster {
  url: string;
  port: number;
  dir: string;
  /** the data directory */
  data: string;
  /** stop and start again (empties shared_buffers) */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', cmd, ...args], { maxBuffer: 1 << 22 });

/**
 * Starts a cluster. `settings` become `-c name=value`; `initdb` adds initdb arguments (--data-checksums);
 * `hba` lines are appended to a pg_hba.conf whose first rule lets the tests in with a password.
 */
export async function startCluster(opts: { settings?: Record<string, string>; initdb?: string[]; hba?: string[] } = {}): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-cluster-'));
  const data = join(dir, 'data');
  await chown(dir, uid('postgres'), gid('postgres'));
  await chmod(dir, 0o700);
  const pw = join(dir, 'pw');
  await writeFile(pw, PASSWORD);
  await chown(pw, uid('postgres'), gid('postgres'));
  await asPostgres(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', `--pwfile=${pw}`, '-A', 'scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8', ...(opts.initdb ?? [])]);
  const hba = ['local all all scram-sha-256', 'host all postgres 127.0.0.1/32 scram-sha-256', 'host replication postgres 127.0.0.1/32 scram-sha-256', ...(opts.hba ?? [])];
  await writeFile(join(data, 'pg_hba.conf'), hba.join('\n') + '\n');
  await chown(join(data, 'pg_hba.conf'), uid('postgres'), gid('postgres'));
  return launch(dir, data, opts.settings);
}

/** A streaming replica of `primary` (pg_basebackup -R), through a physical slot of that name when `slot` is given. */
export async function startReplica(primary: PrivateCluster, opts: { slot?: string; settings?: Record<string, string> } = {}): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-replica-'));
  const data = join(dir, 'data');
  await chown(dir, uid('postgres'), gid('postgres'));
  await chmod(dir, 0o700);
  const slot = opts.slot ? ['-C', '-S', opts.slot] : [];
  await run('runuser', ['-u', 'postgres', '--', 'env', `PGPASSWORD=${PASSWORD}`, `${BIN}/pg_basebackup`, '-h', '127.0.0.1', '-p', String(primary.port),
    '-U', 'postgres', '-D', data, '-R', '-X', 'stream', ...slot]);
  return launch(dir, data, { hot_standby: 'on', ...(opts.settings ?? {}) });
}

async function launch(dir: string, data: string, extra: Record<string, string> = {}): Promise<PrivateCluster> {
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, fsync: 'off', max_connections: '30', ...extra };
  const o = ['-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
    .map((x) => (/[\s'"\\]/.test(x) ? `'${x.replace(/'/g, `'\\''`)}'` : x))
    .join(' ');
  const start = () => asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', o, 'start']);
  await start();
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    data,
    async restart() {
      await asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']);
      await start();
    },
    async stop() {
      await asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let ids: { uid: number; gid: number } | null = null;
/** The numeric ids of a system user (only postgres is used). */
function idsOf(user: string): { uid: number; gid: number } {
  if (!ids) {
    const out = execFileSync('id', [user], { encoding: 'utf8' });
    ids = { uid: Number(/uid=(\d+)/.exec(out)![1]), gid: Number(/gid=(\d+)/.exec(out)![1]) };
  }
  return ids;
}
const uid = (user: string) => idsOf(user).uid;
const gid = (user: string) => idsOf(user).gid;
