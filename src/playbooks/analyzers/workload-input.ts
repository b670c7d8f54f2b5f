// The workload as the index analysis reads it: the run's statements, the window their counters cover,
// and what the constants say about each statement's parameters — in memory only.
import type { AnalyzerContext } from '../analyzer.ts';
import type { Workload, WorkloadStatement } from '../../workload/types.ts';
import type { ParamValues } from './workload-candidates.ts';

/** The run's workload (the runner builds it once for every analyzer that reads it), or an empty one. */
export function workloadOf(ctx: AnalyzerContext): Workload {
  return ctx.workload ?? { statements: [], sources: [], samples: () => [] };
}

/**
 * Hours the workload's counters cover: since pg_stat_statements was last reset (its info view, 1.9+),
 * else since the server started; for a workload from server logs, the time between their first and last
 * entries. Null otherwise (a .sql file, an export, a log under a minute).
 */
export async function windowHours(query: AnalyzerContext['query'], workload: Workload): Promise<number | null> {
  if (!workload.sources.some((s) => s.kind === 'pg_stat_statements')) return workload.windowHours ?? null;
  const [info] = await query(`SELECT to_regclass('pg_stat_statements_info') IS NOT NULL AS present`);
  const since = info?.present ? 'coalesce((SELECT stats_reset FROM pg_stat_statements_info), pg_postmaster_start_time())' : 'pg_postmaster_start_time()';
  const [r] = await query(`SELECT extract(epoch FROM now() - ${since}) / 3600 AS hours`);
  const h = Number(r?.hours);
  return Number.isFinite(h) && h > 0 ? h : null;
}

/** A set of parameter values to plan a statement with, and the share of the workload's calls it stands for. */
export interface SampleSet {
  values: (string | null)[];
  weight: number;
}

/** At most this many distinct parameter sets are planned per statement, the most frequent first. */
export const SAMPLE_SETS_PER_STATEMENT = 3;

/** The statement's most frequent distinct parameter sets, weighted by how often each occurs. */
export function sampleSets(workload: Workload, st: WorkloadStatement, paramCount: number): SampleSet[] {
  const samples = workload.samples(st.id).filter((s) => s.length >= paramCount);
  if (!samples.length || paramCount === 0) return [];
  const counts = new Map<string, { values: (string | null)[]; n: number }>();
  for (const s of samples) {
    const values = s.slice(0, paramCount).map((v) => (v === null ? null : String(v)));
    const key = JSON.stringify(values);
    const e = counts.get(key) ?? { values, n: 0 };
    e.n++;
    counts.set(key, e);
  }
  const top = [...counts.values()].sort((a, b) => b.n - a.n || JSON.stringify(a.values).localeCompare(JSON.stringify(b.values))).slice(0, SAMPLE_SETS_PER_STATEMENT);
  const total = top.reduce((a, e) => a + e.n, 0);
  return top.map((e) => ({ values: e.values, weight: e.n / total }));
}

/** What the samples say about each parameter, for the candidate generator. */
export function paramValues(workload: Workload, st: WorkloadStatement): ParamValues {
  const samples = workload.samples(st.id);
  if (!samples.length) return { sampled: false, constant: () => undefined, values: () => [] };
  return {
    sampled: true,
    constant(n) {
      let first: string | null | undefined;
      for (const s of samples) {
        const v = s[n - 1];
        if (v === undefined) return undefined;
        if (first === undefined) first = v;
        else if (v !== first) return undefined;
      }
      return first;
    },
    values(n) {
      const out = new Set<string | null>();
      for (const s of samples) {
        if (s[n - 1] !== undefined) out.add(s[n - 1]);
        if (out.size >= 50) break;
      }
      return [...out];
    },
  };
}
