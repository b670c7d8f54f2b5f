// Plans of normalized statements on the advisor's read-only session, with and without hypothetical
// indexes (hypopg).
//
// Two kinds of plan:
//  - generic: PREPARE the statement (the server infers the parameter types), then EXPLAIN EXECUTE it
//    with NULL arguments while plan_cache_mode = force_generic_plan. A generic plan never looks at the
//    argument values, so the NULLs cannot fold the predicates away; it is the plan the server caches for
//    the application's prepared statement. Each experiment PREPAREs afresh, because a cached generic plan
//    is not invalidated by hypothetical indexes.
//  - custom: EXPLAIN the statement through the extended protocol with its parameters bound to real values
//    (the workload's constants, or representative values from pg_stats): the planner folds them in, as it
//    does for a custom plan, so a skewed column's rare value and a partial index's predicate count. The
//    values travel only in the Bind message; a server error about them is never repeated (it would quote
//    them), the cause is named instead.
// A parameter whose type nothing around it decides (`json_build_object($1, …)`, `$1 IS NULL`) is read as
// text, the type every value of a log or a .sql file has: the server names it (42P18) and the statement is
// planned again with `$n::text`, once per such parameter.
//
// hypopg indexes and prepared statements live in one backend: the analyzer's statements run on one
// pinned connection, every hypopg call also returns pg_backend_pid() and the lab refuses to continue if it
// changes. Nothing here writes: hypopg keeps its indexes in backend memory, plan_cache_mode is set for the
// transaction only, and the lab resets the indexes and deallocates its statement when it closes.
import type { Row } from '../types.ts';
import { quoteIdent } from '../index-spec.ts';
import { scan } from '../../workload/lexer.ts';

export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

/** One node of a plan, as far as index advice needs it. */
export interface PlanNode {
  type: string;
  /** the relation a scan reads, its schema and the alias it has in the statement */
  relation: string | null;
  schema: string | null;
  alias: string | null;
  index: string | null;
  startup: number;
  total: number;
  rows: number;
  /** the node runs once per row of its parent's outer side (inner side of a nested loop) */
  repeated: boolean;
  /** a parallel scan: its rows are one participant's share */
  parallel: boolean;
  /** an aggregate in partial mode (under a Gather) */
  partial: boolean;
  /** Gather / Gather Merge: workers planned */
  workers: number;
  children: PlanNode[];
}

export interface PlanCost {
  startup: number;
  total: number;
  rows: number;
  /** names of the indexes the plan uses (hypothetical ones look like `<13556>btree_rental_customer_id`) */
  indexes: string[];
  /** node types of the plan, outermost first (for evidence) */
  nodes: string[];
  root: PlanNode;
}

export interface HypoIndex {
  oid: number;
  name: string;
  /** hypopg_relation_size: hypopg's own estimate of the index size */
  bytes: number | null;
}

/** Parameter values for a custom plan (text, as the server reads them; null for SQL NULL); null for the generic plan. */
export type PlanValues = readonly (string | null)[] | null;

export class HypoError extends Error {}

const STATEMENT = 'pgadvisor_hypo';

/** Runs `attempt` on the statement, again with `$n::text` for each parameter the server cannot type (42P18). */
async function typed<T>(sql: string, attempt: (sql: string) => Promise<T>): Promise<T> {
  const asText = new Set<number>();
  for (;;) {
    try {
      return await attempt(asText.size ? paramsAsText(sql, asText) : sql);
    } catch (err) {
      const m = (err as { code?: string }).code === '42P18' ? /parameter \$(\d+)/.exec(String((err as Error).message)) : null;
      if (!m || asText.has(Number(m[1])) || asText.size >= 100) throw err;
      asText.add(Number(m[1]));
    }
  }
}

/** The statement with each `$n` of `params` read as text (`$n::text`); everything else as it was. */
export function paramsAsText(sql: string, params: ReadonlySet<number>): string {
  let out = '';
  let at = 0;
  scan(sql, (type, start, end) => {
    if (type !== 'param' || !params.has(Number(sql.slice(start + 1, end)))) return;
    out += `${sql.slice(at, end)}::text`;
    at = end;
  });
  return out + sql.slice(at);
}
/** what replaces a server error raised while binding the workload's values (the error would quote them) */
export const VALUES_REJECTED = 'the server rejected the sample values for this statement (types or constraints); planned generically instead';

export class HypoLab {
  private pid: number | null = null;
  private hidden = new Set<number>();
  /** plans made so far */
  plans = 0;

  private constructor(
    private readonly query: Query,
    /** the quoted schema hypopg is installed in, or null when it is not */
    private readonly ns: string | null,
    readonly version: string | null,
    readonly canHide: boolean,
    /** why there are no hypothetical indexes here (null when hypopg is installed) */
    readonly hypoReason: string | null,
  ) {}

  /** hypothetical indexes can be created */
  get hypo(): boolean {
    return this.ns !== null;
  }

  /**
   * Opens a lab; without hypopg, null (with the reason) unless `plansOnly`, in which case the lab plans
   * statements but creates no hypothetical index (`hypo` is false, `hypoReason` says why).
   */
  static async open(query: Query, opts: { plansOnly?: boolean } = {}): Promise<{ lab: HypoLab; reason: null } | { lab: null; reason: string }> {
    const rows = await query(
      `SELECT n.nspname AS schema, e.extversion AS version,
              to_regprocedure(format('%I.hypopg_hide_index(oid)', n.nspname)) IS NOT NULL AS can_hide
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'hypopg'`,
    );
    let lab: HypoLab;
    if (!rows.length) {
      const avail = await query(`SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'`);
      const reason = avail.length
        ? 'hypopg is not installed in this database: CREATE EXTENSION hypopg'
        : 'hypopg is not available on this server: install the hypopg package for this PostgreSQL version, then CREATE EXTENSION hypopg';
      if (!opts.plansOnly) return { lab: null, reason };
      lab = new HypoLab(query, null, null, false, reason);
    } else {
      const r = rows[0];
      lab = new HypoLab(query, quoteIdent(String(r.schema)), String(r.version), Boolean(r.can_hide), null);
    }
    await lab.start();
    return { lab, reason: null };
  }

  private async start(): Promise<void> {
    const reset = this.ns ? `, ${this.ns}.hypopg_reset() IS NULL AS reset` : '';
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid${reset}`);
    this.pid = Number(r.pid);
  }

  private checkPid(pid: unknown): void {
    if (Number(pid) !== this.pid) {
      throw new HypoError('the hypothetical-index experiment lost its connection (backend changed); results discarded');
    }
  }

  private requireHypo(): string {
    if (!this.ns) throw new HypoError(this.hypoReason ?? 'hypopg is not installed');
    return this.ns;
  }

  /** Generic-plan cost of a normalized statement; null when the server cannot plan it standalone. */
  async cost(sql: string): Promise<{ cost: PlanCost; error: null } | { cost: null; error: string }> {
    return this.plan(sql, null);
  }

  /** The statement's plan: generic (values null) or custom with the given parameter values. */
  async plan(sql: string, values: PlanValues): Promise<{ cost: PlanCost; error: null } | { cost: null; error: string }> {
    this.plans++;
    return values === null ? this.genericPlan(sql) : this.customPlan(sql, values);
  }

  private async genericPlan(sql: string): Promise<{ cost: PlanCost; error: null } | { cost: null; error: string }> {
    try {
      await typed(sql, (s) => this.prepare(s));
    } catch (err) {
      return { cost: null, error: firstLine(err) };
    }
    try {
      const [row] = await this.query(
        `SELECT cardinality(parameter_types) AS n, set_config('plan_cache_mode', 'force_generic_plan', true) AS mode
           FROM pg_prepared_statements WHERE name = $1`,
        [STATEMENT],
      );
      if (!row) throw new HypoError('the prepared statement is missing: the experiment lost its connection');
      const n = Number(row.n);
      const args = n ? `(${Array(n).fill('NULL').join(', ')})` : '';
      const rows = await this.query(`EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE ${STATEMENT}${args}`);
      return { cost: readPlan(rows), error: null };
    } catch (err) {
      if (err instanceof HypoError) throw err;
      return { cost: null, error: firstLine(err) };
    } finally {
      await this.query(`DEALLOCATE ${STATEMENT}`).catch(() => undefined);
    }
  }

  private async customPlan(sql: string, values: readonly (string | null)[]): Promise<{ cost: PlanCost; error: null } | { cost: null; error: string }> {
    try {
      const rows = await typed(sql, (s) => this.query(`EXPLAIN (FORMAT JSON, VERBOSE) ${s.replace(/[\s;]+$/, '')}`, [...values]));
      return { cost: readPlan(rows), error: null };
    } catch (err) {
      if (err instanceof HypoError) throw err;
      const code = (err as { code?: string }).code ?? '';
      // data exceptions (22…) and constraint-like errors quote the offending value: never repeat them
      return { cost: null, error: /^(22|23|42804)/.test(code) ? VALUES_REJECTED : firstLine(err) };
    }
  }

  // One statement name for every experiment: pg_stat_statements records each distinct EXPLAIN EXECUTE
  // text, and numbered names would fill it with hundreds of one-off entries.
  private async prepare(sql: string): Promise<void> {
    const text = `PREPARE ${STATEMENT} AS ${sql.replace(/[\s;]+$/, '')}`;
    try {
      await this.query(text);
    } catch (err) {
      if ((err as { code?: string }).code !== '42P05') throw err;
      await this.query(`DEALLOCATE ${STATEMENT}`);
      await this.query(text);
    }
  }

  /** Creates a hypothetical index from a CREATE INDEX statement. */
  async create(ddl: string): Promise<HypoIndex> {
    const ns = this.requireHypo();
    const [r] = await this.query(
      `SELECT pg_backend_pid() AS pid, h.indexrelid::int8 AS oid, h.indexname AS name,
              ${ns}.hypopg_relation_size(h.indexrelid)::int8 AS bytes
         FROM ${ns}.hypopg_create_index($1) h`,
      [ddl],
    );
    if (!r) throw new HypoError(`hypopg created no index for: ${ddl}`);
    this.checkPid(r.pid);
    return { oid: Number(r.oid), name: String(r.name), bytes: r.bytes == null ? null : Number(r.bytes) };
  }

  async drop(index: HypoIndex): Promise<void> {
    const ns = this.requireHypo();
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid, ${ns}.hypopg_drop_index($1::oid) AS dropped`, [index.oid]);
    this.checkPid(r.pid);
  }

  /** Hides a real index from the planner (hypopg ≥ 1.4); false if it could not be hidden. */
  async hide(indexOid: number): Promise<boolean> {
    const ns = this.requireHypo();
    if (!this.canHide) throw new HypoError(`hypopg ${this.version} cannot hide indexes (needs hypopg 1.4 or later)`);
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid, ${ns}.hypopg_hide_index($1::oid) AS hidden`, [indexOid]);
    this.checkPid(r.pid);
    if (r.hidden) this.hidden.add(indexOid);
    return Boolean(r.hidden);
  }

  async unhide(indexOid: number): Promise<void> {
    const ns = this.requireHypo();
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid, ${ns}.hypopg_unhide_index($1::oid) AS shown`, [indexOid]);
    this.checkPid(r.pid);
    this.hidden.delete(indexOid);
  }

  /** Removes every hypothetical index and hidden-index mark, and restores plan_cache_mode. */
  async close(): Promise<void> {
    if (this.ns) {
      const unhide = this.canHide ? `, ${this.ns}.hypopg_unhide_all_indexes() IS NULL AS unhidden` : '';
      await this.query(`SELECT ${this.ns}.hypopg_reset() IS NULL AS reset${unhide}`).catch(() => undefined);
    }
    this.hidden.clear();
    await this.query(`SELECT set_config('plan_cache_mode', (SELECT reset_val FROM pg_settings WHERE name = 'plan_cache_mode'), true)`).catch(() => undefined);
  }
}

/** Runs fn with an open lab and always cleans up; null result with a reason when hypopg is missing. */
export async function withHypoLab<T>(query: Query, fn: (lab: HypoLab) => Promise<T>, opts: { plansOnly?: boolean } = {}): Promise<{ result: T; reason: null } | { result: null; reason: string }> {
  const opened = await HypoLab.open(query, opts);
  if (!opened.lab) return { result: null, reason: opened.reason };
  try {
    return { result: await fn(opened.lab), reason: null };
  } finally {
    await opened.lab.close();
  }
}

export function readPlan(rows: Row[]): PlanCost {
  let doc = rows[0]?.['QUERY PLAN'] as unknown;
  if (typeof doc === 'string') doc = JSON.parse(doc);
  const top = (doc as { Plan: RawNode }[])[0].Plan;
  const indexes: string[] = [];
  const nodes: string[] = [];
  const convert = (n: RawNode, repeated: boolean): PlanNode => {
    nodes.push(n['Node Type']);
    if (n['Index Name']) indexes.push(n['Index Name']);
    const kids = n.Plans ?? [];
    const loop = n['Node Type'] === 'Nested Loop';
    return {
      type: n['Node Type'],
      relation: n['Relation Name'] ?? null,
      schema: n.Schema ?? null,
      alias: n.Alias ?? null,
      index: n['Index Name'] ?? null,
      startup: Number(n['Startup Cost']),
      total: Number(n['Total Cost']),
      rows: Number(n['Plan Rows']),
      repeated,
      parallel: Boolean(n['Parallel Aware']),
      partial: n['Partial Mode'] === 'Partial',
      workers: Number(n['Workers Planned'] ?? 0),
      // a nested loop's inner side (its second child) runs once per outer row
      children: kids.map((k, i) => convert(k, repeated || (loop && i === 1) || k['Parent Relationship'] === 'SubPlan')),
    };
  };
  const root = convert(top, false);
  return { startup: root.startup, total: root.total, rows: root.rows, indexes, nodes, root };
}

interface RawNode {
  'Node Type': string;
  'Startup Cost': number;
  'Total Cost': number;
  'Plan Rows': number;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Parent Relationship'?: string;
  'Parallel Aware'?: boolean;
  'Partial Mode'?: string;
  'Workers Planned'?: number;
  Schema?: string;
  Alias?: string;
  Plans?: RawNode[];
}

/** Every node of a plan, depth first. */
export function planNodes(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (n: PlanNode) => {
    out.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}
