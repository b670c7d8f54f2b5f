// The demo database runs in a child process: PGlite executes queries on the thread that owns it, so
// in-process it would freeze the TUI (spinner, keys) for as long as each demo query takes.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.ts';
import type { Demo } from './demo.ts';

// Compiled, the child is dist/db/demo-child.js (its own entry of the build); from src it runs through tsx,
// resolved from the package folder so the demo starts whatever the working directory is.
const compiled = import.meta.url.endsWith('.js');
const CHILD = join(PACKAGE_ROOT, compiled ? 'dist/db/demo-child.js' : 'src/db/demo-child.ts');
const CHILD_ARGS = compiled ? [CHILD] : ['--import', import.meta.resolve('tsx'), CHILD];

export async function startDemoProcess(): Promise<Demo> {
  const child = spawn(process.execPath, CHILD_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
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
