// The risk of each accepted statement: the lock it takes and for how long (a catalog change, a scan, an
// index build, a rewrite), an estimated duration from the size of the relation, whether it rewrites the
// table, whether the rollback undoes it, and what to watch while it runs. The lock comes from the
// finding's `evidence.lock` when the check states it, else from the statement's parse tree.
import { statementLock, type LockMode } from '../migration/locks.ts';
import type { Phase } from '../migration/statements.ts';
import { evidenceLock, heldOf, riskOf, type Held } from '../findings/risk.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import type { AppliedStatement } from './changes.ts';
import type { Projection } from './impact.ts';
import { relationsOf, type Relations } from './relations.ts';

/**
 * The duration model. An index build reads the table (twice for CONCURRENTLY: the build and the
 * validation pass) and writes the index; a validation or other full scan reads the table once; a rewrite
 * reads and writes the table and rebuilds its indexes; a catalog change is brief once its lock is granted.
 */
export const DURATION_MODEL = {
  readBytesPerSecond: 100 * 1024 ** 2,
  writeBytesPerSecond: 50 * 1024 ** 2,
  briefMs: 50,
};

export const DURATION_ASSUMPTIONS = [
  'Estimated from the relation sizes in the snapshot at 100 MB/s read and 50 MB/s write, a conservative figure for network-attached cloud storage (local NVMe is several times faster).',
  'An index build reads the table and writes the index; CREATE INDEX CONCURRENTLY reads the table twice. A validation or other full scan reads it once. A rewrite reads and writes the table and rebuilds every index on it.',
  'A catalog change (a brief lock) takes milliseconds once its lock is granted.',
  'Not modelled: waiting for the lock behind long transactions (lock_timeout bounds it: the statement gives up and is re-run), CREATE/DROP INDEX CONCURRENTLY waiting for every transaction older than itself, CPU-bound sorts of wide keys, and I/O from other sessions.',
];

export interface RiskRow {
  statement: AppliedStatement;
  /** null: no table lock; 'unknown': neither the evidence nor the parser can tell */
  lock: LockMode | null | 'unknown';
  lockFrom: 'evidence' | 'parse';
  held: Held | 'unknown';
  relation: string | null;
  relationBytes: number | null;
  /** null when the size needed is unknown */
  estimateMs: number | null;
  rewrites: 'yes' | 'maybe' | 'no';
  reversible: boolean;
  watch: string;
}

export interface RiskGroup {
  /** the check the statements come from */
  check: string;
  playbook: string;
  phase: Phase;
  lock: RiskRow['lock'];
  held: RiskRow['held'];
  rows: RiskRow[];
  tables: number;
  largest: { relation: string; bytes: number } | null;
  totalMs: number | null;
  maxMs: number | null;
  unknownDurations: number;
  rewrites: RiskRow['rewrites'];
  reversible: 'all' | 'none' | 'some';
  watch: string;
}

const WATCH: Record<Held | 'unknown', string> = {
  build:
    'pg_stat_progress_create_index (phase, blocks done); transactions older than the build, which it waits for; afterwards no invalid index (pg_index.indisvalid)',
  scan: 'the scan’s I/O; autovacuum on the table waits until it ends; sessions queued behind the lock in pg_stat_activity',
  rewrite:
    'every statement on the table waits until it ends; free disk for a second copy of the table and its indexes; WAL volume and replica lag',
  brief: 'sessions waiting on the lock (pg_stat_activity wait_event_type = Lock); lock_timeout cancels rather than queue: re-run it off-peak',
  unknown: 'sessions waiting on locks in pg_stat_activity; the statement’s own duration',
};

function dropWatch(): string {
  return 'waits for transactions using the table; afterwards the statements it served keep their plans (pg_stat_statements mean time)';
}

/** COMMENT ON INDEX: a brief lock on the new index alone, which reads and writes of its table do not wait for. */
const MARK_RISK: Pick<RiskRow, 'lock' | 'lockFrom' | 'held' | 'rewrites'> = { lock: 'SHARE UPDATE EXCLUSIVE', lockFrom: 'parse', held: 'brief', rewrites: 'no' };

/** The lock and hold of one statement: the finding's stated lock for a one-statement `up`, else its parse tree. */
function statementRisk(st: AppliedStatement, singleStatement: boolean): Pick<RiskRow, 'lock' | 'lockFrom' | 'held' | 'rewrites'> {
  const stated = evidenceLock(st.finding.evidence);
  const parsed = st.node ? statementLock(st.node) : null;
  const fromParse = parsed && (parsed.known || parsed.mode !== null);
  if (stated?.mode !== undefined && (singleStatement || !fromParse)) {
    const finding = riskOf(st.finding);
    return { lock: stated.mode, lockFrom: 'evidence', held: finding.held ?? 'unknown', rewrites: finding.rewrites };
  }
  if (st.node && parsed && fromParse) return { lock: parsed.mode, lockFrom: 'parse', held: heldOf(st.node, parsed), rewrites: parsed.rewrites };
  return { lock: 'unknown', lockFrom: 'parse', held: 'unknown', rewrites: 'no' };
}

/** Milliseconds for one statement under the model; null when it needs a size the snapshot lacks. */
export function estimateMs(held: Held | 'unknown', tableBytes: number | null, indexBytes: number | null, concurrent: boolean): number | null {
  const { readBytesPerSecond: r, writeBytesPerSecond: w, briefMs } = DURATION_MODEL;
  switch (held) {
    case 'brief':
      return briefMs;
    case 'scan':
      return tableBytes === null ? null : (tableBytes / r) * 1000;
    case 'build':
      if (tableBytes === null) return null;
      return (((concurrent ? 2 : 1) * tableBytes) / r + (indexBytes ?? 0) / w) * 1000;
    case 'rewrite':
      if (tableBytes === null) return null;
      return (tableBytes / r + (tableBytes + (indexBytes ?? 0)) / w) * 1000;
    case 'unknown':
      return null;
  }
}

function sizeOf(rel: Relations, st: AppliedStatement, stated: string[]): { relation: string | null; bytes: number | null } {
  const e = st.finding.evidence;
  const relation = st.relation ?? stated[0] ?? null;
  const fromEvidence = typeof e.table_bytes === 'number' ? e.table_bytes : null;
  const facts = relation ? rel.get(relation) : null;
  const bytes = fromEvidence ?? riskOf(st.finding).tableBytes ?? facts?.tableBytes ?? facts?.totalBytes ?? null;
  // for a drop, the finding's bytes are the index's, not the table's
  return { relation, bytes: st.kind === 'drop-index' ? (facts?.tableBytes ?? null) : bytes };
}

export function riskRows(s: Snapshot, applied: AppliedStatement[], projection: Projection): RiskRow[] {
  const rel = relationsOf(s);
  const perFinding = new Map<string, number>();
  // the finding's own statements: the creation mark a migration adds to an index does not make a one-statement fix two
  for (const st of applied) if (st.kind !== 'mark') perFinding.set(st.finding.id, (perFinding.get(st.finding.id) ?? 0) + 1);
  const created = new Map(projection.creates.map((c) => [c.statement.n, c.bytes]));
  return applied.map((st) => {
    const r = st.kind === 'mark' ? MARK_RISK : statementRisk(st, perFinding.get(st.finding.id) === 1);
    const stated = evidenceLock(st.finding.evidence)?.on ?? [];
    const { relation, bytes } = sizeOf(rel, st, stated);
    const concurrent = st.phase === 'concurrent-create' || st.phase === 'concurrent-drop';
    const ms = st.kind === 'drop-index' ? DURATION_MODEL.briefMs : estimateMs(r.held, bytes, created.get(st.n) ?? null, concurrent);
    return {
      statement: st,
      ...r,
      relation,
      relationBytes: bytes,
      estimateMs: ms,
      reversible: st.finding.down !== null,
      watch: st.kind === 'drop-index' ? dropWatch() : WATCH[r.held],
    };
  });
}

/** Rows of the same check, phase, lock and hold as one line of the matrix (the full list stays per statement). */
export function riskGroups(rows: RiskRow[]): RiskGroup[] {
  const groups = new Map<string, RiskRow[]>();
  for (const r of rows) {
    const f = r.statement.finding;
    const key = [r.statement.phase, f.playbook, f.check, r.lock ?? 'none', r.held].join('\u0000');
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const rank = { no: 0, maybe: 1, yes: 2 } as const;
  return [...groups.values()].map((list) => {
    const first = list[0];
    const known = list.filter((r) => r.estimateMs !== null);
    const sized = list.filter((r) => r.relation && r.relationBytes !== null).sort((a, b) => b.relationBytes! - a.relationBytes!);
    const reversibles = list.filter((r) => r.reversible).length;
    return {
      check: first.statement.finding.check,
      playbook: first.statement.finding.playbook,
      phase: first.statement.phase,
      lock: first.lock,
      held: first.held,
      rows: list,
      tables: new Set(list.map((r) => r.relation ?? '')).size,
      largest: sized.length ? { relation: sized[0].relation!, bytes: sized[0].relationBytes! } : null,
      totalMs: known.length ? known.reduce((a, r) => a + r.estimateMs!, 0) : null,
      maxMs: known.length ? Math.max(...known.map((r) => r.estimateMs!)) : null,
      unknownDurations: list.length - known.length,
      rewrites: list.reduce<RiskRow['rewrites']>((a, r) => (rank[r.rewrites] > rank[a] ? r.rewrites : a), 'no'),
      reversible: reversibles === list.length ? 'all' : reversibles === 0 ? 'none' : 'some',
      watch: first.watch,
    };
  });
}
