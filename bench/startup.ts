// pgadvisor check --json as a whole process against splinter through psql, in the same run, on musicbrainz
// with and without pg_stat_statements. The runs alternate, so both tools meet the same machine load.
import { median, timeProcess } from './process.ts';

export interface StartupSide {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
}

export interface StartupComparison {
  database: string;
  pgStatStatements: boolean;
  pgadvisor: StartupSide & { findings: number };
  splinter: StartupSide & { rows: number };
  /** pgadvisor's wall time over splinter's (below 1: pgadvisor is faster) */
  ratio: number;
  runs: number;
}

export async function compareStartup(opts: {
  bin: string;
  url: string;
  database: string;
  splinterSql: string;
  pgStatStatements: boolean;
  repeat: number;
  /** before each pair of runs (e.g. pg_stat_statements_reset(), so each run sees the same statements) */
  before?: () => Promise<void>;
}): Promise<StartupComparison> {
  const ours: Awaited<ReturnType<typeof timeProcess>>[] = [];
  const theirs: Awaited<ReturnType<typeof timeProcess>>[] = [];
  const splinter = () => timeProcess('psql', ['-X', '-q', '-1', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', opts.splinterSql, opts.url]);
  const check = () => timeProcess(process.execPath, [opts.bin, 'check', '--json', '--allow-errors', '--url', opts.url]);
  // one of each first: caches warm as they would be on a second CI run
  await opts.before?.();
  await check();
  await splinter();
  for (let i = 0; i < opts.repeat; i++) {
    await opts.before?.();
    ours.push(await check());
    await opts.before?.();
    theirs.push(await splinter());
  }
  const side = (runs: typeof ours) => ({ ms: Math.round(median(runs.map((r) => r.ms))), cpuMs: median(runs.map((r) => r.cpuMs)), peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) });
  const json = JSON.parse(ours[0].stdout);
  const a = side(ours);
  const b = side(theirs);
  return {
    database: opts.database,
    pgStatStatements: opts.pgStatStatements,
    pgadvisor: { ...a, findings: json.findings.length },
    splinter: { ...b, rows: theirs[0].stdout.split('\n').filter(Boolean).length },
    ratio: +(a.ms / b.ms).toFixed(2),
    runs: opts.repeat,
  };
}
