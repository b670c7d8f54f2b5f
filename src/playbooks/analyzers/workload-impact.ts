// How much a recommendation is worth, in the same units everywhere: milliseconds of execution saved
// per hour of the workload (calls per hour × time saved per call), against what it costs (index entries
// written per hour). Severity follows from it, a level lower when the saving is estimated rather than
// planned, or rests on an assumed value.
import type { Severity } from '../types.ts';
import type { Candidate } from './workload-candidates.ts';
import type { CostSettings } from './workload-estimate.ts';

export const IMPACT = {
  /** time saved per hour of workload at which advice becomes critical, and a warning */
  criticalMsPerHour: 300_000,
  warningMsPerHour: 30_000,
  /** without a known window (a log file, a .sql file): the same amounts over the whole workload */
  criticalMs: 300_000,
  warningMs: 30_000,
  /** when a statement's time is unknown (a .sql file), plan cost converts to time at this rate, unless the workload's own statements give a rate */
  defaultMsPerCost: 0.01,
};

export interface Impact {
  /** ms saved per hour of workload; null when the window is unknown */
  msPerHour: number | null;
  /** ms saved over the whole workload */
  totalMs: number;
}

/** Severity from the time saved; one level lower when `lowered` (estimated, or resting on an assumption). */
export function grade(impact: Impact, lowered: boolean): Severity {
  const [critical, warning, amount] =
    impact.msPerHour !== null ? [IMPACT.criticalMsPerHour, IMPACT.warningMsPerHour, impact.msPerHour] : [IMPACT.criticalMs, IMPACT.warningMs, impact.totalMs];
  const level: Severity = amount >= critical ? 'critical' : amount >= warning ? 'warning' : 'info';
  if (!lowered) return level;
  return level === 'critical' ? 'warning' : 'info';
}

/** The thresholds behind a grade, for the finding's evidence. */
export function gradeBasis(impact: Impact, lowered: boolean, why: string | null): Record<string, unknown> {
  return {
    ms_saved_per_hour: impact.msPerHour === null ? null : round(impact.msPerHour),
    ms_saved_in_workload: round(impact.totalMs),
    thresholds:
      impact.msPerHour !== null
        ? `critical ≥ ${IMPACT.criticalMsPerHour / 60_000} min saved per hour of workload, warning ≥ ${IMPACT.warningMsPerHour / 1000} s per hour, else info`
        : `window unknown: critical ≥ ${IMPACT.criticalMs / 60_000} min saved over the workload, warning ≥ ${IMPACT.warningMs / 1000} s, else info`,
    lowered_one_level: lowered ? why : null,
  };
}

/** ms per planner cost unit on this server: the median of mean time over plan cost among planned statements. */
export function msPerCost(pairs: { meanMs: number | null; cost: number }[]): { rate: number; from: number } {
  const ratios = pairs.filter((p) => p.meanMs !== null && p.meanMs > 0 && p.cost > 1).map((p) => p.meanMs! / p.cost).sort((a, b) => a - b);
  if (ratios.length < 3) return { rate: IMPACT.defaultMsPerCost, from: 0 };
  return { rate: ratios[Math.floor(ratios.length / 2)], from: ratios.length };
}

/**
 * Planner cost of writing one index entry: a descent that mostly finds its pages in cache (a tenth of a
 * random read), the entry, and a comparison per level of a binary search over the rows.
 */
export function entryCost(settings: CostSettings, rows: number): number {
  return 0.1 * settings.randomPageCost + settings.cpuIndexTupleCost + settings.cpuOperatorCost * Math.ceil(Math.log2(Math.max(rows, 1) + 1));
}

/**
 * Index entries a row write adds: one for a btree; a BRIN only widens its range's summary now and then
 * (a hundredth, say); a GIN one per token — trigrams, jsonb paths, array elements, lexemes — roughly the
 * indexed value's width over a few bytes per token.
 */
export function entriesPerRow(c: Pick<Candidate, 'method' | 'kinds' | 'keys' | 'table'>): number {
  if (c.method === 'brin') return 0.01;
  if (c.method !== 'gin') return 1;
  const width = c.keys.reduce((a, k) => a + (k.column ? (c.table.columns.find((x) => x.name === k.column)?.width ?? 32) : 32), 0);
  const bytesPerToken = c.kinds.includes('trigram') ? 1 : c.kinds.includes('gin-fulltext') ? 6 : 10;
  return Math.max(1, width / bytesPerToken);
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

export function formatMs(ms: number): string {
  if (ms >= 3_600_000) return `${round(ms / 3_600_000, 1)} h`;
  if (ms >= 60_000) return `${round(ms / 60_000, 1)} min`;
  if (ms >= 1000) return `${round(ms / 1000, 1)} s`;
  return `${round(ms, ms < 1 ? 3 : 1)} ms`;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(n < 10 ? 1 : 0) : n} ${units[i]}`;
}
