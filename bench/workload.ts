// The workload's input side, measured: reading a full pg_stat_statements (5,000 statements, the
// extension's default size) and server logs of 50 and 200 MB into the Workload, each in a process of its
// own so its peak memory is its own. The 50 MB log is there to show the memory does not grow with the log.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const CHILD = new URL('./workload-child.ts', import.meta.url).pathname;
const TABLES = 20;
const COLUMNS = 20;

export interface WorkloadBench {
  pgss: { statements: number; feedMs: number; buildMs: number; peakRssMb: number };
  logs: { sizeMb: number; entries: number; statements: number; ms: number; mbPerS: number; peakRssMb: number }[];
}

export async function measureWorkload(url: (db: string) => string, admin: (sql: string, params?: unknown[], db?: string) => Promise<unknown[]>, quick: boolean): Promise<WorkloadBench> {
  const db = 'pgadv_bench_workload';
  if (!(await admin(`SELECT 1 FROM pg_database WHERE datname = $1`, [db])).length) {
    await admin(`CREATE DATABASE ${db} TEMPLATE template0`);
    const cols = Array.from({ length: COLUMNS }, (_, i) => `k${i} int`).join(', ');
    const tables = Array.from({ length: TABLES }, (_, t) => `CREATE TABLE bench_t${t} (id int PRIMARY KEY, ${cols}, note text);`).join('\n');
    await admin(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements; ${tables}`, [], db);
  }
  const statements = quick ? 1000 : 5000;
  await fillStatements(url(db), statements);
  const live = await child(['live', url(db)]);
  const logs: WorkloadBench['logs'] = [];
  for (const mb of quick ? [20] : [50, 200]) {
    const file = join(tmpdir(), `pgadv-bench-${mb}mb.log`);
    await writeLog(file, mb * 2 ** 20);
    const r = await child(['log', url(db), file]);
    const size = (await stat(file)).size / 2 ** 20;
    logs.push({ sizeMb: Math.round(size), entries: r.entries, statements: r.statements, ms: r.buildMs, mbPerS: Math.round((size / r.buildMs) * 1000), peakRssMb: r.peakRssMb });
  }
  return { pgss: { statements: live.statements, feedMs: live.feedMs, buildMs: live.buildMs, peakRssMb: live.peakRssMb }, logs };
}

async function child(args: string[]): Promise<{ statements: number; entries: number; feedMs: number; buildMs: number; peakRssMb: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, ...args], { maxBuffer: 1 << 24, env: { ...process.env, NODE_ENV: 'production' } });
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

/**
 * A stderr log of `bytes` in the Debian log_line_prefix, as log_min_duration_statement = 0 writes it: simple-protocol
 * statements with their literals, multi-line ones, and extended-protocol executions with their DETAIL bind values,
 * over 400 shapes with constants that vary on every line.
 */
async function writeLog(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  let written = 0;
  let i = 0;
  const write = (s: string) => {
    written += s.length;
    return out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  };
  while (written < bytes) {
    let chunk = '';
    for (let j = 0; j < 2000; j++, i++) {
      const ts = `2025-03-01 ${String(10 + (Math.floor(i / 3_600_000) % 10)).padStart(2, '0')}:${String(Math.floor(i / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} UTC`;
      const prefix = `${ts} [${1000 + (i % 50)}] app@pgadv_bench_workload `;
      const t = i % TABLES;
      const k = (i >> 3) % COLUMNS;
      const ms = ((i * 7919) % 5000) / 100;
      switch (i % 4) {
        case 0:
          chunk += `${prefix}LOG:  duration: ${ms.toFixed(3)} ms  statement: SELECT id, note FROM bench_t${t} WHERE k${k} = ${i} AND note = 'customer ${i} note'\n`;
          break;
        case 1:
          chunk += `${prefix}LOG:  duration: ${ms.toFixed(3)} ms  statement: SELECT count(*)\n\t  FROM bench_t${t}\n\t WHERE k${k} BETWEEN ${i} AND ${i + 100}\n`;
          break;
        default:
          chunk += `${prefix}LOG:  duration: ${ms.toFixed(3)} ms  execute <unnamed>: UPDATE bench_t${t} SET note = $1 WHERE id = $2 AND k${k} = $3\n`;
          chunk += `${prefix}DETAIL:  Parameters: $1 = 'updated at ${i}', $2 = '${i}', $3 = '${i % 97}'\n`;
      }
    }
    await write(chunk);
  }
  await new Promise<void>((r) => out.end(() => r()));
}
