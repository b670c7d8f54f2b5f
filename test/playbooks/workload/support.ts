// Helpers for the workload tests: running a parameterised workload so pg_stat_statements records
// normalized statements, and running notebooks from a temporary directory.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadNotebooks } from '../../../src/playbooks/loader.ts';
import { connect, runLive, selectNotebooks } from '../../../src/playbooks/live.ts';
import type { CellRun, RunResult } from '../../../src/playbooks/types.ts';
import { statementKey } from '../../../src/workload/key.ts';
import type { TestDatabase } from '../../support/db.ts';

export type Statement = [sql: string, params?: unknown[]];

/** Runs each statement through the extended protocol (as applications do), `times` times with params from `vary`. */
export async function runWorkload(url: string, work: { sql: string; times: number; params?: (i: number) => unknown[] }[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const w of work) {
      for (let i = 0; i < w.times; i++) await c.query({ text: w.sql, values: w.params?.(i) ?? [] });
    }
  } finally {
    await c.end();
  }
}

/** Calls recorded by pg_stat_statements in this database for statements containing `fragment`. */
export async function recordedCalls(db: TestDatabase, fragment: string): Promise<number> {
  const { rows } = await db.exec(
    `SELECT coalesce(sum(calls), 0)::int AS calls FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND strpos(query, $1) > 0`,
    [fragment],
  );
  return rows[0].calls;
}

/**
 * pg_stat_statements is cluster-wide and other test runs on the shared server reset it
 * (pagila's workload.sql calls pg_stat_statements_reset()). Runs `attempt` until `ok` holds, at most 3 times.
 */
export async function retryOnReset<T>(attempt: () => Promise<T>, ok: (t: T) => boolean | Promise<boolean>): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 3; i++) {
    last = await attempt();
    if (await ok(last)) return last;
  }
  return last as T;
}

/**
 * VACUUM until every table's pages are all-visible (at most 30 tries): an autovacuum ANALYZE of freshly loaded
 * tables, or any older snapshot on a busy server, keeps VACUUM from marking them, and the INCLUDE candidates
 * (index-only scans) need them marked.
 */
export async function vacuumUntilAllVisible(db: TestDatabase): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await db.exec('VACUUM ANALYZE');
    const { rows } = await db.exec(
      `SELECT bool_and(relallvisible >= relpages) AS done FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relpages > 0`,
    );
    if (rows[0].done) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A temporary notebook directory holding the given notebooks (file name → text). */
export async function notebookDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-nb-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Some cells of the shipped notebooks (playbooks/), by notebook id and cell id, run as `check` runs them. */
export async function runShippedCells(url: string, cells: Record<string, string[]>): Promise<RunResult> {
  const notebooks = (await loadNotebooks())
    .filter((n) => cells[n.id])
    .map((n) => {
      const unknown = cells[n.id].filter((id) => !n.cells.some((c) => c.id === id));
      if (unknown.length) throw new Error(`${n.id} has no cell ${unknown.join(', ')}`);
      return { ...n, cells: n.cells.filter((c) => cells[n.id].includes(c.id)) };
    });
  const conn = await connect(url);
  try {
    return await runLive(conn, notebooks);
  } finally {
    await conn.close();
  }
}

/** The statement as pg_stat_statements would key it, constants and parameters alike. */
const shapeOf = (sql: string) => statementKey(sql).replace(/\?/g, '$');

/** Every statement of `work` recorded with at least the calls it made (the probe `statements` ran). */
export function everyStatementRecorded(work: Parameters<typeof runWorkload>[1]): (data: RunResult) => boolean {
  return (data) => {
    const rows = cellRun(data, 'statements').rows;
    return work.every((w) => rows.filter((r) => shapeOf(String(r.query)) === shapeOf(w.sql)).reduce((a, r) => a + Number(r.calls), 0) >= w.times);
  };
}

/**
 * Runs `work`, then the shipped `cells`; again (at most 3 times) until `seen` holds of the result — by
 * default, until every statement has all its calls — since another test run may reset pg_stat_statements in
 * between.
 */
export function workloadThenCells(
  url: string,
  work: Parameters<typeof runWorkload>[1],
  cells: Record<string, string[]>,
  seen: (data: RunResult) => boolean = everyStatementRecorded(work),
): Promise<RunResult> {
  return retryOnReset(async () => {
    await runWorkload(url, work);
    return runShippedCells(url, cells);
  }, seen);
}

/** The cells of the index analysis from the workload: the probe that feeds the workload, the checks whose proposals it reconciles with, the analyzer. */
export const INDEX_ANALYSIS = {
  workload: ['statements'],
  indexes: ['fk_without_index', 'duplicate_indexes', 'redundant_indexes', 'unused_indexes', 'workload_indexes'],
};

export async function runNotebooks(url: string, dir?: string, ids?: string[]): Promise<RunResult> {
  const conn = await connect(url);
  try {
    return await runLive(conn, await selectNotebooks(ids, dir));
  } finally {
    await conn.close();
  }
}

export function cellRun(data: RunResult, cell: string): CellRun {
  for (const p of data.playbooks) for (const r of p.runs) if (r.cell === cell) return r;
  throw new Error(`no cell ${cell} ran`);
}
