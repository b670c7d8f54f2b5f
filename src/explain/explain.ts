// EXPLAIN on any statement, without executing it, on the read-only session. A statement with parameters
// ($1 … as pg_stat_statements or a log normalizes them) is PREPAREd (the server infers their types) and
// planned with EXPLAIN EXECUTE: with the workload's own constants when a --workload source saw them
// (a custom plan; the constants are bound as parameters and the plan is shown without its conditions, where
// they would appear), else a generic plan under plan_cache_mode = force_generic_plan, which never looks at
// the arguments (the NULLs stand in for them). See src/playbooks/analyzers/hypo-session.ts for why
// EXPLAIN (GENERIC_PLAN) is not used. With hypopg, the same plan again with the proposed indexes in place
// (hypothetical: backend memory only), PREPAREd afresh since a cached plan ignores hypothetical indexes.
// Everything runs in one read-only transaction on one connection; the prepared statement is deallocated
// and hypopg reset before it ends.
import { HypoLab, type Query } from '../playbooks/analyzers/hypo-session.ts';
import type { Row } from '../playbooks/types.ts';
import { planTree, type PlanNode } from './plan-tree.ts';

export interface ExplainDb {
  pinned<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface ExplainRequest {
  sql: string;
  /** one sample of the workload's constants for $1…$n (in memory only; never shown) */
  sample?: readonly (string | null)[] | null;
  /** CREATE INDEX statements of the proposed indexes, tried hypothetically with hypopg */
  hypothetical?: string[];
}

export type PlanMode = 'plain' | 'generic' | 'custom';

export interface Plan {
  tree: PlanNode;
  mode: PlanMode;
  /** number of $n parameters */
  params: number;
}

export interface ExplainOutcome {
  before: Plan;
  /** the plan with the hypothetical indexes; null when none were asked for or hypopg cannot */
  after: Plan | null;
  /** the hypothetical indexes as hypopg made them, with its size estimate */
  hypothetical: { ddl: string; name: string; bytes: number | null }[];
  /** why there is no "after" plan although indexes were asked for */
  afterNote: string | null;
}

const NAME = 'pgadvisor_explain';

export async function explainStatement(db: ExplainDb, req: ExplainRequest, signal?: AbortSignal): Promise<ExplainOutcome> {
  const sql = req.sql.trim().replace(/;\s*$/, '');
  return db.pinned(async (query) => {
    const before = await plan(query, sql, req.sample ?? null);
    const wanted = (req.hypothetical ?? []).map(hypoDdl);
    if (!wanted.length) return { before, after: null, hypothetical: [], afterNote: null };
    const opened = await HypoLab.open(query);
    if (!opened.lab) return { before, after: null, hypothetical: [], afterNote: opened.reason };
    const lab = opened.lab;
    try {
      const made = [];
      for (const ddl of wanted) {
        const h = await lab.create(ddl);
        made.push({ ddl, name: h.name, bytes: h.bytes });
      }
      return { before, after: await plan(query, sql, req.sample ?? null), hypothetical: made, afterNote: null };
    } finally {
      await lab.close();
    }
  }, signal);
}

/** hypopg takes a plain CREATE INDEX: no CONCURRENTLY, no IF NOT EXISTS, one statement. */
export function hypoDdl(ddl: string): string {
  return ddl
    .trim()
    .replace(/;\s*$/, '')
    .replace(/^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+/i, (_m, u: string | undefined) => `CREATE ${u ?? ''}INDEX `)
    .replace(/^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+)IF\s+NOT\s+EXISTS\s+/i, '$1');
}

async function plan(query: Query, sql: string, sample: readonly (string | null)[] | null): Promise<Plan> {
  await prepare(query, sql);
  try {
    const [row] = await query(`SELECT cardinality(parameter_types) AS n FROM pg_prepared_statements WHERE name = $1`, [NAME]);
    const n = Number(row?.n ?? 0);
    if (n === 0) return { tree: planTree((await query(`EXPLAIN (FORMAT JSON) ${sql}`))[0]?.['QUERY PLAN']), mode: 'plain', params: 0 };
    if (sample && sample.length === n) {
      await query(`SELECT set_config('plan_cache_mode', 'force_custom_plan', true)`);
      // EXPLAIN takes no bind parameters: the constants go in as literals, quoted by the server
      const [quoted] = await query(`SELECT string_agg(coalesce(quote_literal(v), 'NULL'), ', ' ORDER BY i) AS args FROM unnest($1::text[]) WITH ORDINALITY AS a(v, i)`, [[...sample]]);
      return { tree: planTree((await query(`EXPLAIN (FORMAT JSON) EXECUTE ${NAME}(${String(quoted.args)})`))[0]?.['QUERY PLAN']), mode: 'custom', params: n };
    }
    await query(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`);
    return { tree: planTree((await query(`EXPLAIN (FORMAT JSON) EXECUTE ${NAME}(${Array(n).fill('NULL').join(', ')})`))[0]?.['QUERY PLAN']), mode: 'generic', params: n };
  } finally {
    await query(`DEALLOCATE ${NAME}`).catch(() => undefined);
  }
}

async function prepare(query: Query, sql: string): Promise<void> {
  try {
    await query(`PREPARE ${NAME} AS ${sql}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P05') throw err;
    await query(`DEALLOCATE ${NAME}`);
    await query(`PREPARE ${NAME} AS ${sql}`);
  }
}
