// The charts drawn beside a section's evidence: the largest tables with their indexes and bloat, how they
// are read (sequential against index scans), and the share of time of the top statements. Each is built
// from a probe's rows in the snapshot and is absent when that probe did not run.
import { parseSize } from '../findings/rank.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import type { ChartSpec } from './charts-spec.ts';
import { findRun, num, relationKey, relationsOf } from './relations.ts';

const BARS = 15;

/** Bloat the table_bloat check estimated, by table. */
function bloatByTable(s: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of s.findings) {
    if (f.check !== 'table_bloat') continue;
    const e = f.evidence;
    const bytes = num(e.bloat_bytes) ?? parseSize(e.bloat_size) ?? num(e.wasted_bytes) ?? parseSize(e.wasted_size);
    if (bytes !== null) out.set(relationKey(f.target), bytes);
  }
  return out;
}

export function largestTablesChart(s: Snapshot): ChartSpec | null {
  const rel = relationsOf(s);
  const bloat = bloatByTable(s);
  const tables = [...rel.tables.values()]
    .filter((t) => t.tableBytes !== null || t.indexBytes !== null)
    .sort((a, b) => (b.tableBytes ?? 0) + (b.indexBytes ?? 0) - ((a.tableBytes ?? 0) + (a.indexBytes ?? 0)) || (a.name < b.name ? -1 : 1))
    .slice(0, BARS);
  if (!tables.length) return null;
  const bloated = tables.some((t) => bloat.has(relationKey(t.name)));
  const rows = tables.flatMap((t) => {
    const wasted = Math.min(bloat.get(relationKey(t.name)) ?? 0, t.tableBytes ?? 0);
    return [
      { label: t.name, series: 'Table', value: Math.max(0, (t.tableBytes ?? 0) - wasted) },
      ...(bloated ? [{ label: t.name, series: 'Table bloat (estimated)', value: wasted }] : []),
      { label: t.name, series: 'Indexes', value: t.indexBytes ?? 0 },
    ];
  });
  return {
    id: 'chart-largest-tables',
    title: `Largest tables: table${bloated ? ', estimated bloat' : ''} and index bytes (top ${tables.length})`,
    description: `For each of the largest tables, its bytes on disk: the table${bloated ? ' (less the bloat the bloat check estimated, shown apart)' : ' (the bloat check found none to show)'} and its indexes.`,
    unit: 'bytes',
    rows,
    series: [{ name: 'Table', color: 'primary' }, ...(bloated ? [{ name: 'Table bloat (estimated)', color: 'warning' as const }] : []), { name: 'Indexes', color: 'secondary' }],
  };
}

export function tableScansChart(s: Snapshot): ChartSpec | null {
  const rel = relationsOf(s);
  const tables = [...rel.tables.values()]
    .filter((t) => t.seqScans !== null && t.idxScans !== null && t.seqScans + t.idxScans > 0)
    .sort((a, b) => b.seqScans! + b.idxScans! - (a.seqScans! + a.idxScans!) || (a.name < b.name ? -1 : 1))
    .slice(0, BARS);
  if (!tables.length) return null;
  return {
    id: 'chart-table-scans',
    title: `How the busiest tables are read: sequential and index scans (top ${tables.length})`,
    description: 'For each of the most scanned tables, the sequential and index scans since the statistics were reset.',
    unit: 'count',
    rows: tables.flatMap((t) => [
      { label: t.name, series: 'Sequential scans', value: t.seqScans! },
      { label: t.name, series: 'Index scans', value: t.idxScans! },
    ]),
    series: [
      { name: 'Sequential scans', color: 'warning' },
      { name: 'Index scans', color: 'primary' },
    ],
  };
}

export function topStatementsChart(s: Snapshot): ChartSpec | null {
  const run = findRun(s, 'workload', 'top_by_total_time');
  if (!run?.rows.length) return null;
  const rows = run.rows
    .slice(0, BARS)
    .map((r, i) => ({ label: `${i + 1}. ${shortQuery(String(r.query ?? ''))}`, share: shareOf(r) }))
    .filter((r): r is { label: string; share: number } => r.share !== null);
  if (!rows.length) return null;
  return {
    id: 'chart-top-statements',
    title: `Share of execution time of the top ${rows.length} statements`,
    description: 'Each of the statements that took the most execution time, as a share of the time of all statements pg_stat_statements recorded.',
    unit: 'percent',
    rows: rows.map((r) => ({ label: r.label, series: 'Share of time', value: r.share })),
    series: [{ name: 'Share of time', color: 'primary' }],
  };
}

/** The statement's share of time as a fraction: the cell gives "share %" (older snapshots: share, a fraction). */
function shareOf(r: Record<string, unknown>): number | null {
  const percent = num(r['share %']);
  return percent !== null ? percent / 100 : num(r.share);
}

function shortQuery(q: string): string {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? one.slice(0, 59) + '…' : one;
}
