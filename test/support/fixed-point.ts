// The fixed point of `check --save DIR --accept all`: run every playbook, save the snapshot and migration
// accepting everything (as `check` does), apply the migration with psql (then its rollback, then the migration
// again), run every playbook again, and list whatever the second run says against the first run's accepted
// migration.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serves, type ParsedIndex } from '../../src/playbooks/index-spec.ts';
import { indexStatements } from '../../src/playbooks/index-parse.ts';
import type { Decision, Finding, RunResult } from '../../src/playbooks/types.ts';
import { connect, runLive, selectNotebooks } from '../../src/playbooks/live.ts';
import { newSnapshot } from '../../src/snapshot/io.ts';
import { saveSession } from '../../src/snapshot/save.ts';
import { psqlFile, schemaDump, withClient } from './db.ts';

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

/** check --save DIR --accept all, the migration applied, rolled back and applied again with psql, then check again. */
export async function fixedPoint(url: string, between?: () => Promise<void>): Promise<FixedPoint> {
  const first = await runAll(url);
  const at = new Date().toISOString();
  const decisions: Record<string, Decision> = {};
  for (const f of first.findings) decisions[f.id] = { state: 'accepted', note: '', at };
  const snapshot = newSnapshot(first, { toolVersion: 'test', takenAt: at, demo: false, decisions });
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-fixed-'));
  const files = await saveSession(dir, snapshot);
  await applyRollBackApply(url, files.migration, files.rollback);
  // what time does after a migration: statistics for the new indexes (expression indexes need them)
  await withClient(url, (c) => c.query('ANALYZE'));
  await between?.();
  const second = await runAll(url);
  const created = first.findings.flatMap((f) => (f.up ? indexStatements(f.up).creates : []));
  return { first, second, created, contradictions: [...twiceInOneMigration(created), ...contradictions(first, second, created)] };
}

/**
 * A migration file applied with psql, its rollback applied (the schema exactly as before, pg_dump's view of it),
 * and the migration applied again (the schema exactly as after the first time). Throws, naming the step, when a
 * step does not get there.
 */
export async function applyRollBackApply(url: string, migration: string, rollback: string): Promise<void> {
  const before = await schemaDump(url);
  await psqlFile(url, migration);
  const after = await schemaDump(url);
  if (after === before) throw new Error(`${migration} changed nothing`);
  await psqlFile(url, rollback);
  const restored = await schemaDump(url);
  if (restored !== before) throw new Error(`${rollback} does not restore the schema the migration found:\n${lineDiff(before, restored)}`);
  await psqlFile(url, migration);
  const again = await schemaDump(url);
  if (again !== after) throw new Error(`${migration} applied again does not give the schema it gave the first time:\n${lineDiff(after, again)}`);
}

/** The lines only one of two dumps has, `-` for the expected one's, `+` for the other's. */
function lineDiff(expected: string, got: string): string {
  const a = new Set(expected.split('\n'));
  const b = new Set(got.split('\n'));
  return [...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`), ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`)].join('\n');
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
