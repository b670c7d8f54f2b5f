// The workload's input side, measured: reading a full pg_stat_statements (5,000 statements, the
// extension's default size) and server logs into the Workload — stderr of 50 and 200 MB (the 50 MB one shows
// the memory does not grow with the log), csvlog and jsonlog of 200 MB — each read in a process of its own so
// its peak memory is its own, the median of three. The child is bundled by esbuild as `npm run build` bundles
// the CLI: the code measured is the code bin runs (tsx's on-the-fly transform is about twice as slow).
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import pg from 'pg';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url).pathname;
// inside the package, so the bundle finds the dependencies left out of it (libpg-query) in node_modules
const CHILD = join(ROOT, 'node_modules/.cache/pgadvisor-bench/workload-child.mjs');
const TABLES = 20;
const COLUMNS = 20;
const RUNS = 3;

export interface LogRun {
  format: LogFormat;
  sizeMb: number;
  entries: number;
  statements: number;
  /** median wall time of the runs, and each run's */
  ms: number;
  runsMs: number[];
  /** CPU time of the median run (every thread of the process) */
  cpuMs: number;
  mbPerS: number;
  peakRssMb: number;
  /** hours the log's first and last entries span, as the Workload takes them */
  windowHours: number | null;
}

export interface WorkloadBench {
  pgss: { statements: number; feedMs: number; buildMs: number; peakRssMb: number };
  logs: LogRun[];
  /** the 1-minute load average when the logs were read: on a shared machine it explains wall times */
  load?: number;
}

export async function measureWorkload(url: (db: string) => string, admin: (sql: string, params?: unknown[], db?: string) => Promise<unknown[]>, quick: boolean): Promise<WorkloadBench> {
  const db = 'pgadv_bench_workload';
  if (!(await admin(`SELECT 1 FROM pg_database WHERE datname = $1`, [db])).length) {
    await admin(`CREATE DATABASE ${db} TEMPLATE template0`);
    const cols = Array.from({ length: COLUMNS }, (_, i) => `k${i} int`).join(', ');
    const tables = Array.from({ length: TABLES }, (_, t) => `CREATE TABLE bench_t${t} (id int PRIMARY KEY, ${cols}, note text);`).join('\n');
    await admin(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements; ${tables}`, [], db);
  }
  await buildChild();
  const statements = quick ? 1000 : 5000;
  await fillStatements(url(db), statements);
  const live = await child(['live', url(db)]);
  const logs: LogRun[] = [];
  const load = +loadavg()[0].toFixed(1);
  const plan: [LogFormat, number][] = quick ? [['stderr', 20]] : [['stderr', 50], ['stderr', 200], ['csvlog', 200], ['jsonlog', 200]];
  for (const [format, mb] of plan) {
    const file = join(tmpdir(), `pgadv-bench-${mb}mb.${format}`);
    await writeLog(file, mb * 2 ** 20, format);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await child(['log', url(db), file, format]));
    const r = [...runs].sort((a, b) => a.buildMs - b.buildMs)[Math.floor(RUNS / 2)];
    const size = (await stat(file)).size / 2 ** 20;
    await rm(file, { force: true });
    logs.push({
      format,
      sizeMb: Math.round(size),
      entries: r.entries,
      statements: r.statements,
      ms: r.buildMs,
      runsMs: runs.map((x) => x.buildMs),
      cpuMs: r.cpuMs,
      mbPerS: Math.round((size / r.buildMs) * 1000),
      peakRssMb: Math.max(...runs.map((x) => x.peakRssMb)),
      windowHours: r.windowHours,
    });
  }
  return { pgss: { statements: live.statements, feedMs: live.feedMs, buildMs: live.buildMs, peakRssMb: live.peakRssMb }, logs, load };
}

async function buildChild(): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'bench/workload-child.ts')],
    outfile: CHILD,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

interface ChildResult {
  statements: number;
  entries: number;
  feedMs: number;
  buildMs: number;
  cpuMs: number;
  peakRssMb: number;
  windowHours: number | null;
}

async function child(args: string[]): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, [CHILD, ...args], { maxBuffer: 1 << 24, env: { ...process.env, NODE_ENV: 'production' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** `n` distinct statements in pg_stat_statements for this database (distinct columns, so distinct queryids). */
async function fillStatements(url: string, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: url, application_name: 'bench-app' });
  await c.connect();
  try {
    await c.query('SELECT pg_stat_statements_reset()');
    for (let i = 0; i < n; i++) {
      const t = i % TABLES;
      const a = Math.floor(i / TABLES) % COLUMNS;
      const b = Math.floor(i / (TABLES * COLUMNS)) % COLUMNS;
      await c.query({ text: `SELECT id, k${a} FROM bench_t${t} WHERE k${b} = $1 AND k${(a + b) % COLUMNS} > $2 ORDER BY k${a} LIMIT 10`, values: [i, i] });
    }
  } finally {
    await c.end();
  }
}

export type LogFormat = 'stderr' | 'csvlog' | 'jsonlog';

/** One logged execution: what the server writes for it, before the format lays it out. */
interface Entry {
  ts: string;
  pid: number;
  message: string;
  /** the bind values of an extended-protocol execution */
  detail: string | null;
}

/**
 * A server log of `bytes` as log_min_duration_statement = 0 writes it: simple-protocol statements with their
 * literals, multi-line ones, and extended-protocol executions with their bind values, over 400 shapes with
 * constants that vary on every line. stderr in Debian's log_line_prefix (`%m [%p] %q%u@%d `, the DETAIL on a line
 * of its own); csvlog and jsonlog with the same entries (the DETAIL in the same row).
 */
export async function writeLog(file: string, bytes: number, format: LogFormat = 'stderr'): Promise<void> {
  const out = createWriteStream(file);
  let written = 0;
  let i = 0;
  const write = (s: string) => {
    written += s.length;
    return out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  };
  const lay = format === 'stderr' ? stderrEntry : format === 'csvlog' ? csvlogEntry : jsonlogEntry;
  while (written < bytes) {
    let chunk = '';
    for (let j = 0; j < 2000; j++, i++) chunk += lay(entry(i), i);
    await write(chunk);
  }
  await new Promise<void>((r) => out.end(() => r()));
}

function entry(i: number): Entry {
  const ts = `2025-03-01 ${String(10 + (Math.floor(i / 3_600_000) % 10)).padStart(2, '0')}:${String(Math.floor(i / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} UTC`;
  const t = i % TABLES;
  const k = (i >> 3) % COLUMNS;
  const ms = (((i * 7919) % 5000) / 100).toFixed(3);
  const pid = 1000 + (i % 50);
  switch (i % 4) {
    case 0:
      return { ts, pid, message: `duration: ${ms} ms  statement: SELECT id, note FROM bench_t${t} WHERE k${k} = ${i} AND note = 'customer ${i} note'`, detail: null };
    case 1:
      return { ts, pid, message: `duration: ${ms} ms  statement: SELECT count(*)\n  FROM bench_t${t}\n WHERE k${k} BETWEEN ${i} AND ${i + 100}`, detail: null };
    default:
      return {
        ts,
        pid,
        message: `duration: ${ms} ms  execute <unnamed>: UPDATE bench_t${t} SET note = $1 WHERE id = $2 AND k${k} = $3`,
        detail: `Parameters: $1 = 'updated at ${i}', $2 = '${i}', $3 = '${i % 97}'`,
      };
  }
}

function stderrEntry(e: Entry): string {
  const prefix = `${e.ts} [${e.pid}] app@pgadv_bench_workload `;
  // the server puts a tab before each continuation line
  const lines = `${prefix}LOG:  ${e.message.replace(/\n/g, '\n\t')}\n`;
  return e.detail ? `${lines}${prefix}DETAIL:  ${e.detail}\n` : lines;
}

const csv = (v: string | null) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);

function csvlogEntry(e: Entry, i: number): string {
  const session = `67ab${e.pid.toString(16)}.${e.pid}`;
  const fields = [e.ts, 'app', 'pgadv_bench_workload', String(e.pid), '"[local]"', session, String(i), '"SELECT"', '2025-03-01 09:59:00 UTC', '3/4', '0', 'LOG', '00000'];
  return `${fields.join(',')},${csv(e.message)},${csv(e.detail)},,,,,,,,"bench-app","client backend",,0\n`;
}

function jsonlogEntry(e: Entry, i: number): string {
  const row: Record<string, unknown> = { timestamp: e.ts, user: 'app', dbname: 'pgadv_bench_workload', pid: e.pid, remote_host: '[local]', session_id: `67ab${e.pid.toString(16)}.${e.pid}`, line_num: i, ps: 'SELECT', session_start: '2025-03-01 09:59:00 UTC', vxid: '3/4', txid: 0, error_severity: 'LOG', message: e.message };
  if (e.detail) row.detail = e.detail;
  Object.assign(row, { application_name: 'bench-app', backend_type: 'client backend', query_id: 0 });
  return `${JSON.stringify(row)}\n`;
}
