// What each analyzer reads: the probe (or check) cells of its notebook with the columns it needs, and
// whether it reads the run's workload. The notebook loader checks every analyzer cell's `-- uses:` against
// these when notebooks load, and the runner hands an analyzer exactly these rows, cut to these columns.
// Light on purpose: the loader imports it without the analyzers' code or libpg-query.
import type { Requirement } from './types.ts';

export interface AnalyzerInputs {
  /** cell ids of the analyzer's notebook → the columns of their rows it reads */
  probes: Readonly<Record<string, readonly string[]>>;
  /** reads the run's Workload (the cell lists `workload` in its `-- uses:`) */
  workload: boolean;
  /** yields findings, so its cell needs a severity; false for an analyzer that only shows evidence */
  findings: boolean;
  /** needs beyond its cell's own `-- requires:` lines */
  requires?: Requirement;
  /** probes whose skip (a version gate) leaves the analyzer to work on the others, as if they had no rows */
  optional?: readonly string[];
  /**
   * inputs (probe ids, or `workload`) of which at least one must have rows (statements) for there to be
   * anything to analyze; when all are empty the analyzer's code — and libpg-query with it — is not loaded
   */
  needs?: readonly string[];
}

/** The name an analyzer cell lists in `-- uses:` for the run's workload (no cell may take this id). */
export const WORKLOAD_INPUT = 'workload';

/**
 * Columns the probe that feeds the workload (`-- feeds: workload`) must return: pg_stat_statements rows
 * in this database. `own_role` tells whether the entry belongs to the role pgadvisor connects as.
 */
export const WORKLOAD_FEED_COLUMNS = [
  'queryid',
  'query',
  'calls',
  'rows',
  'total_ms',
  'toplevel',
  'shared_blks_hit',
  'shared_blks_read',
  'temp_blks_written',
  'own_role',
] as const;

const POLICY = ['target', 'schema', 'table', 'quoted_table', 'quoted_policy', 'command', 'roles', 'using_expr', 'check_expr', 'alter_policy'];
const POLICY_FUNCTIONS = ['schema', 'name', 'nargs', 'nargdefaults', 'variadic', 'volatility', 'returns_set', 'language', 'sql_body'];
const DROPS = ['drops'];

/** By the name analyzer cells give in `-- analyzer: NAME`. */
export const ANALYZER_INPUTS: Readonly<Record<string, AnalyzerInputs>> = {
  'workload-indexes': {
    // the proposals it reconciles with: foreign keys' indexes (it leads with their columns), and the drops of
    // other checks (it never drops an index they already drop)
    probes: { fk_without_index: ['up'], duplicate_indexes: DROPS, redundant_indexes: DROPS, unused_indexes: DROPS },
    workload: true,
    findings: true,
    requires: { workload: true },
    needs: [WORKLOAD_INPUT],
  },
  'drop-validation': {
    probes: { duplicate_indexes: DROPS, redundant_indexes: DROPS, unused_indexes: DROPS, stale_indexes: DROPS },
    workload: true,
    findings: true,
    requires: { workload: true, extensions: ['hypopg'] },
    // last_idx_scan exists from PostgreSQL 16: before, the other checks' drops are still validated
    optional: ['stale_indexes'],
    needs: ['duplicate_indexes', 'redundant_indexes', 'unused_indexes', 'stale_indexes'],
  },
  // materialized views, caches, partitioning: the statements, their tables' sizes and activity read from the catalog
  'workload-design': { probes: {}, workload: true, findings: true, requires: { workload: true }, needs: [WORKLOAD_INPUT] },
  'n-plus-one': { probes: {}, workload: true, findings: true, requires: { workload: true }, needs: [WORKLOAD_INPUT] },
  'workload-sources': { probes: {}, workload: true, findings: false, requires: { workload: true } },
  'rls-initplan': { probes: { policies: POLICY, policy_functions: POLICY_FUNCTIONS }, workload: false, findings: true, needs: ['policies'] },
  'rls-policy-index': {
    probes: { policies: POLICY, policy_tables: ['schema', 'table', 'columns', 'indexed_leading', 'est_rows'], policy_functions: POLICY_FUNCTIONS },
    workload: false,
    findings: true,
    needs: ['policies'],
  },
  'rls-context': { probes: { policies: POLICY, policy_functions: POLICY_FUNCTIONS }, workload: false, findings: true, needs: ['policies'] },
};

/** The names an analyzer cell must list in `-- uses:` (in any order). */
export function declaredUses(inputs: AnalyzerInputs): string[] {
  return [...(inputs.workload ? [WORKLOAD_INPUT] : []), ...Object.keys(inputs.probes)];
}
