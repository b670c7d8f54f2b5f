// The application's workload as every analyzer reads it: statements from any source (live
// pg_stat_statements, server logs, a .sql file, a pg_stat_statements export), normalized ($n for
// constants) and grouped so the same statement from several sources is one entry.
//
// Constants (bind values, literals) are user data: they live only in memory, behind
// Workload.samples(), and never reach a snapshot, a report, a log or an error message.

export type WorkloadSourceKind = 'pg_stat_statements' | 'log' | 'sql' | 'pgss-export';

export interface WorkloadStatement {
  /** stable across runs for the same statement text: `pgss:<queryid>` when only pg_stat_statements knows it, else `fp:<fingerprint>` */
  id: string;
  /** the statement's fingerprint (workload/key.ts: its tokens, constants and $n alike): what merges one statement seen by several sources */
  fingerprint: string;
  /** pg_stat_statements queryid (as text) when a pg_stat_statements source gave one */
  queryid: string | null;
  /** normalized text: every constant replaced by $n */
  query: string;
  calls: number;
  /** total execution time in ms; null when the source has no timings (a .sql file) */
  totalMs: number | null;
  meanMs: number | null;
  /** rows returned or affected in all calls; null when unknown */
  rows: number | null;
  /** false for statements run inside functions (pg_stat_statements 1.9+); true when unknown */
  toplevel: boolean;
  /** temporary blocks written in all calls (pg_stat_statements); null when unknown */
  tempBlksWritten: number | null;
  sharedBlksHit: number | null;
  sharedBlksRead: number | null;
  /** the sources that contributed to this entry */
  sources: WorkloadSourceKind[];
}

export interface WorkloadSkip {
  /** one line, naming the cause (a parse error, a relation this database lacks, …) without constants */
  reason: string;
  count: number;
}

export interface WorkloadSourceSummary {
  kind: WorkloadSourceKind;
  /** `pg_stat_statements`, or the file name as the user gave it */
  name: string;
  /** detected or forced format, e.g. `live`, `stderr`, `csvlog`, `jsonlog`, `sql`, `csv`, `json` */
  format: string;
  /** entries read (log lines, statements, export rows) */
  entries: number;
  /** distinct statements it contributed */
  statements: number;
  skipped: WorkloadSkip[];
  /** what the reader should know about the figures (one line each, no statement text) */
  notes: string[];
}

export interface Workload {
  /**
   * Hours the statements' counts cover when the files say so: a workload read from server logs only, whose
   * first and last entries are a minute or more apart (the longest log's span). Live pg_stat_statements'
   * window is read from the server instead.
   */
  windowHours?: number | null;
  statements: WorkloadStatement[];
  sources: WorkloadSourceSummary[];
  /**
   * Constants seen for one statement (by WorkloadStatement.id), each sample the values of $1…$n as
   * the server would read them in text form (null for SQL NULL). In memory only; empty when the
   * sources gave none (pg_stat_statements normalizes them away).
   */
  samples(id: string): readonly (readonly (string | null)[])[];
}

/** Formats a --workload file can have; detected from its content unless forced with --workload-format. */
export const WORKLOAD_FORMATS = ['stderr', 'csvlog', 'jsonlog', 'sql', 'csv', 'json'] as const;
export type WorkloadFormat = (typeof WORKLOAD_FORMATS)[number];

/** A --workload file as the user named it. */
export interface WorkloadFileSpec {
  path: string;
  /** forced with --workload-format; null to detect it from the content */
  format: WorkloadFormat | null;
}
