// The run's Workload: every source read into its own collector, then merged by fingerprint so the same
// statement from several sources is one entry. Built once per run, for every analyzer that reads it.
import type { Row, ServerFacts } from '../playbooks/types.ts';
import { WORKLOAD_CAPS, type Collected, type SourceCollector } from './collect.ts';
import { readLive, type LiveFeed } from './live.ts';
import { fingerprinter } from './parse.ts';
import type { Workload, WorkloadSourceKind, WorkloadStatement } from './types.ts';

export interface BuildOptions {
  server: ServerFacts;
  /** the probe that feeds the workload, when the run has it */
  feed: LiveFeed | null;
  query: (sql: string, params?: unknown[]) => Promise<Row[]>;
  signal?: AbortSignal;
}

export type BuildResult = { workload: Workload; reason: null } | { workload: null; reason: string; failed: boolean };

export async function buildWorkload(opts: BuildOptions): Promise<BuildResult> {
  const sources: SourceCollector[] = [];
  if (!opts.feed) return { workload: null, reason: 'no workload: no cell of this run reads pg_stat_statements', failed: false };
  // no statements, nothing to fingerprint: libpg-query's WebAssembly is not loaded
  const fp = opts.feed.rows.length ? await fingerprinter() : () => null;
  const live = readLive(opts.feed, opts.server, fp);
  if (!live.source) return { workload: null, reason: live.reason, failed: opts.feed.run.status !== 'skipped' };
  sources.push(live.source);
  return { workload: mergeSources(sources), reason: null };
}

/** One entry per fingerprint: figures from the source that counted the most calls, gaps filled from the others. */
export function mergeSources(sources: SourceCollector[]): Workload {
  const byFingerprint = new Map<string, { kind: WorkloadSourceKind; c: Collected }[]>();
  const perSource = new Map<SourceCollector, number>();
  for (const source of sources) {
    const collected = source.collected();
    perSource.set(source, collected.length);
    for (const c of collected) {
      const seen = byFingerprint.get(c.fingerprint) ?? [];
      seen.push({ kind: source.kind, c });
      byFingerprint.set(c.fingerprint, seen);
    }
  }
  const samples = new Map<string, (string | null)[][]>();
  const statements: WorkloadStatement[] = [];
  for (const [fingerprint, seen] of byFingerprint) {
    const [primary] = [...seen].sort((a, b) => b.c.calls - a.c.calls);
    const pick = <K extends keyof Collected>(k: K): Collected[K] => primary.c[k] ?? seen.find((s) => s.c[k] != null)?.c[k] ?? primary.c[k];
    const kinds = [...new Set(seen.map((s) => s.kind))];
    const queryid = pick('queryid');
    const id = kinds.length === 1 && kinds[0] === 'pg_stat_statements' && queryid ? `pgss:${queryid}` : `fp:${fingerprint}`;
    const totalMs = pick('totalMs');
    // the timings come from one source; its calls are what they average over
    const timedCalls = primary.c.totalMs != null ? primary.c.calls : (seen.find((s) => s.c.totalMs != null)?.c.calls ?? primary.c.calls);
    statements.push({
      id,
      fingerprint,
      queryid,
      query: primary.c.query,
      calls: primary.c.calls,
      totalMs,
      meanMs: totalMs == null || !timedCalls ? null : totalMs / timedCalls,
      rows: pick('rows'),
      toplevel: seen.some((s) => s.c.toplevel),
      tempBlksWritten: pick('tempBlksWritten'),
      sharedBlksHit: pick('sharedBlksHit'),
      sharedBlksRead: pick('sharedBlksRead'),
      sources: kinds,
    });
    const all = seen.flatMap((s) => s.c.samples).slice(0, WORKLOAD_CAPS.samples);
    if (all.length) samples.set(id, all);
  }
  statements.sort((a, b) => (b.totalMs ?? -1) - (a.totalMs ?? -1) || b.calls - a.calls || a.id.localeCompare(b.id));
  return {
    statements,
    sources: sources.map((s) => s.summary(perSource.get(s) ?? 0)),
    samples: (id) => samples.get(id) ?? [],
  };
}
