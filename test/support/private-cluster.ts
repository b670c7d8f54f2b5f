// A throwaway PostgreSQL cluster of one of the version matrix's npm packages, optionally with the server's clock
// shifted by libfaketime: the way to plant statistics older than a test run (last_idx_scan 40 days ago).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

export interface PrivateCluster {
  url: string;
  /** the server's stderr log (pg_ctl -l) */
  logFile: string;
  /** stops the server (a clean shutdown keeps the statistics) and starts it again, with or without a shifted clock */
  restart(opts?: { fakeTime?: string }): Promise<void>;
  destroy(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

/** initdb and postgres refuse root: as root they run as the postgres system user, as .ci/postgres.sh does. */
function asPostgres(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const full = isRoot ? ['runuser', ['-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args]] as const : [cmd, args] as const;
  return run(full[0], [...full[1]], { env: { ...process.env, ...(isRoot ? {} : env) }, maxBuffer: 1 << 22 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Where the postgres user runs this major's binaries from (the package, or the copy pg_start_matrix made). */
async function nativeDir(major: number): Promise<string | null> {
  const { stdout } = await run('bash', ['-c', `source .ci/postgres.sh && pg_npm_native ${major}`], { cwd: REPO });
  const dir = stdout.trim();
  return existsSync(join(dir, 'bin', 'postgres')) ? dir : null;
}

/** `settings`: lines for postgresql.conf (name → value as the file writes it, quoted where it needs to be). */
export async function startPrivateCluster(major: number, opts: { fakeTime?: string; settings?: Record<string, string> } = {}): Promise<PrivateCluster | null> {
  const native = await nativeDir(major);
  if (!native) return null;
  const dir = await mkdtemp(join(tmpdir(), `pgadv-cluster-${major}-`));
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    await chown(dir, uid, uid);
  }
  const data = join(dir, 'data');
  await asPostgres(join(native, 'bin', 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  if (opts.settings) await appendFile(join(data, 'postgresql.conf'), Object.entries(opts.settings).map(([k, v]) => `${k} = ${v}\n`).join(''));
  const port = await freePort();
  const ctl = join(native, 'bin', 'pg_ctl');
  const start = (fakeTime?: string) =>
    asPostgres(ctl, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`, 'start'],
      fakeTime ? { LD_PRELOAD: LIBFAKETIME, FAKETIME: fakeTime } : {});
  const stop = () => asPostgres(ctl, ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start(opts.fakeTime);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    logFile: join(dir, 'server.log'),
    restart: async (o = {}) => {
      await stop();
      await start(o.fakeTime);
    },
    destroy: async () => {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
