// Columns a policy filters on (`user_id = auth.uid()`, `tenant_id IN (…)`) that no index starts with.
import type { Analyzer, FindingRow } from '../analyzer.ts';
import { lockOf } from '../locks.ts';
import type { Row } from '../types.ts';
import { resolveFn, toFnInfos, type FnInfo } from './rls-functions.ts';
import { conjuncts, parseExpr, some, type Node } from './policy-expr.ts';

/** Tables at least this large (estimated rows) make a missing index a warning rather than info. */
export const LARGE_TABLE_ROWS = 10_000;
const MAX_IDENT_BYTES = 63;

function unwrap(n: unknown): [string, Node] | null {
  if (!n || typeof n !== 'object') return null;
  const [k] = Object.keys(n);
  return k ? [k, (n as Node)[k] as Node] : null;
}

function ownColumn(n: unknown, table: string, columns: string[]): string | null {
  const w = unwrap(n);
  if (!w || w[0] !== 'ColumnRef') return null;
  const fields = (w[1].fields as Node[]).map((f) => (f.String ? String((f.String as Node).sval) : null));
  if (fields.some((f) => f === null)) return null;
  const name = fields.length === 1 ? fields[0] : fields.length === 2 && fields[0] === table ? fields[1] : null;
  return name && columns.includes(name) ? name : null;
}

/**
 * A value that depends on the session but not on the row: it references no column of the policy's table
 * (subqueries may read other tables), calls no VOLATILE function, and is not a plain constant.
 */
function sessionValue(n: unknown, table: string, fns: FnInfo[]): boolean {
  let dynamic = false;
  const rowDependent = some(n, (v) => {
    if (v.type === 'ColumnRef') {
      const fields = (v.node.fields as Node[]).map((f) => (f.String ? String((f.String as Node).sval) : '*'));
      // inside a subquery the server qualifies every column, so an unqualified one is the policy's table
      return !v.inSubLink || fields.length < 2 || fields[0] === table;
    }
    if (v.type === 'FuncCall') {
      dynamic = true;
      return resolveFn(fns, v.node)?.volatility === 'volatile';
    }
    if (v.type === 'SubLink' || v.type === 'SQLValueFunction') dynamic = true;
    return false;
  });
  return dynamic && !rowDependent;
}

/** The column of the policy's table that a top-level AND term filters by equality with a session value. */
export function filteredColumn(term: Node, table: string, columns: string[], fns: FnInfo[]): string | null {
  const w = unwrap(term);
  if (!w) return null;
  const [type, n] = w;
  if (type === 'A_Expr') {
    const op = ((n.name as Node[] | undefined) ?? []).map((x) => String((x.String as Node)?.sval)).join('.');
    if (op !== '=') return null;
    if (n.kind === 'AEXPR_OP') {
      const l = ownColumn(n.lexpr, table, columns);
      if (l && sessionValue(n.rexpr, table, fns)) return l;
      const r = ownColumn(n.rexpr, table, columns);
      if (r && sessionValue(n.lexpr, table, fns)) return r;
      return null;
    }
    if (n.kind === 'AEXPR_OP_ANY' || n.kind === 'AEXPR_IN') {
      const l = ownColumn(n.lexpr, table, columns);
      return l && sessionValue(n.rexpr, table, fns) ? l : null;
    }
    return null;
  }
  if (type === 'SubLink' && n.subLinkType === 'ANY_SUBLINK') {
    const op = ((n.operName as Node[] | undefined) ?? []).map((x) => String((x.String as Node)?.sval)).join('.');
    const col = ownColumn(n.testexpr, table, columns);
    return col && (op === '' || op === '=') && sessionValue({ SubLink: { ...n, testexpr: undefined } }, table, fns) ? col : null;
  }
  return null;
}

function truncateBytes(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/** An index name in the Postgres style that is not taken in the schema (nor by another suggestion). */
export function indexName(table: string, column: string, taken: Set<string>): string {
  for (let n = 0; ; n++) {
    const suffix = n === 0 ? '_idx' : `_idx${n}`;
    const name = truncateBytes(`${table}_${column}`, MAX_IDENT_BYTES - Buffer.byteLength(suffix)) + suffix;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

interface Candidate {
  schema: string;
  table: string;
  column: string;
  estRows: number;
  policies: string[];
}

export const rlsPolicyIndex: Analyzer = {
  async run(ctx) {
    const fns = toFnInfos(ctx.inputs.policy_functions);
    const tables = new Map<string, Row>();
    for (const t of ctx.inputs.policy_tables ?? []) tables.set(`${t.schema}\u0000${t.table}`, t);

    const rows: Row[] = [];
    const candidates = new Map<string, Candidate>();
    for (const pol of ctx.inputs.policies ?? []) {
      if (pol.command === 'INSERT' || typeof pol.using_expr !== 'string') continue;
      const t = tables.get(`${pol.schema}\u0000${pol.table}`);
      if (!t) continue;
      const columns = (t.columns as string[]) ?? [];
      const indexed = new Set((t.indexed_leading as string[]) ?? []);
      let parsed;
      try {
        parsed = await parseExpr(pol.using_expr);
      } catch {
        continue;
      }
      for (const term of conjuncts(parsed.root)) {
        const column = filteredColumn(term, String(pol.table), columns, fns);
        if (!column) continue;
        rows.push({ policy: pol.target, column, indexed: indexed.has(column) });
        if (indexed.has(column)) continue;
        const key = `${pol.schema}\u0000${pol.table}\u0000${column}`;
        const c = candidates.get(key) ?? { schema: String(pol.schema), table: String(pol.table), column, estRows: Number(t.est_rows ?? 0), policies: [] };
        if (!c.policies.includes(String(pol.target))) c.policies.push(String(pol.target));
        candidates.set(key, c);
      }
    }

    const findings: FindingRow[] = [];
    const takenBySchema = new Map<string, Set<string>>();
    for (const c of candidates.values()) {
      let taken = takenBySchema.get(c.schema);
      if (!taken) {
        const existing = await ctx.query(
          `SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
          [c.schema],
        );
        taken = new Set(existing.map((r) => String(r.name)));
        takenBySchema.set(c.schema, taken);
      }
      const name = indexName(c.table, c.column, taken);
      // the server quotes the identifiers
      const [ddl] = await ctx.query(
        `SELECT format('%I.%I', $1::text, $2::text) AS tbl,
                format('%I.%I.%I', $1::text, $2::text, $3::text) AS key,
                format('CREATE INDEX CONCURRENTLY IF NOT EXISTS %I ON %I.%I (%I);', $4::text, $1::text, $2::text, $3::text) AS up,
                format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I;', $1::text, $4::text) AS down,
                format('%I.%I', $1::text, $4::text) AS index,
                quote_ident($3::text) AS col`,
        [c.schema, c.table, c.column, name],
      );
      const large = c.estRows >= LARGE_TABLE_ROWS;
      findings.push({
        target: String(ddl.tbl),
        key: String(ddl.key),
        title: `Policies on ${String(ddl.tbl)} filter on ${String(ddl.col)} and no index starts with it`,
        rationale:
          `${c.policies.length > 1 ? `${c.policies.length} policies compare` : 'A policy compares'} this column with the current user's value, ` +
          `so every query on the table is filtered by it; without an index on it Postgres reads the whole table and checks the policy on each row. ` +
          (large ? '' : `The table is small now (about ${c.estRows} rows), so this matters as it grows. `) +
          `The index is built CONCURRENTLY, without blocking writes.`,
        severity: large ? 'warning' : 'info',
        evidence: { column: c.column, est_rows: c.estRows, policies: c.policies, index: ddl.index, lock: lockOf('SHARE UPDATE EXCLUSIVE', [String(ddl.tbl)], 'build') },
        up: String(ddl.up),
        down: String(ddl.down),
      });
    }
    return { columns: ['policy', 'column', 'indexed'], rows, findings };
  },
};
