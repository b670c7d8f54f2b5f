// The fixed point of `check --save DIR --accept all`: run every playbook, save the snapshot and migration
// accepting everything (as `check` does), apply the migration with psql, run every playbook again, and list
// whatever the second run says against the first run's accepted migration.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexStatements, serves, type ParsedIndex } from '../../src/playbooks/index-spec.ts';
import type { Decision, Finding, RunResult } from '../../src/playbooks/types.ts';
import { connect, runLive, selectNotebooks } from '../../src/playbooks/live.ts';
import { newSnapshot } from '../../src/snapshot/io.ts';
import { saveSession } from '../../src/snapshot/save.ts';
import { psqlFile, withClient } from './db.ts';

export interface FixedPoint {
  first: RunResult;
  second: RunResult;
  /** indexes the accepted migration created */
  created: ParsedIndex[];
  /** what the second run says against the first run's migration, one line each */
  contradictions: string[];
}

async function runAll(url: string): Promise<RunResult> {
  const conn = await connect(url);
  try {
    return await runLive(conn, await selectNotebooks(undefined));
  } finally {
    await conn.close();
  }
}

/** check --save DIR --accept all, the migration applied with psql, then check again. */
export async function fixedPoint(url: string, between?: () => Promise<void>): Promise<FixedPoint> {
  const first = await runAll(url);
  const at = new Date().toISOString();
  const decisions: Record<string, Decision> = {};
  for (const f of first.findings) decisions[f.id] = { state: 'accepted', note: '', at };
  const snapshot = newSnapshot(first, { toolVersion: 'test', takenAt: at, demo: false, decisions });
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-fixed-'));
  const files = await saveSession(dir, snapshot);
  await psqlFile(url, files.migration);
  // what time does after a migration: statistics for the new indexes (expression indexes need them)
  await withClient(url, (c) => c.query('ANALYZE'));
  await between?.();
  const second = await runAll(url);
  const created = first.findings.flatMap((f) => (f.up ? indexStatements(f.up).creates : []));
  return { first, second, created, contradictions: [...twiceInOneMigration(created), ...contradictions(first, second, created)] };
}

/** Two indexes the one migration creates for one need: the same index from two findings, or one that another leads. */
export function twiceInOneMigration(created: ParsedIndex[]): string[] {
  const out: string[] = [];
  created.forEach((a, i) =>
    created.forEach((b, j) => {
      if (i === j) return;
      if (a.name && a.name === b.name && a.schema === b.schema && i < j) out.push(`the migration creates ${createdName(a)} twice`);
      else if (a.name !== b.name && serves(b, a, a.keys.length)) out.push(`the migration creates ${createdName(a)} and ${createdName(b)}, which serves its need`);
    }),
  );
  return out;
}

function createdName(ix: ParsedIndex): string {
  return ix.name ?? '?';
}

/**
 * The second run contradicts the first run's accepted migration when it proposes dropping an index the
 * migration created, proposes again a fix the migration applied, proposes a second index for a need an
 * index it created serves, or proposes widening one it created.
 */
export function contradictions(first: RunResult, second: RunResult, created: ParsedIndex[]): string[] {
  const out: string[] = [];
  const applied = new Set(first.findings.filter((f) => f.up).map((f) => f.id));
  const names = new Set(created.map(createdName));
  const mentions = (f: Finding, name: string) =>
    f.drops.some((d) => d.endsWith(`.${name}`) || d.endsWith(`."${name}"`)) || f.target.endsWith(`.${name}`) || f.target.endsWith(`."${name}"`);
  for (const f of second.findings) {
    if (applied.has(f.id) && f.up) out.push(`${f.id}: proposed again after the migration applied it`);
    for (const name of names) {
      if (f.drops.length && mentions(f, name)) out.push(`${f.id}: drops ${name}, which the migration created`);
      else if (['duplicate_indexes', 'redundant_indexes', 'low_cardinality_indexes', 'unused_indexes', 'invalid_indexes'].includes(f.check) && mentions(f, name)) {
        out.push(`${f.id}: flags ${name}, which the migration created`);
      }
    }
    if (f.check === 'unused_indexes' && Array.isArray(f.evidence.indexes)) {
      for (const t of f.evidence.indexes as string[]) for (const name of names) if (t.endsWith(`.${name}`) || t.endsWith(`."${name}"`)) out.push(`${f.id}: lists ${name}, which the migration created`);
    }
    for (const mine of indexStatements(f.up).creates) {
      const free = Number((f.evidence.index as { free_prefix?: unknown } | undefined)?.free_prefix ?? mine.keys.length);
      for (const ix of created) {
        if (serves(ix, mine, free)) out.push(`${f.id}: a second index for a need ${createdName(ix)} already serves`);
        else if (serves(mine, ix, 0)) out.push(`${f.id}: widens ${createdName(ix)}, which the migration just created`);
      }
    }
  }
  return out;
}
