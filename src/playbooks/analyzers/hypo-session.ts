// Hypothetical-index experiments with hypopg on the advisor's read-only session.
//
// How a normalized statement ($1, $2 … without values) gets a plan, on every supported version:
// PREPARE it (the server infers the parameter types), then EXPLAIN (FORMAT JSON) EXECUTE it with
// NULL arguments while plan_cache_mode = force_generic_plan. A generic plan never looks at the
// argument values, so the NULLs cannot fold the predicates away; it is the plan the server would
// cache for the application's prepared statement. EXPLAIN (GENERIC_PLAN) (PG 16+) is not used:
// through the extended protocol the $n of an EXPLAIN become protocol parameters that must be bound,
// and bound values are folded into the plan. Each experiment PREPAREs afresh, because a cached
// generic plan is not invalidated by hypothetical indexes.
//
// hypopg indexes and prepared statements live in one backend. The analyzer's queries run one after
// another on a pool that hands back the most recently released connection, so they stay on one
// backend; every hypopg call also returns pg_backend_pid() and the lab refuses to continue if it
// changes. Nothing here writes: hypopg keeps its indexes in backend memory, and the lab resets them,
// deallocates its statements and restores plan_cache_mode when it closes.
import type { Row } from '../types.ts';
import { quoteIdent } from './workload-ddl.ts';

export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

export interface PlanCost {
  startup: number;
  total: number;
  /** names of the indexes the plan uses (hypothetical ones look like `<13556>btree_rental_customer_id`) */
  indexes: string[];
  /** node types of the plan, outermost first (for evidence) */
  nodes: string[];
}

export interface HypoIndex {
  oid: number;
  name: string;
  /** hypopg_relation_size: hypopg's own estimate of the index size */
  bytes: number | null;
}

export class HypoError extends Error {}

const STATEMENT = 'pgadvisor_hypo';

export class HypoLab {
  private pid: number | null = null;
  private hidden = new Set<number>();

  private constructor(
    private readonly query: Query,
    /** the quoted schema hypopg is installed in */
    private readonly ns: string,
    readonly version: string,
    readonly canHide: boolean,
  ) {}

  /** Opens a lab; null (with the reason) when hypopg is not installed in this database. */
  static async open(query: Query): Promise<{ lab: HypoLab; reason: null } | { lab: null; reason: string }> {
    const rows = await query(
      `SELECT n.nspname AS schema, e.extversion AS version,
              to_regprocedure(format('%I.hypopg_hide_index(oid)', n.nspname)) IS NOT NULL AS can_hide
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'hypopg'`,
    );
    if (!rows.length) {
      const avail = await query(`SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'`);
      return {
        lab: null,
        reason: avail.length
          ? 'hypopg is not installed in this database: CREATE EXTENSION hypopg'
          : 'hypopg is not available on this server: install the hypopg package for this PostgreSQL version, then CREATE EXTENSION hypopg',
      };
    }
    const r = rows[0];
    const lab = new HypoLab(query, quoteIdent(String(r.schema)), String(r.version), Boolean(r.can_hide));
    await lab.start();
    return { lab, reason: null };
  }

  private async start(): Promise<void> {
    const [r] = await this.query(
      `SELECT pg_backend_pid() AS pid, ${this.ns}.hypopg_reset() IS NULL AS reset,
              set_config('plan_cache_mode', 'force_generic_plan', false) AS mode`,
    );
    this.pid = Number(r.pid);
  }

  private checkPid(pid: unknown): void {
    if (Number(pid) !== this.pid) {
      throw new HypoError('the hypothetical-index experiment lost its connection (backend changed); results discarded');
    }
  }

  /** Generic-plan cost of a normalized statement; null when the server cannot plan it standalone. */
  async cost(sql: string): Promise<{ cost: PlanCost; error: null } | { cost: null; error: string }> {
    try {
      await this.prepare(sql);
    } catch (err) {
      return { cost: null, error: firstLine(err) };
    }
    try {
      const [row] = await this.query(`SELECT cardinality(parameter_types) AS n FROM pg_prepared_statements WHERE name = $1`, [STATEMENT]);
      if (!row) throw new HypoError('the prepared statement is missing: the experiment lost its connection');
      const n = Number(row.n);
      const args = n ? `(${Array(n).fill('NULL').join(', ')})` : '';
      const rows = await this.query(`EXPLAIN (FORMAT JSON) EXECUTE ${STATEMENT}${args}`);
      return { cost: readPlan(rows), error: null };
    } catch (err) {
      if (err instanceof HypoError) throw err;
      return { cost: null, error: firstLine(err) };
    } finally {
      await this.query(`DEALLOCATE ${STATEMENT}`).catch(() => undefined);
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
    const [r] = await this.query(
      `SELECT pg_backend_pid() AS pid, h.indexrelid::int8 AS oid, h.indexname AS name,
              ${this.ns}.hypopg_relation_size(h.indexrelid)::int8 AS bytes
         FROM ${this.ns}.hypopg_create_index($1) h`,
      [ddl],
    );
    if (!r) throw new HypoError(`hypopg created no index for: ${ddl}`);
    this.checkPid(r.pid);
    return { oid: Number(r.oid), name: String(r.name), bytes: r.bytes == null ? null : Number(r.bytes) };
  }

  async drop(index: HypoIndex): Promise<void> {
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid, ${this.ns}.hypopg_drop_index($1::oid) AS dropped`, [index.oid]);
    this.checkPid(r.pid);
  }

  /** Hides a real index from the planner (hypopg ≥ 1.4); false if it could not be hidden. */
  async hide(indexOid: number): Promise<boolean> {
    if (!this.canHide) throw new HypoError(`hypopg ${this.version} cannot hide indexes (needs hypopg 1.4 or later)`);
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid, ${this.ns}.hypopg_hide_index($1::oid) AS hidden`, [indexOid]);
    this.checkPid(r.pid);
    if (r.hidden) this.hidden.add(indexOid);
    return Boolean(r.hidden);
  }

  async unhide(indexOid: number): Promise<void> {
    const [r] = await this.query(`SELECT pg_backend_pid() AS pid, ${this.ns}.hypopg_unhide_index($1::oid) AS shown`, [indexOid]);
    this.checkPid(r.pid);
    this.hidden.delete(indexOid);
  }

  /** Removes every hypothetical index and hidden-index mark, and restores plan_cache_mode. */
  async close(): Promise<void> {
    const unhide = this.canHide ? `, ${this.ns}.hypopg_unhide_all_indexes() IS NULL AS unhidden` : '';
    await this.query(`SELECT ${this.ns}.hypopg_reset() IS NULL AS reset${unhide}`).catch(() => undefined);
    this.hidden.clear();
    await this.query(`RESET plan_cache_mode`).catch(() => undefined);
  }
}

/** Runs fn with an open lab and always cleans up; null result with a reason when hypopg is missing. */
export async function withHypoLab<T>(query: Query, fn: (lab: HypoLab) => Promise<T>): Promise<{ result: T; reason: null } | { result: null; reason: string }> {
  const opened = await HypoLab.open(query);
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
  const root = (doc as { Plan: PlanNode }[])[0].Plan;
  const indexes: string[] = [];
  const nodes: string[] = [];
  const visit = (n: PlanNode) => {
    nodes.push(n['Node Type']);
    if (n['Index Name']) indexes.push(n['Index Name']);
    for (const c of n.Plans ?? []) visit(c);
  };
  visit(root);
  return { startup: Number(root['Startup Cost']), total: Number(root['Total Cost']), indexes, nodes };
}

interface PlanNode {
  'Node Type': string;
  'Startup Cost': number;
  'Total Cost': number;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}
