// The impact projection of the accepted migration: index count and bytes before and after, the bytes it
// adds and frees, the write overhead on each table it touches, and per statement the plan cost before and
// after. Counts come from the migration's own statements (changes.ts); sizes from the findings' evidence
// (measured for drops, hypopg's or the workload advisor's estimate for creates, else a row-count
// estimate that says so); the per-statement part from the workload advisor's alignment table when the
// snapshot has one, else from the statements each index finding lists.
import { parseSize } from '../findings/rank.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { indexLabel, type AppliedStatement } from './changes.ts';
import { decisionOf } from './model.ts';
import { findRun, num, relationKey, relationsOf, type Relations } from './relations.ts';

type Finding = Snapshot['findings'][number];

/** Where a size comes from, most to least certain. */
export type SizeBasis = 'measured' | 'hypopg' | 'estimate' | 'rows' | 'shared' | 'unknown';

export const SIZE_BASIS_TEXT: Record<SizeBasis, string> = {
  measured: 'measured on disk',
  hypopg: "hypopg's estimate",
  estimate: "the workload advisor's estimate",
  rows: 'estimated from the row count (24 bytes an entry: an 8-byte key)',
  shared: 'counted with the first index of the same finding',
  unknown: 'unknown: the snapshot has no size or row count for the table',
};

export interface IndexChange {
  statement: AppliedStatement;
  index: string;
  table: string | null;
  bytes: number | null;
  basis: SizeBasis;
}

export interface TableImpact {
  table: string;
  indexesBefore: number | null;
  added: number;
  dropped: number;
  bytesAdded: number;
  bytesFreed: number;
  /** some change on the table has no known size */
  unknownBytes: boolean;
  /** inserts + updates + deletes since the statistics reset */
  writes: number | null;
  writesPerDay: number | null;
}

export interface StatementImpact {
  query: string;
  queryid: string | null;
  calls: number | null;
  meanMs: number | null;
  shareOfTime: number | null;
  indexToday: string | null;
  proposed: string | null;
  /** the proposal is in the accepted migration */
  accepted: boolean;
  costBefore: number | null;
  /** the cost once the accepted migration runs (the cost today when its proposal was not accepted) */
  costAfter: number | null;
  validated: string | null;
}

export interface Projection {
  /** index totals over the tables the snapshot lists; null when the index overview did not run */
  before: { indexes: number; bytes: number; tables: number } | null;
  after: { indexes: number; bytes: number } | null;
  /** the indexes the migration creates, each once */
  creates: IndexChange[];
  /** creates of an index an earlier statement already creates (IF NOT EXISTS makes them no-ops) */
  repeats: IndexChange[];
  drops: IndexChange[];
  bytesAdded: number;
  bytesFreed: number;
  /** creates whose size is unknown (not in bytesAdded) */
  unknownSizes: number;
  tables: TableImpact[];
  statements: StatementImpact[];
  statementSource: 'alignment' | 'findings' | null;
  statsDays: number | null;
}

/** Bytes per index entry for a row-count estimate: 8-byte tuple header, an 8-byte key, 4-byte line pointer, 90 % fill. */
const ENTRY_BYTES = 24;
const PAGE = 8192;

export function estimateIndexBytes(rows: number): number {
  const perPage = Math.floor((PAGE * 0.9 - 24) / ENTRY_BYTES);
  return (1 + Math.max(1, Math.ceil(rows / perPage))) * PAGE;
}

function createdSize(f: Finding, rel: Relations, table: string | null): { bytes: number | null; basis: SizeBasis } {
  const e = f.evidence;
  const hypo = num(e.index_bytes_hypopg);
  if (hypo !== null) return { bytes: hypo, basis: 'hypopg' };
  const est = num(e.index_bytes_estimate);
  if (est !== null) return { bytes: est, basis: 'estimate' };
  const rows = num(e.table_rows) ?? num(e.est_rows) ?? (table ? rel.get(table)?.liveRows ?? null : null);
  if (rows !== null && rows >= 0) return { bytes: estimateIndexBytes(rows), basis: 'rows' };
  return { bytes: null, basis: 'unknown' };
}

function droppedSize(f: Finding): { bytes: number | null; basis: SizeBasis } {
  const e = f.evidence;
  const bytes = num(e.drop_bytes) ?? parseSize(e.drop_size) ?? num(e.index_bytes) ?? parseSize(e.index_size);
  return bytes === null ? { bytes: null, basis: 'unknown' } : { bytes, basis: 'measured' };
}

/** `applied`: the migration's statements (appliedStatements), empty when no migration could be built. */
export function projectImpact(s: Snapshot, applied: AppliedStatement[]): Projection {
  const rel = relationsOf(s);
  const creates: IndexChange[] = [];
  const repeats: IndexChange[] = [];
  const drops: IndexChange[] = [];
  const sized = new Set<string>();
  const created = new Set<string>();
  for (const st of applied) {
    for (const index of st.indexes) {
      if (st.kind === 'create-index') {
        const key = `${index.schema ?? ''}\u0000${index.name}`;
        if (created.has(key)) {
          repeats.push({ statement: st, index: indexLabel(index), table: st.relation, bytes: 0, basis: 'shared' });
          continue;
        }
        created.add(key);
        const first = !sized.has(st.finding.id);
        sized.add(st.finding.id);
        const size = first ? createdSize(st.finding, rel, st.relation) : { bytes: 0, basis: 'shared' as const };
        creates.push({ statement: st, index: indexLabel(index), table: st.relation, ...size });
      } else if (st.kind === 'drop-index') {
        const first = !sized.has(st.finding.id);
        sized.add(st.finding.id);
        drops.push({ statement: st, index: indexLabel(index), table: st.relation, ...(first ? droppedSize(st.finding) : { bytes: 0, basis: 'shared' as const }) });
      }
    }
  }
  const sum = (list: IndexChange[]) => list.reduce((a, c) => a + (c.bytes ?? 0), 0);
  const bytesAdded = sum(creates);
  const bytesFreed = sum(drops);

  let before: Projection['before'] = null;
  if (rel.indexOverview) {
    let indexes = 0;
    let bytes = 0;
    let tables = 0;
    for (const t of rel.tables.values()) {
      if (t.indexes === null) continue;
      tables++;
      indexes += t.indexes;
      bytes += t.indexBytes ?? 0;
    }
    before = { indexes, bytes, tables };
  }
  const after = before ? { indexes: before.indexes + creates.length - drops.length, bytes: before.bytes + bytesAdded - bytesFreed } : null;

  const byTable = new Map<string, TableImpact>();
  const touch = (c: IndexChange, kind: 'add' | 'drop') => {
    const name = c.table ?? '(unknown table)';
    const key = relationKey(name);
    let t = byTable.get(key);
    if (!t) {
      const facts = rel.get(name);
      const e = c.statement.finding.evidence;
      const writes = facts?.writes ?? num(e.table_writes) ?? num(e.writes_since_stats_reset);
      const perDay = num(e.writes_per_day) ?? (writes !== null && rel.statsDays !== null && rel.statsDays >= 1 ? writes / rel.statsDays : null);
      t = { table: name, indexesBefore: facts?.indexes ?? null, added: 0, dropped: 0, bytesAdded: 0, bytesFreed: 0, unknownBytes: false, writes, writesPerDay: perDay };
      byTable.set(key, t);
    }
    if (c.basis === 'unknown') t.unknownBytes = true;
    if (kind === 'add') {
      t.added++;
      t.bytesAdded += c.bytes ?? 0;
    } else {
      t.dropped++;
      t.bytesFreed += c.bytes ?? 0;
    }
  };
  creates.forEach((c) => touch(c, 'add'));
  drops.forEach((c) => touch(c, 'drop'));
  const tables = [...byTable.values()].sort((a, b) => (b.writes ?? -1) - (a.writes ?? -1) || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));

  const acceptedTargets = new Set(applied.map((a) => a.finding.target));
  const { statements, source } = statementImpacts(s, acceptedTargets);
  return {
    before,
    after,
    creates,
    repeats,
    drops,
    bytesAdded,
    bytesFreed,
    unknownSizes: creates.filter((c) => c.basis === 'unknown').length + drops.filter((c) => c.basis === 'unknown').length,
    tables,
    statements,
    statementSource: source,
    statsDays: rel.statsDays,
  };
}

/** The workload advisor's alignment table, when the snapshot has one (its columns name it). */
const ALIGNMENT_NEEDS = ['query', 'calls', 'mean_ms', 'index_today', 'cost_today', 'proposed', 'proposed_targets', 'cost_after'];

function statementImpacts(s: Snapshot, acceptedTargets: Set<string>): { statements: StatementImpact[]; source: Projection['statementSource'] } {
  const run = findRun(s, 'indexes', 'workload_indexes');
  if (run && ALIGNMENT_NEEDS.every((c) => run.columns.includes(c))) {
    const statements = run.rows.map((r): StatementImpact => {
      const targets = typeof r.proposed_targets === 'string' ? r.proposed_targets.split(/;\s*/).filter(Boolean) : [];
      const accepted = targets.some((t) => acceptedTargets.has(t));
      const today = num(r.cost_today);
      return {
        query: String(r.query ?? ''),
        queryid: r.queryid === null || r.queryid === undefined ? null : String(r.queryid),
        calls: num(r.calls),
        meanMs: num(r.mean_ms),
        shareOfTime: num(r.share_of_time),
        indexToday: typeof r.index_today === 'string' ? r.index_today : null,
        // the findings' targets, as the report lists the findings; else the index names
        proposed: targets.length ? targets.join('; ') : typeof r.proposed === 'string' ? r.proposed : null,
        accepted,
        costBefore: today,
        costAfter: accepted ? num(r.cost_after) : today,
        validated: typeof r.validated === 'string' ? r.validated : null,
      };
    });
    return { statements, source: 'alignment' };
  }
  // Until then: the statements each index proposal lists, with the plan cost it measured before and after.
  const byQuery = new Map<string, StatementImpact>();
  for (const f of [...s.findings].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const list = f.evidence.statements;
    if (!Array.isArray(list)) continue;
    const accepted = decisionOf(s, f.id).state === 'accepted' && f.up !== null && acceptedTargets.has(f.target);
    for (const raw of list) {
      if (!raw || typeof raw !== 'object') continue;
      const r = raw as Record<string, unknown>;
      const before = num(r.cost_before);
      const afterCost = num(r.cost_after);
      if (before === null || afterCost === null) continue;
      const key = String(r.queryid ?? r.query ?? '');
      const candidate: StatementImpact = {
        query: String(r.query ?? ''),
        queryid: r.queryid === undefined || r.queryid === null ? null : String(r.queryid),
        calls: num(r.calls),
        meanMs: num(r.mean_ms),
        shareOfTime: null,
        indexToday: typeof r.plan_before === 'string' ? r.plan_before : null,
        proposed: f.target,
        accepted,
        costBefore: before,
        costAfter: accepted ? afterCost : before,
        validated: typeof f.evidence.method === 'string' && /hypopg/i.test(f.evidence.method) ? 'hypopg' : 'estimate',
      };
      const prev = byQuery.get(key);
      // the accepted proposal that helps most wins; an unaccepted one only fills an empty place
      if (!prev || (candidate.accepted && (!prev.accepted || (candidate.costAfter ?? Infinity) < (prev.costAfter ?? Infinity)))) byQuery.set(key, candidate);
    }
  }
  const statements = [...byQuery.values()].sort((a, b) => (b.calls ?? 0) * (b.meanMs ?? 0) - (a.calls ?? 0) * (a.meanMs ?? 0) || (a.query < b.query ? -1 : 1));
  return { statements, source: statements.length ? 'findings' : null };
}
