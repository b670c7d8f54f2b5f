// The embedded demo's start from its cache, as the CLI starts it: the child process (dist/db/demo-child.js,
// with the CLI's V8 flags) that loads the cached data directory into PGlite, refreshes the statistics and
// replays the workload, then reports its own timings on its first line. PGlite time is that report's total;
// the process row adds Node and PGlite's modules loading in the child.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { median } from './process.ts';
import { DEMO_V8_FLAGS } from '../src/db/demo-process.ts';

export interface DemoStart {
  /** PGlite time: copy + open the cached data directory, ANALYZE + workload, serve */
  totalMs: number;
  loadMs: number;
  workloadMs: number;
  /** CPU time of the child over that start (user + system): what the machine's load does not change */
  cpuMs: number;
  /** from spawning the child to its ready line */
  processMs: number;
  runs: number;
}

interface Started {
  timings: { totalMs: number; loadMs: number; workloadMs: number; buildMs: number; cpuMs: number };
  processMs: number;
}

async function once(child: string): Promise<Started> {
  const started = performance.now();
  const p = spawn(process.execPath, [...DEMO_V8_FLAGS, child], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => p.on('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: p.stdout }).once('line', resolve);
    p.once('exit', () => reject(new Error('the demo child stopped before it was ready')));
  });
  const processMs = performance.now() - started;
  p.stdin.end();
  await exited;
  return { ...(JSON.parse(line) as Pick<Started, 'timings'>), processMs };
}

/** One start first (it builds the cache when there is none), then `repeat` starts from the cache. */
export async function measureDemoStart(root: string, repeat: number): Promise<DemoStart> {
  const child = `${root}dist/db/demo-child.js`;
  await once(child);
  const runs: Started[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await once(child));
  const m = (f: (r: Started) => number) => Math.round(median(runs.map(f)));
  return { totalMs: m((r) => r.timings.totalMs), loadMs: m((r) => r.timings.loadMs), workloadMs: m((r) => r.timings.workloadMs), cpuMs: m((r) => r.timings.cpuMs), processMs: m((r) => r.processMs), runs: repeat };
}
