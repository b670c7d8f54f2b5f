// Statements of one workload source, grouped by fingerprint, with bounded memory: at most
// WORKLOAD_CAPS.statements distinct statements (the least-called are evicted when the cap is passed, as
// pg_stat_statements itself does) and WORKLOAD_CAPS.samples constant samples each.
import type { WorkloadSkip, WorkloadSourceKind, WorkloadSourceSummary } from './types.ts';

export const WORKLOAD_CAPS = {
  /** distinct statements kept per source (pg_stat_statements.max defaults to 5,000 too); beyond it the least time-consuming go */
  statements: 5000,
  /** constant samples kept per statement, in memory only */
  samples: 5,
  /** a sample whose values add up to more characters than this is not kept */
  sampleChars: 4096,
  /** a statement longer than this (characters) is skipped, counted in the source's summary */
  statementChars: 100_000,
  /** a log entry (message with its continuation lines) longer than this is skipped */
  recordChars: 1_000_000,
  /** lines named in a skip reason, as examples */
  exampleLines: 5,
};

/** One statement seen by a source: a pg_stat_statements entry, a log entry, a statement of a .sql file. */
export interface Observation {
  fingerprint: string;
  /** normalized text ($n for every constant) */
  query: string;
  queryid: string | null;
  calls: number;
  totalMs: number | null;
  rows: number | null;
  toplevel: boolean;
  tempBlksWritten: number | null;
  sharedBlksHit: number | null;
  sharedBlksRead: number | null;
  /** the constants of this execution ($1…$n in text form), when the source has them; computed only when kept */
  sample: (() => (string | null)[] | null) | null;
}

/** A statement a file gave (a log entry, a statement of a .sql file): calls and, from a log, its time; nothing else is known. */
export function fileObservation(n: { fingerprint: string; query: string; sample: Observation['sample'] }, calls: number, totalMs: number | null): Observation {
  return { fingerprint: n.fingerprint, query: n.query, calls, totalMs, toplevel: true, sample: n.sample, queryid: null, rows: null, tempBlksWritten: null, sharedBlksHit: null, sharedBlksRead: null };
}

export interface Collected extends Omit<Observation, 'sample'> {
  samples: (string | null)[][];
  /** the source's entries that made it (rows, log entries, statements of a file) */
  entries: number;
}

export class SourceCollector {
  entries = 0;
  /** hours a log's entries span (its first and last timestamps); null for other sources, or when unknown */
  windowHours: number | null = null;
  readonly notes: string[] = [];
  private readonly statements = new Map<string, Collected>();
  private readonly skips = new Map<string, { count: number; lines: number[] }>();
  private evicted = 0;

  constructor(
    readonly kind: WorkloadSourceKind,
    readonly name: string,
    readonly format: string,
  ) {}

  add(o: Observation): void {
    const had = this.statements.get(o.fingerprint);
    if (!had) {
      const first = o.sample?.() ?? null;
      const c: Collected = {
        fingerprint: o.fingerprint,
        query: o.query,
        queryid: o.queryid,
        calls: o.calls,
        totalMs: o.totalMs,
        rows: o.rows,
        toplevel: o.toplevel,
        tempBlksWritten: o.tempBlksWritten,
        sharedBlksHit: o.sharedBlksHit,
        sharedBlksRead: o.sharedBlksRead,
        samples: keepable(first) ? [own(first!)] : [],
        entries: 1,
      };
      this.statements.set(o.fingerprint, c);
      if (this.statements.size > WORKLOAD_CAPS.statements * 1.1) this.evict();
      return;
    }
    had.calls += o.calls;
    had.entries++;
    if (o.totalMs != null) had.totalMs = (had.totalMs ?? 0) + o.totalMs;
    if (o.rows != null) had.rows = (had.rows ?? 0) + o.rows;
    if (o.tempBlksWritten != null) had.tempBlksWritten = (had.tempBlksWritten ?? 0) + o.tempBlksWritten;
    if (o.sharedBlksHit != null) had.sharedBlksHit = (had.sharedBlksHit ?? 0) + o.sharedBlksHit;
    if (o.sharedBlksRead != null) had.sharedBlksRead = (had.sharedBlksRead ?? 0) + o.sharedBlksRead;
    had.toplevel ||= o.toplevel;
    had.queryid ??= o.queryid;
    // a sample fits the text it was taken with ($n numbering differs between texts of one fingerprint)
    if (o.sample && o.query === had.query && had.samples.length < WORKLOAD_CAPS.samples) {
      const sample = o.sample();
      if (keepable(sample) && !had.samples.some((s) => sameSample(s, sample!))) had.samples.push(own(sample!));
    }
  }

  /** A statement left out, counted under a one-line reason that holds no statement text; `line` names where (files). */
  skip(reason: string, line?: number): void {
    const s = this.skips.get(reason) ?? { count: 0, lines: [] };
    s.count++;
    if (line != null && s.lines.length < WORKLOAD_CAPS.exampleLines) s.lines.push(line);
    this.skips.set(reason, s);
  }

  /** Leaves out the statements `drop` names, counting their entries under `reason`. */
  remove(drop: (c: Collected) => string | null): void {
    for (const c of [...this.statements.values()]) {
      const reason = drop(c);
      if (!reason) continue;
      this.statements.delete(c.fingerprint);
      const s = this.skips.get(reason) ?? { count: 0, lines: [] };
      s.count += c.entries;
      this.skips.set(reason, s);
    }
  }

  collected(): Collected[] {
    if (this.statements.size > WORKLOAD_CAPS.statements) this.evict();
    return [...this.statements.values()];
  }

  summary(statements: number): WorkloadSourceSummary {
    const skipped: WorkloadSkip[] = [...this.skips].map(([reason, s]) => ({
      reason: s.lines.length ? `${reason} (line${s.lines.length === 1 ? '' : 's'} ${s.lines.join(', ')}${s.count > s.lines.length ? ', …' : ''})` : reason,
      count: s.count,
    }));
    if (this.evicted) {
      skipped.push({
        reason: `more than ${WORKLOAD_CAPS.statements.toLocaleString('en-US')} distinct statements: those that took the least time (or had the fewest calls) were left out`,
        count: this.evicted,
      });
    }
    return { kind: this.kind, name: this.name, format: this.format, entries: this.entries, statements, skipped, notes: [...this.notes] };
  }

  /** Down to the cap, dropping the statements that took the least time, or were called least when there are no timings. */
  private evict(): void {
    const keep = [...this.statements.values()].sort((a, b) => (b.totalMs ?? -1) - (a.totalMs ?? -1) || b.calls - a.calls);
    for (const c of keep.slice(WORKLOAD_CAPS.statements)) {
      this.statements.delete(c.fingerprint);
      this.evicted += c.entries;
    }
  }
}

/** The sample's values as strings of their own: a value cut from a large file's block would keep the block alive. */
function own(sample: (string | null)[]): (string | null)[] {
  return sample.map((v) => (v === null || v.length < 13 ? v : Buffer.from(v, 'utf8').toString('utf8')));
}

function keepable(sample: (string | null)[] | null): boolean {
  return !!sample?.length && sample.reduce((n, v) => n + (v?.length ?? 0), 0) <= WORKLOAD_CAPS.sampleChars;
}

function sameSample(a: (string | null)[], b: (string | null)[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
