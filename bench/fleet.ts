// Many databases in one `pgadvisor check` process: pagila copies plus musicbrainz, timed as a whole process
// (wall time, client CPU, peak memory) at several fleet sizes and --jobs widths.
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { timeProcess } from './process.ts';

export interface FleetRun {
  databases: number;
  jobs: number;
  ms: number;
  msPerDatabase: number;
  cpuMs: number;
  peakRssMb: number;
  findings: number;
  failed: number;
}

export async function timeFleet(bin: string, urls: string[], jobs: number): Promise<FleetRun> {
  const file = path.join(tmpdir(), `pgadv-bench-fleet-${process.pid}.txt`);
  await writeFile(file, urls.join('\n') + '\n');
  const run = await timeProcess(process.execPath, [bin, 'check', '--urls-file', file, '--jobs', String(jobs), '--format', 'json', '--allow-errors']).finally(() =>
    rm(file, { force: true }),
  );
  const json = JSON.parse(run.stdout);
  return {
    databases: urls.length,
    jobs,
    ms: Math.round(run.ms),
    msPerDatabase: Math.round(run.ms / urls.length),
    cpuMs: run.cpuMs,
    peakRssMb: run.peakRssMb,
    findings: json.summary.findings,
    failed: json.summary.failed,
  };
}
