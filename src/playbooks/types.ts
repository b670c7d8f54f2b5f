// The contracts every part of pgadvisor shares: notebooks and their cells, cell runs, findings.
// Nothing here knows about ink, the CLI or files.
import type { WorkloadSourceSummary } from '../workload/types.ts';
import type { ManagedTopic } from './managed.ts';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Privileges that change what the catalog shows us. */
export type Privilege = 'superuser' | 'pg_read_all_stats' | 'pg_monitor' | 'pg_read_all_settings';

/** What a cell needs from the server; an unmet need skips the cell with a reason. */
export interface Requirement {
  /** server_version_num bounds, inclusive (e.g. 130000) */
  minVersion?: number;
  maxVersion?: number;
  /** extensions that must be installed in this database */
  extensions?: string[];
  /** lowest installed version of some of those extensions, e.g. { pg_stat_statements: '1.9' } */
  extensionVersions?: Record<string, string>;
  /** any one of these privileges is enough */
  privileges?: Privilege[];
  /** a workload: pg_stat_statements in this database, or a --workload file */
  workload?: boolean;
  /** a server the customer runs: on a managed provider the cell is skipped with what the provider does about this */
  selfManaged?: ManagedTopic;
}

export type CellKind = 'probe' | 'check' | 'analyzer';

export interface Cell {
  id: string;
  kind: CellKind;
  title: string;
  /** the SQL sent to the server (probe and check cells); analyzers may carry none */
  sql: string | null;
  /** name of a registered TypeScript analyzer (analyzer cells) */
  analyzer: string | null;
  /** probe cells whose rows the analyzer reads, and `workload` when it reads the run's workload */
  uses: string[];
  /** `workload` on the probe whose pg_stat_statements rows feed the run's workload */
  feeds: 'workload' | null;
  /** default severity for the findings of a check or analyzer */
  severity: Severity | null;
  requires: Requirement;
  /** numbers a config file may change: `-- threshold: NAME = DEFAULT description` */
  thresholds: Threshold[];
  /** 1-based line of the cell's opening fence in its notebook */
  line: number;
}

/**
 * A number a cell declares as tunable. The SQL writes it as `/*threshold:NAME*\/DEFAULT` wherever it is used,
 * so the notebook's SQL pastes into psql as is; a configured value replaces the literal after the marker.
 */
export interface Threshold {
  name: string;
  default: number;
  description: string;
}

export type NotebookBlock = { type: 'prose'; text: string } | { type: 'cell'; cellId: string };

export interface Notebook {
  id: string;
  title: string;
  order: number;
  /** one-line summary for `pgadvisor playbooks` */
  summary: string;
  file: string;
  blocks: NotebookBlock[];
  cells: Cell[];
  /** the team folder (--playbooks DIR) it was loaded from; absent for the shipped notebooks */
  team?: string;
}

export type Row = Record<string, unknown>;

export type CellStatus = 'ok' | 'error' | 'skipped' | 'timeout' | 'cancelled';

/** How the reason of a cell that lost its connection starts (the TUI offers to run its section again). */
export const CONNECTION_LOST = 'connection lost';

export interface CellRun {
  playbook: string;
  cell: string;
  kind: CellKind;
  title: string;
  sql: string | null;
  status: CellStatus;
  /** why it was skipped, or the server's error message */
  reason: string | null;
  durationMs: number;
  columns: string[];
  /** capped; see rowCount and truncated */
  rows: Row[];
  rowCount: number;
  truncated: boolean;
}

/**
 * One recommendation. Check cells return rows with these columns (snake_case in SQL):
 * target, title, rationale (required); severity, evidence (json), up, down, key, drops, keeps (optional).
 */
export interface Finding {
  /** stable across runs: `${playbook}/${check}/${key ?? target}` */
  id: string;
  playbook: string;
  check: string;
  severity: Severity;
  target: string;
  title: string;
  rationale: string;
  evidence: Record<string, unknown>;
  up: string | null;
  down: string | null;
  /** qualified names of objects `up` removes (conflict detection) */
  drops: string[];
  /** qualified names of objects that must survive for this finding to be safe */
  keeps: string[];
}

export type DecisionState = 'accepted' | 'rejected' | 'pending';

export interface Decision {
  state: DecisionState;
  note: string;
  /** ISO time of the decision */
  at: string;
}

export interface ServerFacts {
  version: string;
  versionNum: number;
  database: string;
  user: string;
  /** e.g. "PostgreSQL 15.18 (Debian…)" or "PGlite"; never a host or password */
  product: string;
  inRecovery: boolean;
  extensions: { name: string; version: string; schema: string }[];
  availableExtensions: string[];
  privileges: Record<Privilege, boolean>;
  settings: Record<string, string>;
  statsReset: string | null;
  postmasterStart: string | null;
  /** schemas a managed platform (Supabase) owns: findings there are set aside */
  managedSchemas: string[];
  /** the managed provider the server's marks identify (src/db/providers.ts); absent in older snapshots */
  provider?: { id: string; name: string; evidence: string[] } | null;
}

export interface Skipped {
  playbook: string;
  check: string;
  reason: string;
}

/** Everything one run of the playbooks produced, before any decision. */
export interface RunResult {
  server: ServerFacts;
  playbooks: PlaybookResult[];
  findings: Finding[];
  skipped: Skipped[];
  /** where the run's workload came from (empty when no analyzer read it); no statement text, no constants */
  workload?: WorkloadSourceSummary[];
}

export interface PlaybookResult {
  id: string;
  title: string;
  summary: string;
  blocks: NotebookBlock[];
  runs: CellRun[];
}
