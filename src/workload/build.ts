// The run's Workload: every source read into its own collector, then merged by fingerprint so the same
// statement from several sources is one entry. Built once per run, for every analyzer that reads it.
import type { Row, ServerFacts } from '../playbooks/types.ts';
import { SourceCollector, WORKLOAD_CAPS, type Collected } from './collect.ts';
import { readWorkloadFile } from './files/read.ts';
import { readLive, type LiveFeed } from './live.ts';
import { Normalizer, NOT_PARSED } from './normalize.ts';
import { loadParser, missingRelations, refKey, relationsOf, showRelation, type RelationRef } from './resolve.ts';
import type { Workload, WorkloadFormat, WorkloadSourceKind, WorkloadStatement } from './types.ts';

export interface BuildOptions {
  server: ServerFacts;
  /** the probe that feeds the workload, when the run has it */
  feed: LiveFeed | null;
  /** --workload files, their formats detected or forced */
  files?: { path: string; format: WorkloadFormat }[];
  /** the database whose entries a log gives (--workload-database); default: the inspected one */
  logDatabase?: string;
  query: (sql: string, params?: unknown[]) => Promise<Row[]>;
  signal?: AbortSignal;
}

export type BuildResult = { workload: Workload; reason: null } | { workload: null; reason: string; failed: boolean };

export async function buildWorkload(opts: BuildOptions): Promise<BuildResult> {
  const files = opts.files ?? [];
  const sources: SourceCollector[] = [];
  if (opts.feed) {
    const live = readLive(opts.feed, opts.server);
    if (live.source) sources.push(live.source);
    else if (!files.length) return { workload: null, reason: live.reason, failed: opts.feed.run.status !== 'skipped' };
    else if (opts.feed.run.status !== 'skipped') {
      const failed = new SourceCollector('pg_stat_statements', 'pg_stat_statements', 'live');
      failed.notes.push(live.reason);
      sources.push(failed);
    }
  } else if (!files.length) {
    return { workload: null, reason: 'no workload: no cell of this run reads pg_stat_statements', failed: false };
  }
  if (files.length) {
    const normalizer = await Normalizer.create();
    for (const f of files) sources.push(await readWorkloadFile(f.path, f.format, { normalizer, database: opts.logDatabase ?? opts.server.database, signal: opts.signal }));
  }
  // no statements, nothing to resolve: libpg-query's WebAssembly is not loaded
  if (sources.some((s) => s.collected().length)) {
    await loadParser();
    await dropUnresolved(sources, opts.query);
  }
  return { workload: mergeSources(sources), reason: null };
}

/** Leaves out, source by source, the statements that refer to relations this database lacks (one catalog query). */
async function dropUnresolved(sources: SourceCollector[], query: BuildOptions['query']): Promise<void> {
  const refsOf = new Map<Collected, RelationRef[] | null>();
  for (const s of sources) for (const c of s.collected()) refsOf.set(c, relationsOf(c.query));
  const all = [...refsOf.values()].flatMap((r) => r ?? []);
  const missing = await missingRelations(query, all);
  for (const s of sources) {
    const lacking = new Set<string>();
    for (const c of s.collected()) for (const r of refsOf.get(c) ?? []) if (missing.has(refKey(r))) lacking.add(refKey(r));
    const names = [...lacking].sort();
    const shown = names.slice(0, WORKLOAD_CAPS.exampleLines).map(showRelation).join(', ');
    const reason = `statements that refer to relations this database lacks (${shown}${names.length > WORKLOAD_CAPS.exampleLines ? `, … ${names.length} in all` : ''}), or temporary tables`;
    s.remove((c) => {
      const refs = refsOf.get(c);
      if (refs === null) return NOT_PARSED;
      return refs?.some((r) => missing.has(refKey(r))) ? reason : null;
    });
  }
}

/**
 * One entry per fingerprint: figures from the source that counted the most calls, gaps filled from the
 * others. The text is the one the samples were taken with, when a source has samples.
 */
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
    const sampled = seen.find((s) => s.c.samples.length);
    statements.push({
      id,
      fingerprint,
      queryid,
      query: (sampled ?? primary).c.query,
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
    if (sampled) samples.set(id, seen.filter((s) => s.c.query === sampled.c.query).flatMap((s) => s.c.samples).slice(0, WORKLOAD_CAPS.samples));
  }
  statements.sort((a, b) => (b.totalMs ?? -1) - (a.totalMs ?? -1) || b.calls - a.calls || a.id.localeCompare(b.id));
  // logs only, each with its span: the longest (logs of the same days overlap; each statement's figures come from one source)
  const windows = sources.map((s) => (s.kind === 'log' ? s.windowHours : null));
  return {
    windowHours: windows.length && windows.every((h) => h !== null) ? Math.max(...(windows as number[])) : null,
    statements,
    sources: sources.map((s) => s.summary(perSource.get(s) ?? 0)),
    samples: (id) => samples.get(id) ?? [],
  };
}
