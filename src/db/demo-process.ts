// The demo database runs in a child process: PGlite executes queries on the thread that owns it, so
// in-process it would freeze the TUI (spinner, keys) for as long as each demo query takes.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Demo } from './demo.ts';

const CHILD = fileURLToPath(new URL('./demo-child.ts', import.meta.url));
// resolved from this file, so the demo starts whatever the working directory is
const TSX = import.meta.resolve('tsx');

export async function startDemoProcess(): Promise<Demo> {
  const child = spawn(process.execPath, ['--import', TSX, CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const first = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('error', reject);
    child.once('exit', () => reject(new Error(stderr.trim().split('\n').pop() || 'the embedded demo database stopped while starting')));
  });
  const reply = JSON.parse(await first) as Omit<Demo, 'stop'>;
  return {
    ...reply,
    stop: async () => {
      child.stdin.end(); // the child stops its server when its stdin closes
      await exited;
    },
  };
}
