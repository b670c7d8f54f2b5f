// What the snapshot's probes say about each table: sizes, index count, writes and scans. The report reads
// these to size the changes (risk durations, impact projection) and to draw the largest tables. Each
// probe is optional: a section that was skipped or failed just leaves its facts unknown.
import type { Snapshot } from '../snapshot/schema.ts';
import { parseSize } from '../findings/rank.ts';

type Run = Snapshot['playbooks'][number]['runs'][number];

export interface TableFacts {
  /** `schema.table` as the probe wrote it */
  name: string;
  tableBytes: number | null;
  /** table, indexes and TOAST */
  totalBytes: number | null;
  indexes: number | null;
  indexBytes: number | null;
  /** inserts + updates + deletes since the statistics were reset */
  writes: number | null;
  liveRows: number | null;
  seqScans: number | null;
  idxScans: number | null;
  deadPct: number | null;
}

export interface Relations {
  tables: Map<string, TableFacts>;
  /** how many tables the index overview lists; null when it did not run */
  indexOverview: { rows: number } | null;
  /** days between the statistics reset and the snapshot, when both are known */
  statsDays: number | null;
  get(name: string): TableFacts | null;
}

/** A relation name for lookups: quotes dropped, so `"public"."t"` and `public.t` meet. */
export function relationKey(name: string): string {
  return name.replace(/"/g, '');
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return null;
}

export function findRun(s: Snapshot, playbook: string, cell: string): Run | null {
  const run = s.playbooks.find((p) => p.id === playbook)?.runs.find((r) => r.cell === cell);
  return run && run.status === 'ok' ? run : null;
}

export function relationsOf(s: Snapshot): Relations {
  const tables = new Map<string, TableFacts>();
  const entry = (name: string): TableFacts => {
    const key = relationKey(name);
    let t = tables.get(key);
    if (!t) {
      t = { name, tableBytes: null, totalBytes: null, indexes: null, indexBytes: null, writes: null, liveRows: null, seqScans: null, idxScans: null, deadPct: null };
      tables.set(key, t);
    }
    return t;
  };

  const overview = findRun(s, 'indexes', 'index_overview');
  for (const r of overview?.rows ?? []) {
    if (typeof r.table !== 'string') continue;
    const t = entry(r.table);
    t.indexes = num(r.indexes);
    t.indexBytes = num(r.index_bytes);
    t.tableBytes ??= parseSize(r.table_size);
    t.writes ??= num(r.writes_since_reset);
  }
  const scans = findRun(s, 'workload', 'table_scans') ?? findRun(s, 'indexes', 'workload_tables');
  for (const r of scans?.rows ?? []) {
    if (typeof r.table !== 'string') continue;
    const t = entry(typeof r.schema === 'string' ? `${r.schema}.${r.table}` : r.table);
    t.totalBytes = num(r.total_bytes);
    t.liveRows = num(r.live_rows);
    t.seqScans = num(r.seq_scan);
    t.idxScans = num(r.idx_scan);
    const w = [r.n_tup_ins, r.n_tup_upd, r.n_tup_del].map(num);
    if (t.writes === null && w.every((x) => x !== null)) t.writes = (w as number[]).reduce((a, b) => a + b, 0);
  }
  const vacuum = findRun(s, 'maintenance', 'vacuum_activity');
  for (const r of vacuum?.rows ?? []) {
    if (typeof r.table !== 'string') continue;
    const t = entry(r.table);
    t.liveRows ??= num(r.live_rows);
    t.deadPct = num(r.dead_pct);
    t.tableBytes ??= parseSize(r.size);
  }

  const reset = s.server.statsReset ? Date.parse(s.server.statsReset) : NaN;
  const taken = Date.parse(s.takenAt);
  const statsDays = Number.isFinite(reset) && Number.isFinite(taken) && taken >= reset ? (taken - reset) / 86_400_000 : null;
  return {
    tables,
    indexOverview: overview ? { rows: overview.rows.length } : null,
    statsDays,
    get: (name) => tables.get(relationKey(name)) ?? null,
  };
}
