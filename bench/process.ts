// Whole processes, timed from outside as a user or a CI job sees them: wall time, client CPU (user + system)
// and peak memory, read by /usr/bin/time (GNU time's -f format).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ProcessRun {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  exitCode: number;
  stdout: string;
}

const TIME = '/usr/bin/time';
export const canTimeProcesses = existsSync(TIME);

/** Runs `cmd args` once; the exit code is returned, not thrown (check exits 1 or 2 by design). */
export function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = execFile(TIME, ['-f', '\n@@time %e %U %S %M', cmd, ...args], { env, maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      const ms = performance.now() - started;
      const m = /@@time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(stderr);
      if (!m) return reject(new Error(`${cmd} did not run: ${stderr.trim().split('\n').pop() ?? err?.message}`));
      resolve({ ms, cpuMs: Math.round((Number(m[2]) + Number(m[3])) * 1000), peakRssMb: Math.round(Number(m[4]) / 1024), exitCode: child.exitCode ?? 0, stdout });
    });
  });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
