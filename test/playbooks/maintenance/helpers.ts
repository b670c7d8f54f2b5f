// Shared by the maintenance and schema-integrity tests: the whole accepted set as one migration, and the
// number of statements a run sends.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildMigration } from '../../../src/migration/build.ts';
import { splitStatements } from '../../../src/migration/statements.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { connect, runLive, selectNotebooks } from '../../../src/playbooks/live.ts';
import { newSnapshot } from '../../../src/snapshot/io.ts';
import { createDatabase, psqlFile, schemaDump, type TestDatabase } from '../../support/db.ts';
import { findingsOf } from '../../support/run.ts';

/** Accepts every finding, applies the migration with psql, then its rollback; the schema must change and come back exactly. */
export async function migrateAndRollBack(db: TestDatabase, data: RunResult): Promise<void> {
  const at = '2025-01-01T00:00:00.000Z';
  const decisions = Object.fromEntries(data.findings.map((f) => [f.id, { state: 'accepted' as const, note: '', at }]));
  const migration = buildMigration(newSnapshot(data, { toolVersion: '0.0.0-test', takenAt: at, demo: false, decisions }), { name: 'all' });
  expect(migration.applied.length).toBe(data.findings.filter((f) => f.up).length);
  expect(migration.irreversible).toEqual([]);
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-migrate-'));
  try {
    await writeFile(join(dir, 'up.sql'), migration.up);
    await writeFile(join(dir, 'down.sql'), migration.down);
    const before = await schemaDump(db.url);
    await psqlFile(db.url, join(dir, 'up.sql'));
    expect(await schemaDump(db.url)).not.toBe(before);
    await psqlFile(db.url, join(dir, 'down.sql'));
    expect(await schemaDump(db.url)).toBe(before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Statements one run of the playbook sends (the session's own setup excluded). */
export async function statementsPerRun(url: string, playbook: string): Promise<number> {
  const conn = await connect(url);
  try {
    const before = conn.db.statementCount;
    await runLive(conn, await selectNotebooks([playbook]));
    return conn.db.statementCount - before;
  } finally {
    await conn.close();
  }
}

/** The playbook sends exactly one statement per cell, on the fixture and on an empty database alike. */
export async function expectOneStatementPerCell(url: string, playbook: string, cells: number): Promise<void> {
  const empty = await createDatabase();
  try {
    expect(await statementsPerRun(url, playbook)).toBe(cells);
    expect(await statementsPerRun(empty.url, playbook)).toBe(cells);
  } finally {
    await empty.drop();
  }
}

export const targets = (data: RunResult, check: string) => findingsOf(data, check).map((f) => f.target).sort();

export function find(data: RunResult, check: string, target: string): Finding {
  const f = findingsOf(data, check).find((x) => x.target === target);
  if (!f) throw new Error(`no ${check} finding for ${target}`);
  return f;
}

/** One finding's up or down, statement by statement (CONCURRENTLY cannot run in a transaction block). */
export async function apply(db: TestDatabase, f: Finding, which: 'up' | 'down'): Promise<void> {
  for (const s of splitStatements(f[which]!, `${f.id} ${which}`)) await db.exec(s.sql);
}

/**
 * Each finding's up changes the schema and its down restores it exactly; then all ups apply together and
 * the downs, in reverse, restore the schema again.
 */
export async function expectEachFindingRoundTrips(db: TestDatabase, withSql: Finding[]): Promise<void> {
  const before = await schemaDump(db.url);
  for (const f of withSql) {
    await apply(db, f, 'up');
    expect(await schemaDump(db.url), `${f.id} up changes the schema`).not.toBe(before);
    await apply(db, f, 'down');
    expect(await schemaDump(db.url), `${f.id} down restores it`).toBe(before);
  }
  for (const f of withSql) await apply(db, f, 'up');
  for (const f of [...withSql].reverse()) await apply(db, f, 'down');
  expect(await schemaDump(db.url)).toBe(before);
}
