// One workload read, measured in a process of its own (peak RSS is the process's): `live URL` reads this
// database's pg_stat_statements through the shipped feeding probe; `log URL FILE FORMAT` reads a server log.
// Prints one JSON line: statements, entries, feedMs, buildMs, cpuMs (the build's, every thread), peakRssMb, windowHours.
import { loadNotebooks } from '../src/playbooks/loader.ts';
import { connect } from '../src/playbooks/live.ts';
import type { CellRun } from '../src/playbooks/types.ts';
import { buildWorkload } from '../src/workload/build.ts';
import type { WorkloadFormat } from '../src/workload/types.ts';

const [mode, url, file, format] = process.argv.slice(2);
const conn = await connect(url);
try {
  const query = async (sql: string, params?: unknown[]) => (await conn.db.query(sql, params)).rows;
  let feedMs = 0;
  let feed = null;
  if (mode === 'live') {
    const cell = (await loadNotebooks()).flatMap((n) => n.cells).find((c) => c.feeds)!;
    const t = performance.now();
    const fed = await conn.db.query(cell.sql!);
    feedMs = performance.now() - t;
    feed = { run: { cell: cell.id, status: 'ok', reason: null, columns: fed.columns } as unknown as CellRun, rows: fed.rows };
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const built = await buildWorkload({ server: conn.server, feed, files: mode === 'log' ? [{ path: file, format: (format ?? 'stderr') as WorkloadFormat }] : [], logDatabase: 'pgadv_bench_workload', query });
  const buildMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (!built.workload) throw new Error(built.reason);
  const w = built.workload;
  const out = {
    statements: w.statements.length,
    entries: w.sources.reduce((n, s) => n + s.entries, 0),
    feedMs: Math.round(feedMs),
    buildMs: Math.round(buildMs),
    cpuMs: Math.round((used.user + used.system) / 1000),
    windowHours: w.windowHours ?? null,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  await conn.close();
}
