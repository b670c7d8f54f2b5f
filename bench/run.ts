// npm run bench [-- --quick] — measures what issue 8 asks and rewrites BENCHMARKS.md's results section.
// npm run bench -- --workload-analysis — the workload analyzers on a 5,000-statement workload (bench/workload-analysis.ts).
// Needs a real PostgreSQL server: BENCH_DATABASE_URL, else TEST_DATABASE_URL (e.g. after `source .ci/postgres.sh; pg_start`).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, homedir, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { syntheticCatalogSql } from './catalog.ts';
import { backendsCpuMs, scriptCpuMs } from './server-cpu.ts';
import { measureSnapshot, measureTui } from './ui.tsx';
import { measureWorkload } from './workload.ts';
import { compareStartup, type StartupComparison } from './startup.ts';
import { measureDemoStart } from './demo.ts';
import { timeFleet, type FleetRun } from './fleet.ts';
import { canTimeProcesses } from './process.ts';
import { connect, runLive, selectNotebooks } from '../src/playbooks/live.ts';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const ROOT = new URL('../', import.meta.url).pathname;
const CORPORA = new URL('../../shared/corpora/', import.meta.url).pathname;
const SPLINTER = process.env.SPLINTER_SQL ?? `${homedir()}/.cache/pgadvisor-bench/splinter.sql`;
const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!base) {
  console.error('bench: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server (see README, "Benchmarks")');
  process.exit(2);
}
const REPEAT = quick ? 3 : 5;

const urlFor = (db: string) => {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
};

async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], db?: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: db ? urlFor(db) : base });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

async function databaseExists(db: string): Promise<boolean> {
  return (await admin(`SELECT 1 FROM pg_database WHERE datname = $1`, [db])).length > 0;
}

async function ensureCorpus(name: string, workload: boolean): Promise<string> {
  const db = `pgadv_bench_${name}`;
  if (!(await databaseExists(db)) || process.argv.includes('--reload')) {
    await run('bash', [`${CORPORA}load.sh`, name, base!, db], { maxBuffer: 1 << 26 });
    if (workload) await run('psql', ['-X', '-q', '-d', urlFor(db), '-f', `${CORPORA}${name}/workload.sql`], { maxBuffer: 1 << 26 });
    // splinter reads Supabase's auth schema; both tools then run on the same catalog
    for (const f of ['supabase-roles.sql', 'supabase-stub.sql']) {
      await run('psql', ['-X', '-q', '-d', urlFor(db), '-f', `${CORPORA}${f}`], { maxBuffer: 1 << 26 }).catch(() => undefined);
    }
  }
  return db;
}

async function ensureSynthetic(tables: number): Promise<string> {
  const db = `pgadv_bench_synth_${tables}`;
  if (await databaseExists(db)) return db;
  await admin(`CREATE DATABASE ${db} TEMPLATE template0`);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', urlFor(db)], { stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`loading ${db} failed`))));
    p.stdin.end(syntheticCatalogSql(tables));
  });
  console.error(`  loaded ${tables} synthetic tables in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return db;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface CheckRun {
  ms: number;
  /** CPU of the advisor's server backends for the run (null when the server is not on this machine) */
  serverCpuMs: number | null;
  findings: number;
  statements: number;
  peakRssMb: number;
}

/**
 * One in-process run: connect, run every playbook, close. `check` (findings only, as `pgadvisor check` without
 * --save) or `session` (every probe too, as the TUI, report and --save).
 */
async function checkOnce(db: string, mode: 'check' | 'session' = 'check'): Promise<CheckRun> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const started = performance.now();
  const conn = await connect(urlFor(db));
  const notebooks = await selectNotebooks(undefined);
  const data = await runLive(conn, notebooks, undefined, undefined, { findingsOnly: mode === 'check' });
  let ms = performance.now() - started;
  const statements = conn.db.statementCount;
  // the backends' CPU is read while they live; the lookup itself is not part of the timed run
  const pids = await admin<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pgadvisor'`, [db]);
  const serverCpuMs = backendsCpuMs(pids.map((p) => p.pid));
  const closing = performance.now();
  await conn.close();
  ms += performance.now() - closing;
  clearInterval(sampler);
  return { ms, serverCpuMs, findings: data.findings.length, statements, peakRssMb: Math.round(peak / 2 ** 20) };
}

async function checkTimes(db: string, mode: 'check' | 'session' = 'check'): Promise<CheckRun & { all: number[] }> {
  await checkOnce(db, mode); // warm the server's catalog caches, as a second run in production would be
  const runs: CheckRun[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await checkOnce(db, mode));
  const ms = median(runs.map((r) => r.ms));
  const cpu = runs.map((r) => r.serverCpuMs);
  const serverCpuMs = cpu.every((c): c is number => c != null) ? median(cpu) : null;
  return { ...runs[0], ms, serverCpuMs, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)), all: runs.map((r) => Math.round(r.ms)) };
}

/** The process environment without any connection settings, so the CLI opens the embedded demo. */
function demoEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('PG')));
}

async function cliTime(args: string[], env?: Record<string, string>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    await run(process.execPath, [`${ROOT}bin/pgadvisor.js`, ...args], { maxBuffer: 1 << 28, env: env ? demoEnv() : process.env });
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * `pgadvisor` with no database, in tmux as a person runs it: until the first frame (the DEMO banner and the
 * start-up status) and until the notebook is on screen (demo started, every cell run on PGlite).
 */
async function firstScreenOnDemo(): Promise<{ firstFrameMs: number; notebookMs: number } | null> {
  const hasTmux = await run('tmux', ['-V']).then(() => true, () => false);
  if (!hasTmux) return null;
  const first: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const session = `pgadv-bench-${process.pid}-${i}`;
    const started = performance.now();
    await run('tmux', ['new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-e', 'DATABASE_URL=', `${process.execPath} ${ROOT}bin/pgadvisor.js --out /tmp/pgadv-bench-out`], { env: demoEnv() });
    try {
      let sawFirst = false;
      for (;;) {
        const { stdout } = await run('tmux', ['capture-pane', '-p', '-t', session]);
        if (!sawFirst && stdout.includes('DEMO DATABASE')) {
          first.push(performance.now() - started);
          sawFirst = true;
        }
        if (stdout.includes('DEMO DATABASE') && stdout.includes('▸')) break;
        if (performance.now() - started > 120_000) throw new Error('the demo never showed its notebook');
        await new Promise((r) => setTimeout(r, 20));
      }
      ready.push(performance.now() - started);
    } finally {
      await run('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    }
  }
  return { firstFrameMs: Math.round(median(first)), notebookMs: Math.round(median(ready)) };
}

async function splinterTime(db: string): Promise<{ ms: number; rows: number; serverCpuMs: number | null } | { skipped: string }> {
  if (!existsSync(SPLINTER)) return { skipped: `splinter's SQL not found at ${SPLINTER} (set SPLINTER_SQL; it is not part of this repo)` };
  const times: number[] = [];
  for (let i = 0; i < REPEAT + 1; i++) {
    const started = performance.now();
    await run('psql', ['-X', '-q', '-1', '-o', '/dev/null', '-v', 'ON_ERROR_STOP=1', '-f', SPLINTER, urlFor(db)]);
    if (i > 0) times.push(performance.now() - started);
  }
  const { stdout } = await run('psql', ['-X', '-q', '-1', '-A', '-t', '-f', SPLINTER, urlFor(db)], { maxBuffer: 1 << 26 });
  const script = await readFile(SPLINTER, 'utf8');
  const cpu: (number | null)[] = [];
  for (let i = 0; i < REPEAT; i++) cpu.push(await scriptCpuMs(urlFor(db), script));
  const serverCpuMs = cpu.every((c): c is number => c != null) ? median(cpu) : null;
  return { ms: median(times), rows: stdout.split('\n').filter(Boolean).length, serverCpuMs };
}

/** Statements the server saw for one check run, counted by pg_stat_statements (it must be preloaded). */
async function serverStatements(db: string): Promise<number | null> {
  const has = await admin(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`, [], db);
  if (!has.length) return null;
  const count = async () =>
    Number((await admin<{ n: string }>(`SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)`, [db]))[0].n);
  const before = await count();
  await checkOnce(db);
  return (await count()) - before;
}

/** A copy of `from` with pg_stat_statements created in it, or dropped from it. */
async function ensureClone(name: string, from: string, withPss: boolean): Promise<string> {
  const db = `pgadv_bench_${name}`;
  if (!(await databaseExists(db)) || process.argv.includes('--reload')) {
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${db} TEMPLATE ${from}`);
  }
  // the Supabase stub (loaded for splinter) puts pg_stat_statements in its `extensions` schema, off the
  // search_path of this database; where a run should have it, it goes where the cells find it
  await admin('DROP EXTENSION IF EXISTS pg_stat_statements', [], db);
  if (withPss) await admin('CREATE EXTENSION pg_stat_statements SCHEMA public', [], db);
  return db;
}

/**
 * Whole `pgadvisor check --json` processes against splinter through psql on musicbrainz, without and with
 * pg_stat_statements; with it, its statistics are reset before every run, so each run of either tool sees
 * only the statements of the run itself, as on a database whose workload has little to analyze.
 */
async function startupComparison(mb: string): Promise<StartupComparison[] | { skipped: string }> {
  if (!existsSync(SPLINTER)) return { skipped: `splinter's SQL not found at ${SPLINTER} (set SPLINTER_SQL; it is not part of this repo)` };
  if (!canTimeProcesses) return { skipped: 'GNU time (/usr/bin/time) is not installed' };
  const out: StartupComparison[] = [];
  for (const withPss of [false, true]) {
    const db = await ensureClone(withPss ? 'mb_pss' : 'mb_nopss', mb, withPss);
    const before = withPss ? async () => void (await admin('SELECT pg_stat_statements_reset()', [], db)) : undefined;
    out.push(await compareStartup({ bin: `${ROOT}bin/pgadvisor.js`, url: urlFor(db), database: 'musicbrainz', splinterSql: SPLINTER, pgStatStatements: withPss, repeat: REPEAT + 2, before }));
    console.error(`  musicbrainz ${withPss ? 'with' : 'without'} pg_stat_statements: ${JSON.stringify(out[out.length - 1])}`);
  }
  return out;
}

/** 49 copies of pagila plus musicbrainz, checked in one process: by fleet size, then by --jobs at 50. */
async function fleetBench(mb: string, pagila: string): Promise<{ sizes: FleetRun[]; widths: FleetRun[]; defaultJobs: number } | { skipped: string }> {
  if (!canTimeProcesses) return { skipped: 'GNU time (/usr/bin/time) is not installed' };
  const copies: string[] = [];
  for (let i = 1; i <= 49; i++) {
    const db = `pgadv_bench_fleet_${String(i).padStart(2, '0')}`;
    if (!(await databaseExists(db)) || process.argv.includes('--reload')) {
      await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${db} TEMPLATE ${pagila}`);
    }
    copies.push(urlFor(db));
  }
  const all = [urlFor(mb), ...copies];
  const { defaultJobs } = await import('../src/fleet/run.ts');
  const jobs = defaultJobs();
  const sizes: FleetRun[] = [];
  for (const n of quick ? [1, 10, 50] : [1, 10, 25, 50]) {
    sizes.push(await timeFleet(`${ROOT}bin/pgadvisor.js`, all.slice(0, n), jobs));
    console.error(`  fleet of ${n}: ${JSON.stringify(sizes[sizes.length - 1])}`);
  }
  const widths: FleetRun[] = [];
  for (const j of [1, 2, 4, 8].filter((j) => j !== jobs)) {
    widths.push(await timeFleet(`${ROOT}bin/pgadvisor.js`, all, j));
    console.error(`  fleet of 50, --jobs ${j}: ${JSON.stringify(widths[widths.length - 1])}`);
  }
  widths.push(sizes[sizes.length - 1]);
  widths.sort((a, b) => a.jobs - b.jobs);
  return { sizes, widths, defaultJobs: jobs };
}

/** The TUI's keypress timings, run after run in one process: one run of 60 keys is noisy on a shared machine. */
const TUI_RUNS = 6;

async function tuiRuns() {
  const runs = [];
  for (let i = 0; i < TUI_RUNS; i++) {
    const load = +loadavg()[0].toFixed(1);
    runs.push({ ...(await measureTui(10_000)), load });
  }
  return { measuredAt: new Date().toISOString(), runs };
}

/** Re-measures one part and rewrites it into the last full run's results (start-up, fleet, workload input or TUI). */
async function partOnly(part: 'startup' | 'fleet' | 'workload' | 'tui') {
  const previous = JSON.parse(await readFile(`${ROOT}bench/results/full.json`, 'utf8'));
  if (part === 'tui') {
    previous.tuiRuns = await tuiRuns();
    previous.tui = previous.tuiRuns.runs[previous.tuiRuns.runs.length - 1];
    return writeResults(previous, previous.tuiRuns);
  }
  if (part === 'workload') {
    previous.workload = await measureWorkload(urlFor, admin, false);
    previous.workloadDate = new Date().toISOString();
    return writeResults(previous, previous.workload);
  }
  const mb = await ensureCorpus('musicbrainz', false);
  // the tables of this part say when they were measured: the rest of the file keeps its full run's date
  const measuredAt = new Date().toISOString();
  // the 1-minute load average when the part started: on a shared machine it explains wall times
  const load = +loadavg()[0].toFixed(1);
  if (part === 'fleet') previous.fleet = { ...(await fleetBench(mb, await ensureCorpus('pagila', true))), measuredAt, load };
  else {
    previous.startup = {
      measuredAt,
      load,
      cliVersionMs: Math.round(await cliTime(['--version'])),
      checkDemoMs: Math.round(await cliTime(['check', '--json'], { DATABASE_URL: '' })),
      demoStart: await measureDemoStart(ROOT, REPEAT + 2),
      firstScreen: await firstScreenOnDemo(),
    };
    const comparison = await startupComparison(mb);
    previous.startupVsSplinter = Array.isArray(comparison) ? comparison.map((c) => ({ ...c, measuredAt, load })) : comparison;
  }
  await writeResults(previous, previous[part === 'fleet' ? 'fleet' : 'startupVsSplinter']);
}

/** Rewrites the last full run's results (JSON, Markdown, BENCHMARKS.md) after one part was measured again. */
async function writeResults(previous: Record<string, unknown>, shown: unknown) {
  await writeFile(`${ROOT}bench/results/full.json`, JSON.stringify(previous, null, 2) + '\n');
  const { renderBenchmarks } = await import('./render.ts');
  const md = renderBenchmarks(previous, null);
  await writeFile(`${ROOT}bench/results/full.md`, md);
  await updateBenchmarksMd(md);
  console.log(JSON.stringify(shown));
}

async function main() {
  const started = new Date();
  const pgVersion = (await admin<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0].v;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}`;
  console.error(`bench (${quick ? 'quick' : 'full'}) on ${machine}`);
  await admin(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).catch(() => undefined);

  const results: Record<string, unknown> = { date: started.toISOString(), machine, mode: quick ? 'quick' : 'full' };

  console.error('corpora…');
  const mb = await ensureCorpus('musicbrainz', false);
  const pagila = await ensureCorpus('pagila', true);
  for (const db of [mb, pagila]) await admin(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`, [], db).catch(() => undefined);
  const mbCheck = await checkTimes(mb);
  const mbCli = await cliTime(['check', '--json', '--url', urlFor(mb)]);
  const splinter = await splinterTime(mb);
  const mbSession = await checkTimes(mb, 'session');
  results.musicbrainz = { check: mbCheck, session: mbSession, cliMs: Math.round(mbCli), splinter };

  const pagilaCheck = await checkTimes(pagila);
  results.roundTrips = {
    pagila: { client: pagilaCheck.statements, server: await serverStatements(pagila) },
    musicbrainz: { client: mbCheck.statements, server: await serverStatements(mb) },
  };

  console.error('synthetic catalogs…');
  const sizes = quick ? [100, 1000] : [100, 1000, 3000, 10000];
  const curve: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const db = await ensureSynthetic(n);
    const r = await checkTimes(db);
    curve.push({ tables: n, indexes: n * 5, policies: Math.ceil(n / 2), ms: Math.round(r.ms), msPerTable: +(r.ms / n).toFixed(2), findings: r.findings, statements: r.statements, peakRssMb: r.peakRssMb });
    console.error(`  ${n} tables: ${Math.round(r.ms)} ms, ${r.findings} findings, ${r.statements} statements`);
  }
  results.synthetic = curve;

  console.error('workload input (pg_stat_statements, server logs)…');
  results.workload = await measureWorkload(urlFor, admin, quick);

  console.error('TUI and snapshot at 10,000 findings…');
  const tui = await tuiRuns();
  results.tuiRuns = tui;
  results.tui = tui.runs[TUI_RUNS - 1];
  results.snapshot = await measureSnapshot(10_000);
  results.startup = {
    cliVersionMs: Math.round(await cliTime(['--version'])),
    checkDemoMs: Math.round(await cliTime(['check', '--json'], { DATABASE_URL: '' })),
    demoStart: await measureDemoStart(ROOT, REPEAT + 2),
    firstScreen: await firstScreenOnDemo(),
  };
  console.error('whole processes against splinter, and a fleet of 50 databases…');
  results.startupVsSplinter = await startupComparison(mb);
  results.fleet = await fleetBench(mb, pagila);

  await mkdir(`${ROOT}bench/results`, { recursive: true });
  const latest = `${ROOT}bench/results/${quick ? 'quick' : 'full'}.json`;
  const previous = existsSync(latest) ? JSON.parse(await readFile(latest, 'utf8')) : null;
  await writeFile(latest, JSON.stringify(results, null, 2) + '\n');
  const { renderBenchmarks } = await import('./render.ts');
  const md = renderBenchmarks(results, previous);
  await writeFile(`${ROOT}bench/results/${quick ? 'quick' : 'full'}.md`, md);
  if (!quick) await updateBenchmarksMd(md);
  console.log(md);
}

/** Puts a full run's tables into BENCHMARKS.md between "## Results" and the next section. */
async function updateBenchmarksMd(md: string) {
  const file = `${ROOT}BENCHMARKS.md`;
  const doc = await readFile(file, 'utf8');
  const start = doc.indexOf('## Results\n');
  const end = doc.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error('BENCHMARKS.md has no "## Results" section followed by another section');
  await writeFile(file, `${doc.slice(0, start)}## Results\n\n${md}${doc.slice(end)}`);
}

if (process.argv.includes('--workload-analysis')) await import('./workload-analysis.ts');
else {
  const only = (['startup', 'fleet', 'workload', 'tui'] as const).find((part) => process.argv.includes(`--${part}-only`));
  await (only ? partOnly(only) : main());
}
