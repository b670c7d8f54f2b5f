// Fixtures and "as a user" queries for the RLS playbook tests (real server only).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { expect } from 'vitest';
import { schemaDump, TEST_DATABASE_URL, withClient } from '../../support/db.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';

/** Roles are cluster-wide and other test runs share the server: every fixture role carries this suffix. */
export function newSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function fixture(name: string, suffix = ''): string {
  return readFileSync(new URL(`./fixtures/${name}.sql`, import.meta.url), 'utf8').replaceAll('{{s}}', suffix);
}


/** Drops the fixture's roles (after its database is gone) by their names. */
export async function dropRoles(names: string[]): Promise<void> {
  if (!TEST_DATABASE_URL) return;
  await withClient(TEST_DATABASE_URL, async (c) => {
    for (const n of names) await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(n)}`);
  });
}

export interface AsUser {
  role: string;
  /** session variables the policies read (JWT claims, app.current_user_id…), set for the transaction */
  settings?: Record<string, string>;
}

/** Rows a query returns for a user: SET LOCAL ROLE and set_config(…, true) in a transaction rolled back after. */
export async function queryAs(url: string, who: AsUser, sql: string): Promise<Record<string, unknown>[]> {
  return withClient(url, async (c) => {
    await c.query('BEGIN');
    try {
      for (const [k, v] of Object.entries(who.settings ?? {})) await c.query('SELECT set_config($1, $2, true)', [k, v]);
      await c.query(`SET LOCAL ROLE ${pg.escapeIdentifier(who.role)}`);
      return (await c.query(sql)).rows;
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

/** Whether a statement is allowed for a user (WITH CHECK), without keeping its effect. */
export async function allowedAs(url: string, who: AsUser, sql: string): Promise<boolean> {
  try {
    await queryAs(url, who, sql);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42501') return false;
    throw err;
  }
}

/** Applies statements one by one, each on its own connection (CONCURRENTLY cannot run in a transaction). */
export async function applyAll(url: string, statements: string[]): Promise<void> {
  for (const sql of statements) await withClient(url, (c) => c.query(sql));
}

export function byCheck(data: RunResult, check: string): Finding[] {
  return data.findings.filter((f) => f.check === check);
}

export function targetsOf(data: RunResult, check: string): string[] {
  return byCheck(data, check).map((f) => f.target).sort();
}

export function rowsOf(data: RunResult, cell: string): Record<string, unknown>[] {
  for (const p of data.playbooks) for (const r of p.runs) if (r.cell === cell) return r.rows;
  throw new Error(`no cell ${cell}`);
}

export function statusOf(data: RunResult, cell: string): string {
  for (const p of data.playbooks) for (const r of p.runs) if (r.cell === cell) return `${r.status}${r.reason ? `: ${r.reason}` : ''}`;
  throw new Error(`no cell ${cell}`);
}

/** Every row of each table as each user sees it (rows as JSON text, sorted): the before/after evidence. */
export async function visibleRows(url: string, users: AsUser[], tables: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const u of users) {
    for (const t of tables) {
      const rows = await queryAs(url, u, `SELECT to_jsonb(x)::text AS r FROM ${t} x ORDER BY 1`);
      out[`${u.role} ${JSON.stringify(u.settings ?? {})} ${t}`] = rows.map((r) => String(r.r));
    }
  }
  return out;
}

/** The proof is only worth something if users see different, non-empty slices of the tables. */
export function expectDiscriminating(seen: Record<string, string[]>, tables: string[]): void {
  for (const t of tables) {
    const slices = Object.entries(seen).filter(([k]) => k.endsWith(` ${t}`)).map(([, v]) => JSON.stringify(v));
    if (!slices.some((x) => x !== '[]')) throw new Error(`no user sees any row of ${t}`);
    if (new Set(slices).size < 2) throw new Error(`every user sees the same rows of ${t}`);
  }
}

/** Each fix, applied and rolled back on its own, leaves the schema exactly as it was. */
export async function expectEachFixRollsBack(url: string, data: RunResult): Promise<void> {
  const before = await schemaDump(url);
  for (const f of data.findings.filter((x) => x.up)) {
    await applyAll(url, [f.up!]);
    await applyAll(url, [f.down!]);
    expect(await schemaDump(url), f.id).toBe(before);
  }
}
