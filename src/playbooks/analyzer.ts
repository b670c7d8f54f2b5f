import type { Workload } from '../workload/types.ts';
import type { Row, ServerFacts } from './types.ts';

/** A row as a check cell or analyzer returns it, before it becomes a Finding. */
export interface FindingRow {
  target: string;
  title: string;
  rationale: string;
  severity?: string | null;
  evidence?: Record<string, unknown> | null;
  up?: string | null;
  down?: string | null;
  key?: string | null;
  drops?: string[] | null;
  keeps?: string[] | null;
}

export interface AnalyzerContext {
  server: ServerFacts;
  /**
   * all rows (uncapped) of the probe cells the analyzer declares (playbooks/inputs.ts), each row cut to the
   * declared columns
   */
  inputs: Record<string, Row[]>;
  /** the run's workload, built once for every analyzer that declares it; null when there is no source */
  workload: Workload | null;
  /** a statement on the read-only session; all of one run's statements use the same connection */
  query: (sql: string, params?: unknown[]) => Promise<Row[]>;
  signal: AbortSignal;
  /** the cell's declared thresholds (configured values, else the declared defaults); the runner always passes them */
  thresholds?: Record<string, number>;
}

export interface AnalyzerResult {
  /** evidence table shown under the cell (may be empty) */
  columns: string[];
  rows: Row[];
  findings: FindingRow[];
}

/** What it reads and needs is declared in playbooks/inputs.ts, by the same name. */
export interface Analyzer {
  run(ctx: AnalyzerContext): Promise<AnalyzerResult>;
}

/** Analyzers by name: ready, or loaded on first use. */
export type AnalyzerRegistry = Record<string, Analyzer | (() => Promise<Analyzer>)>;

/** Thrown by an analyzer that cannot run on this server (e.g. an extension too old): the cell is skipped with the message. */
export class SkipCell extends Error {}
