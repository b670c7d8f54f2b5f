// Drives the real CLI in a pseudo-terminal through util-linux `script` (Node has no pty of its own):
// keys go in through script's stdin, the screen comes back ANSI-stripped.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripAnsi } from './render.tsx';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Pty {
  /** everything printed so far, without colours and cursor moves */
  text(): string;
  /** everything printed so far, byte for byte (escape sequences and all), decoded as UTF-8 */
  raw(): string;
  /** what was printed after the last mark, without colours */
  sinceMark(): string;
  /** waits until nothing more has been printed for `quietMs` */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
  /** waits until `needle` appears after the last mark (see mark()) */
  waitFor(needle: string | RegExp, timeoutMs?: number): Promise<void>;
  mark(): void;
  send(keys: string): void;
  exit: Promise<number | null>;
  kill(): void;
}

export function runInPty(args: string[], opts: { columns?: number; rows?: number; env?: NodeJS.ProcessEnv } = {}): Pty {
  const cmd = `stty cols ${opts.columns ?? 100} rows ${opts.rows ?? 30} && exec node bin/pgadvisor.js ${args.map(quote).join(' ')}`;
  const child = spawn('script', ['-q', '-e', '-f', '-c', cmd, '/dev/null'], {
    cwd: ROOT,
    // CI set on purpose: a terminal session must draw even where CI is set
    env: { ...process.env, CI: '1', TERM: 'xterm-256color', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let from = 0;
  const bytes: Buffer[] = [];
  const take = (d: Buffer) => {
    bytes.push(d);
    raw += d.toString('utf8');
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const text = () => stripAnsi(raw);
  return {
    text,
    // decoded whole: a multi-byte character split across two reads comes out right
    raw: () => Buffer.concat(bytes).toString('utf8'),
    mark: () => {
      from = raw.length;
    },
    sinceMark: () => stripAnsi(raw.slice(from)),
    settle: async (quietMs = 200, timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      let seen = raw.length;
      let quietSince = Date.now();
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 25));
        if (raw.length !== seen) {
          seen = raw.length;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= quietMs) return;
      }
    },
    waitFor: async (needle, timeoutMs = 60_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const t = stripAnsi(raw.slice(from));
        if (typeof needle === 'string' ? t.includes(needle) : needle.test(t)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${String(needle)}; screen so far:\n${text().slice(-3000)}`);
    },
    send: (keys) => {
      child.stdin.write(keys);
    },
    exit,
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
