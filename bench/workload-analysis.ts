// npm run bench -- --workload — the workload analyzers on a 5,000-statement workload (issue 12): the index
// analysis with hypopg (plans, no constants, as live pg_stat_statements gives), with the workload's constants
// (custom plans, as a log or a .sql file gives), and without hypopg (estimates); the design and N+1 analyzers on
// the same workload. Writes bench/results/workload.json and .md and the "Workload analysis" section of
// BENCHMARKS.md. Needs BENCH_DATABASE_URL or TEST_DATABASE_URL, and hypopg installable on that server.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { ReadOnlyDb } from '../src/db/read-only.ts';
import { probeServer } from '../src/db/server-facts.ts';
import { resolveTarget } from '../src/db/target.ts';
import type { Analyzer, AnalyzerContext } from '../src/playbooks/analyzer.ts';
import { nPlusOne } from '../src/playbooks/analyzers/n-plus-one.ts';
import { EXPERIMENT_BOUND } from '../src/playbooks/analyzers/workload-validate.ts';
import { WORKLOAD_LIMITS, workloadIndexes } from '../src/playbooks/analyzers/workload-indexes.ts';
import { workloadDesign } from '../src/playbooks/analyzers/workload-design.ts';
import type { Workload, WorkloadStatement } from '../src/workload/types.ts';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url).pathname;
const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!base) {
  console.error('bench: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server');
  process.exit(2);
}
const DB = 'pgadv_bench_workload';
const TABLES = 40;
const ROWS = 20_000;
const STATEMENTS = 5_000;
const REPEAT = 3;

const urlFor = (db: string) => {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
};

async function admin(sql: string, db?: string): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ connectionString: db ? urlFor(db) : base });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** 40 tables of 20,000 rows: a tenant key, a skewed status, integers, an email, a timestamp in insertion order, jsonb. */
function schemaSql(): string {
  const out = ['SET client_min_messages = warning;', 'CREATE SCHEMA wl;', 'CREATE EXTENSION IF NOT EXISTS hypopg;'];
  for (let i = 0; i < TABLES; i++) {
    out.push(
      `CREATE TABLE wl.t${i} (id bigint PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, a int, b int, email text, created_at timestamptz NOT NULL, data jsonb);`,
      `INSERT INTO wl.t${i} SELECT g, g % 500, CASE WHEN g % 100 = 0 THEN 'pending' WHEN g % 10 = 0 THEN 'failed' ELSE 'done' END, g % 1000, (g * 7919) % 20000,
         'user' || g || '@example.org', TIMESTAMPTZ '2024-01-01' + g * INTERVAL '1 minute', jsonb_build_object('kind', 'k' || (g % 50))
         FROM generate_series(1, ${ROWS}) g;`,
    );
    if (i % 2) out.push(`CREATE INDEX ON wl.t${i} (a);`);
    if (i % 5 === 0) out.push(`CREATE INDEX ON wl.t${i} (tenant_id);`);
  }
  out.push('VACUUM ANALYZE;');
  return out.join('\n') + '\n';
}

/** A small deterministic PRNG, so every run analyses the same workload. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Planted {
  statement: WorkloadStatement;
  samples: string[][];
}

const FILTERS: { sql: (p: () => string) => string; values: () => string[] }[] = [
  { sql: (p) => `tenant_id = ${p()}`, values: () => ['42'] },
  { sql: (p) => `status = ${p()}`, values: () => ['pending'] },
  { sql: (p) => `a = ${p()}`, values: () => ['7'] },
  { sql: (p) => `b BETWEEN ${p()} AND ${p()}`, values: () => ['100', '200'] },
  { sql: (p) => `created_at >= ${p()}`, values: () => ['2024-01-10'] },
  { sql: (p) => `lower(email) = ${p()}`, values: () => ['user5@example.org'] },
  { sql: (p) => `email LIKE ${p()}`, values: () => ['user12%'] },
  { sql: (p) => `data @> ${p()}`, values: () => ['{"kind":"k3"}'] },
];
const SELECTS = ['id', 'id, a', 'id, created_at', 'count(*)', 'id, status, b', 'email'];
const ORDERS = ['', ' ORDER BY created_at DESC', ' ORDER BY a', ' ORDER BY id'];

/** 5,000 distinct statements: reads over every combination of up to three filters, and writes; calls fall off as 1/rank. */
export function plantedWorkload(): Planted[] {
  const rnd = prng(12);
  const seen = new Set<string>();
  const out: Planted[] = [];
  let attempt = 0;
  while (out.length < STATEMENTS) {
    attempt++;
    const t = `wl.t${Math.floor(rnd() * TABLES)}`;
    let n = 0;
    const p = () => `$${++n}`;
    const values: string[] = [];
    let sql: string;
    if (rnd() < 0.06) {
      sql = rnd() < 0.5 ? `INSERT INTO ${t} (id, tenant_id, status, a, b, email, created_at) VALUES (${p()}, ${p()}, ${p()}, ${p()}, ${p()}, ${p()}, ${p()})` : `UPDATE ${t} SET b = ${p()} WHERE id = ${p()}`;
      values.push(...Array.from({ length: n }, (_, i) => String(100_000 + attempt + i)));
    } else {
      const picked = FILTERS.filter(() => rnd() < 0.3).slice(0, 3);
      if (!picked.length) picked.push(FILTERS[Math.floor(rnd() * FILTERS.length)]);
      const select = SELECTS[Math.floor(rnd() * SELECTS.length)];
      const where = picked.map((f) => {
        values.push(...f.values());
        return f.sql(p);
      });
      const order = select === 'count(*)' ? '' : ORDERS[Math.floor(rnd() * ORDERS.length)];
      const limit = order && rnd() < 0.7 ? ` LIMIT ${p()}` : '';
      if (limit) values.push('20');
      sql = `SELECT ${select} FROM ${t} WHERE ${where.join(' AND ')}${order}${limit}`;
    }
    if (seen.has(sql)) {
      // the same shape again: a different select list keeps every statement distinct, as an ORM's do
      sql = sql.replace(/^SELECT /, `SELECT ${out.length % 97} AS v, `);
      if (seen.has(sql)) continue;
    }
    seen.add(sql);
    const rank = out.length + 1;
    const calls = Math.max(2, Math.floor(200_000 / rank));
    const meanMs = +(0.05 + rnd() * 20).toFixed(3);
    out.push({
      statement: {
        id: `fp:bench${rank}`,
        fingerprint: `bench${rank}`,
        queryid: null,
        query: sql,
        calls,
        totalMs: calls * meanMs,
        meanMs,
        rows: calls,
        toplevel: true,
        tempBlksWritten: null,
        sharedBlksHit: null,
        sharedBlksRead: null,
        sources: ['pgss-export'],
      },
      samples: [values],
    });
  }
  return out;
}

export function workloadOf(planted: Planted[], withConstants: boolean): Workload {
  const samples = new Map(planted.map((p) => [p.statement.id, p.samples]));
  return {
    statements: planted.map((p) => p.statement),
    sources: [{ kind: 'pgss-export', name: 'bench', format: 'csv', entries: planted.length, statements: planted.length, skipped: [], notes: [] }],
    samples: (id) => (withConstants ? (samples.get(id) ?? []) : []),
  };
}

interface Measured {
  ms: number;
  findings: number;
  validated: number;
  estimated: number;
  explains: number;
  hypotheticals: number;
  peakRssMb: number;
}

async function measure(analyzer: Analyzer, workload: Workload): Promise<Measured> {
  const db = await ReadOnlyDb.open(resolveTarget(urlFor(DB)));
  try {
    const server = await probeServer(db);
    let explains = 0;
    let hypotheticals = 0;
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    const started = performance.now();
    const result = await db.pinned((q) => {
      const query = (sql: string, params?: unknown[]) => {
        if (/^\s*EXPLAIN/i.test(sql)) explains++;
        if (/hypopg_create_index/.test(sql)) hypotheticals++;
        return q(sql, params);
      };
      return analyzer.run({ server, inputs: {}, workload, query, signal: new AbortController().signal } as AnalyzerContext);
    });
    const ms = performance.now() - started;
    clearInterval(sampler);
    const how = result.findings.map((f) => (f.evidence as { validation?: string }).validation);
    return {
      ms,
      findings: result.findings.length,
      validated: how.filter((v) => v === 'hypopg').length,
      estimated: how.filter((v) => v === 'estimate').length,
      explains,
      hypotheticals,
      peakRssMb: Math.round(peak / 2 ** 20),
    };
  } finally {
    await db.close();
  }
}

async function median(analyzer: Analyzer, workload: Workload): Promise<Measured & { all: number[] }> {
  await measure(analyzer, workload); // warm the catalog caches and libpg-query
  const runs: Measured[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await measure(analyzer, workload));
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return { ...sorted[Math.floor(REPEAT / 2)], all: runs.map((r) => Math.round(r.ms)) };
}

async function main() {
  const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${DB}'`)).length > 0;
  if (!exists || process.argv.includes('--reload')) {
    if (exists) await admin(`DROP DATABASE ${DB}`);
    await admin(`CREATE DATABASE ${DB}`);
    const file = `/tmp/${DB}.sql`;
    await writeFile(file, schemaSql());
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', urlFor(DB), '-f', file], { maxBuffer: 1 << 26 });
  }
  const pgVersion = (await admin(`SELECT current_setting('server_version') AS v`))[0].v;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}`;
  const planted = plantedWorkload();
  const live = workloadOf(planted, false);
  const sampled = workloadOf(planted, true);
  const writes = planted.filter((p) => !p.statement.query.startsWith('SELECT')).length;
  console.error(`workload bench on ${machine}: ${planted.length} statements (${writes} writes) over ${TABLES} tables of ${ROWS} rows`);

  await admin('CREATE EXTENSION IF NOT EXISTS hypopg', DB);
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine, load: +loadavg()[0].toFixed(1), statements: planted.length, writes, tables: TABLES, rows: ROWS };
  results.indexesHypopg = await median(workloadIndexes, live);
  console.error('  indexes, hypopg, generic plans', results.indexesHypopg);
  results.indexesHypopgConstants = await median(workloadIndexes, sampled);
  console.error('  indexes, hypopg, custom plans', results.indexesHypopgConstants);
  results.design = await median(workloadDesign, live);
  console.error('  design', results.design);
  results.nPlusOne = await median(nPlusOne, live);
  console.error('  n+1', results.nPlusOne);
  await admin('DROP EXTENSION hypopg', DB);
  try {
    results.indexesEstimate = await median(workloadIndexes, live);
    console.error('  indexes, no hypopg', results.indexesEstimate);
  } finally {
    await admin('CREATE EXTENSION hypopg', DB);
  }

  const md = render(results);
  await mkdir(`${ROOT}bench/results`, { recursive: true });
  await writeFile(`${ROOT}bench/results/workload.json`, JSON.stringify(results, null, 2) + '\n');
  await writeFile(`${ROOT}bench/results/workload.md`, md);
  await updateSection(md);
  console.log(md);
}

function render(r: Record<string, unknown>): string {
  const row = (label: string, m: Measured & { all: number[] }) =>
    `| ${label} | ${Math.round(m.ms)} ms (${m.all.join(', ')}) | ${m.findings} (${m.validated} planned, ${m.estimated} estimated) | ${m.hypotheticals} / ${m.explains} | ${m.peakRssMb} MiB |`;
  return [
    `Run ${String(r.date).slice(0, 10)} on ${r.machine}: ${r.statements} distinct statements (${r.writes} of them writes) over ${r.tables} tables of ${r.rows} rows, every statement with its calls and time (calls falling off as 1/rank). Load average at the start: ${r.load} (the machine is shared: wall times move with it; the plan and index counts do not).`,
    '',
    '| analyzer on the 5,000-statement workload | median of 3 (each run) | findings | hypothetical indexes / plans | peak RSS |',
    '|---|---|---|---|---|',
    row('index analysis, hypopg, generic plans (live pg_stat_statements: no constants)', r.indexesHypopg as Measured & { all: number[] }),
    row('index analysis, hypopg, custom plans (the constants a log or .sql file gives)', r.indexesHypopgConstants as Measured & { all: number[] }),
    row('index analysis without hypopg (estimates)', r.indexesEstimate as Measured & { all: number[] }),
    row('design advice (materialized views, caches, partitioning)', r.design as Measured & { all: number[] }),
    row('N+1 loops', r.nPlusOne as Measured & { all: number[] }),
    '',
    `The index analysis reads the ${WORKLOAD_LIMITS.maxStatements} statements taking the most time; its experiments are bounded at ${EXPERIMENT_BOUND.maxCandidates} hypothetical indexes, ${EXPERIMENT_BOUND.maxPlans} plans and ${EXPERIMENT_BOUND.maxMs / 1000} s (past the bound, candidates are estimated and say so).`,
    '',
  ].join('\n');
}

/** Puts the tables into BENCHMARKS.md's "## Workload analysis" section (created before "## Reading them"). */
async function updateSection(md: string) {
  const file = `${ROOT}BENCHMARKS.md`;
  const doc = await readFile(file, 'utf8');
  const head = '## Workload analysis\n';
  const start = doc.indexOf(head);
  if (start >= 0) {
    const end = doc.indexOf('\n## ', start + 1);
    await writeFile(file, `${doc.slice(0, start)}${head}\n${md}${end < 0 ? '' : doc.slice(end)}`);
  } else {
    const at = doc.indexOf('## Reading them');
    if (at < 0) throw new Error('BENCHMARKS.md has no "## Reading them" section');
    await writeFile(file, `${doc.slice(0, at)}${head}\n${md}\n${doc.slice(at)}`);
  }
}

if (!process.env.PGADV_BENCH_IMPORT) await main();
