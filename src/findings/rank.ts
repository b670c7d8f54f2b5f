// Which findings matter most: severity first, then what is at stake (the statement time a finding's
// statements cost, then the bytes of the table or index it concerns). Shared by the TUI's overview and
// the report, so both list findings in the same order.
import { severityRank, type Finding } from '../playbooks/types.ts';

export interface Impact {
  /** total execution time of the statements the finding is about (ms), from its evidence */
  timeMs: number | null;
  /** size of the table or index the finding concerns (bytes), from its evidence */
  bytes: number | null;
}

/** Evidence keys holding a size in bytes, most telling first. */
const BYTE_KEYS = ['table_bytes', 'total_bytes', 'drop_bytes', 'index_bytes', 'bytes'];
/** Evidence keys holding a size as pg_size_pretty wrote it ("1080 kB"). */
const PRETTY_KEYS = ['table_size', 'total_size', 'drop_size', 'index_size', 'size'];
const UNITS: Record<string, number> = { bytes: 1, byte: 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

function asNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return null;
}

/** "1080 kB", "2 MB", "8192 bytes" → bytes; null for anything else. */
export function parseSize(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(bytes?|[kmgtp]?b)\s*$/i.exec(v);
  if (!m) return null;
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

export function impactOf(f: Pick<Finding, 'evidence'>): Impact {
  const e = f.evidence;
  let bytes: number | null = null;
  for (const k of BYTE_KEYS) {
    bytes = asNumber(e[k]);
    if (bytes !== null) break;
  }
  if (bytes === null) {
    for (const k of PRETTY_KEYS) {
      bytes = parseSize(e[k]);
      if (bytes !== null) break;
    }
  }
  const lookup = e.lookup && typeof e.lookup === 'object' ? (e.lookup as Record<string, unknown>) : null;
  let timeMs = asNumber(e.total_ms);
  if (timeMs === null && lookup) {
    const calls = asNumber(lookup.calls);
    const mean = asNumber(lookup.mean_ms);
    timeMs = asNumber(lookup.total_ms) ?? (calls !== null && mean !== null ? calls * mean : null);
  }
  return { timeMs, bytes };
}

const impacts = new WeakMap<object, Impact>();

/** impactOf, computed once per finding object (the overview sorts 10,000 of them). */
export function cachedImpact(f: Finding): Impact {
  let i = impacts.get(f);
  if (!i) impacts.set(f, (i = impactOf(f)));
  return i;
}

const desc = (a: number | null, b: number | null) => (b ?? -1) - (a ?? -1);

/** Most important first: severity, then statement time, then bytes, then target and id (stable). */
export function byImpact(a: Finding, b: Finding): number {
  const ia = cachedImpact(a);
  const ib = cachedImpact(b);
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    desc(ia.timeMs, ib.timeMs) ||
    desc(ia.bytes, ib.bytes) ||
    (a.target < b.target ? -1 : a.target > b.target ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function rankFindings<F extends Finding>(findings: readonly F[]): F[] {
  return [...findings].sort(byImpact);
}
