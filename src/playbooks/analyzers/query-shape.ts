// What a normalized statement (with $n parameters) asks of its tables: the filters an index can serve
// (equality, IN lists, ranges, IS [NOT] NULL, boolean columns, LIKE/ILIKE and regular expressions,
// jsonb and array operators, full-text @@), joins, sort keys with their direction, LIMIT, the
// columns an UPDATE sets and whether the statement aggregates — from the real Postgres parser
// (libpg-query). Column references are left unresolved here; resolveUse() finishes the job once the
// catalog says which table has which column.
import { parse } from 'libpg-query';

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

/** A table as written in the query: schema as written (null when search_path decides). */
export interface RelationRef {
  index: number;
  schema: string | null;
  name: string;
  alias: string | null;
  /** FROM ONLY */
  only: boolean;
  /** the SELECT (or UPDATE/DELETE) block whose FROM list holds it */
  block: number;
}

/**
 * A column whose table is not known yet. `levels` lists candidate relation indexes by scope,
 * nearest first; the first level where exactly one candidate has the column wins.
 */
export interface ColumnUse {
  column: string;
  levels: number[][];
}

/**
 * An expression over one column, as an index key needs it (`lower(email)`, `(data ->> 'kind')`,
 * `created_at::date`, `to_tsvector('english', body)`): a small tree that deparse() turns back into SQL
 * once the values of its parameters are known.
 */
export type ExprNode =
  | { t: 'col' }
  | { t: 'param'; n: number }
  | { t: 'const'; kind: 'string' | 'number' | 'bool' | 'null'; text: string }
  | { t: 'func'; name: string[]; args: ExprNode[] }
  | { t: 'cast'; arg: ExprNode; type: string[]; typmods: number[]; array: boolean }
  | { t: 'op'; op: string; left: ExprNode | null; right: ExprNode }
  | { t: 'coalesce'; args: ExprNode[] };

/** An index key: a plain column, or an expression over one column. */
export interface KeyExpr {
  column: ColumnUse;
  /** a one-argument function of the column (`lower(email)`), kept for callers that only want those */
  func: string[] | null;
  /** any key other than the bare column (functions, casts, operators such as ->>) */
  expr: ExprNode | null;
}

/**
 * eq: `=`, IN (…), = ANY(…); range: < <= > >= BETWEEN; null / notnull: IS [NOT] NULL; bool: a bare
 * boolean column or NOT column; like: LIKE / ILIKE; regex: ~ ~*; contains / contained / overlap:
 * @> <@ &&; exists: ? ?| ?& (jsonb keys); match: @@ (text search, or a jsonpath on jsonb); jsonpath: @?.
 */
export type PredicateOp = 'eq' | 'range' | 'null' | 'notnull' | 'bool' | 'like' | 'regex' | 'contains' | 'contained' | 'overlap' | 'exists' | 'match' | 'jsonpath';

/** A literal written in the statement (normalized statements carry $n instead). */
export interface Literal {
  kind: 'string' | 'number' | 'bool' | 'null';
  text: string;
}

/** A part of a concatenated value: a parameter's value or a literal's text. */
export type ConcatPart = { param: number } | { text: string };

export interface Predicate {
  key: KeyExpr;
  op: PredicateOp;
  /** the operator as written (last name part): `=`, `<`, `~~*`, `@>`, `?|` … */
  operator: string;
  /** the other side is a bare parameter ($n, possibly cast), not an expression */
  param: boolean;
  /** that parameter's number, when `param` */
  paramNumber: number | null;
  /** the parameters the other side reads ($n numbers), in order of appearance */
  valueParams: number[];
  /** the other side is a literal */
  literal: Literal | null;
  /** the other side is a `||` chain of parameters and string literals (`$1 || '%'`), in order; null otherwise */
  concat: ConcatPart[] | null;
  /** IN (…) or = ANY(…): several values at once */
  multi: boolean;
  /** number of values in an IN (…) list; null for = ANY(array) and single values */
  listLength: number | null;
  /** NOT column (bool); the negated sense of a boolean filter */
  negated: boolean;
  /** ILIKE, ~* */
  caseInsensitive: boolean;
  block: number;
  /** byte offset of the $n when `param` */
  paramLocation: number | null;
}

export interface JoinPredicate {
  left: ColumnUse;
  right: ColumnUse;
  block: number;
}

export interface SortKey {
  column: ColumnUse;
  /** non-null when the sort key is an expression over the column */
  expr: ExprNode | null;
  desc: boolean;
  /** NULLS FIRST / LAST as written; null for the default of the direction */
  nulls: 'first' | 'last' | null;
}

export interface LimitClause {
  block: number;
  /** LIMIT as a literal number */
  count: number | null;
  /** LIMIT $n */
  param: number | null;
  /** OFFSET present */
  offset: boolean;
}

export type OutputItem = { column: ColumnUse } | { star: number[] };

export interface QueryShape {
  kind: StatementKind;
  relations: RelationRef[];
  predicates: Predicate[];
  joins: JoinPredicate[];
  /** ORDER BY keys, one list per SELECT block whose keys are all columns or expressions over one */
  sorts: { block: number; keys: SortKey[] }[];
  limits: LimitClause[];
  /** output columns of the outermost SELECT (empty for other statements) */
  outputs: OutputItem[];
  /** the table an INSERT, UPDATE or DELETE writes (also in `relations` for UPDATE and DELETE) */
  target: { schema: string | null; name: string } | null;
  /** columns an UPDATE sets (or INSERT … ON CONFLICT DO UPDATE sets) */
  setColumns: string[];
  /** the outermost SELECT groups or aggregates */
  aggregates: boolean;
  /**
   * For an aggregating outermost SELECT: the output columns that tell its rows apart (its GROUP BY items as
   * the output columns they are), or null when they cannot be named from the select list.
   */
  groupKey: string[] | null;
  /** number of $n parameters (the highest n) */
  paramCount: number;
  /** FOR UPDATE / FOR KEY SHARE … anywhere */
  locking: boolean;
  /** byte offset of the outermost SELECT's first output expression */
  selectListStart: number | null;
  /** the block of the outermost SELECT / UPDATE / DELETE */
  topBlock: number;
  /**
   * The statement as the server can plan it: pg_stat_statements normalizes a typed literal (`timestamp '…'`,
   * `interval '30 days'`) to `timestamp $1`, which only libpg-query's grammar accepts; here each is `($1::timestamp)`.
   */
  plannable: string;
}

// libpg-query's JSON AST: every node is `{ TypeName: {…fields} }`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parse tree is untyped JSON
type Obj = Record<string, any>;

interface ScopeEntry {
  /** relation index, or null for a subquery / CTE / function in FROM */
  rel: number | null;
  alias: string | null;
  name: string | null;
}

interface Scope {
  entries: ScopeEntry[];
  parent: Scope | null;
}

const RANGE_OPS = new Set(['<', '<=', '>', '>=']);
/** the operator with its sides swapped (`$1 < x` is `x > $1`) */
const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '@>': '<@', '<@': '@>', '&&': '&&', '@@': '@@' };
const OPS: Record<string, PredicateOp> = {
  '=': 'eq',
  '<': 'range',
  '<=': 'range',
  '>': 'range',
  '>=': 'range',
  '~~': 'like',
  '~~*': 'like',
  '~': 'regex',
  '~*': 'regex',
  '@>': 'contains',
  '<@': 'contained',
  '&&': 'overlap',
  '?': 'exists',
  '?|': 'exists',
  '?&': 'exists',
  '@@': 'match',
  '@?': 'jsonpath',
};
const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'bool_and', 'bool_or', 'every', 'stddev', 'variance', 'percentile_cont', 'percentile_disc', 'json_object_agg', 'jsonb_object_agg']);

/** Parses one normalized statement; null when it is not one parseable statement. */
export async function parseShape(sql: string): Promise<QueryShape | null> {
  let tree: Obj;
  try {
    tree = (await parse(sql)) as Obj;
  } catch {
    return null;
  }
  const stmts: Obj[] = tree.stmts ?? [];
  if (stmts.length !== 1) return null;
  const shape = new ShapeBuilder().build(stmts[0].stmt ?? {});
  shape.plannable = castsAfterParams(sql, stmts[0].stmt ?? {});
  return shape;
}

/** The statement as the server can plan it (see QueryShape.plannable); the text itself when it does not parse. */
export async function plannableText(sql: string): Promise<string> {
  try {
    const tree = (await parse(sql)) as Obj;
    return castsAfterParams(sql, tree.stmts ?? []);
  } catch {
    return sql;
  }
}

/** `type $n` (a typed literal normalized) rewritten as `($n::type)`; every other byte kept. Locations are UTF-8 byte offsets. */
export function castsAfterParams(sql: string, tree: unknown): string {
  const spans: { from: number; to: number; param: number }[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Obj;
    const cast = o.TypeCast;
    const param = cast?.arg?.ParamRef;
    if (param && typeof cast.typeName?.location === 'number' && typeof param.location === 'number' && cast.typeName.location < param.location) {
      spans.push({ from: cast.typeName.location, to: param.location, param: Number(param.number) });
    }
    Object.values(o).forEach(walk);
  };
  walk(tree);
  if (!spans.length) return sql;
  const bytes = Buffer.from(sql, 'utf8');
  let out = '';
  let at = 0;
  for (const sp of spans.sort((a, b) => a.from - b.from)) {
    const marker = `$${sp.param}`;
    const end = sp.to + Buffer.byteLength(marker);
    if (sp.from < at || bytes.subarray(sp.to, end).toString('utf8') !== marker) continue;
    const type = bytes.subarray(sp.from, sp.to).toString('utf8').trim();
    out += bytes.subarray(at, sp.from).toString('utf8') + `(${marker}::${type})`;
    at = end;
  }
  return out + bytes.subarray(at).toString('utf8');
}

class ShapeBuilder {
  private shape: QueryShape = {
    kind: 'other',
    relations: [],
    predicates: [],
    joins: [],
    sorts: [],
    limits: [],
    outputs: [],
    target: null,
    setColumns: [],
    aggregates: false,
    groupKey: null,
    paramCount: 0,
    plannable: '',
    locking: false,
    selectListStart: null,
    topBlock: 0,
  };
  private blocks = 0;

  build(stmt: Obj): QueryShape {
    this.shape.paramCount = maxParam(stmt);
    const [type, node] = unwrap(stmt);
    const ctes = new Set<string>();
    switch (type) {
      case 'SelectStmt':
        if (node.intoClause) break;
        this.shape.kind = 'select';
        this.select(node, null, ctes, true);
        break;
      case 'InsertStmt':
        this.shape.kind = 'insert';
        this.shape.target = rangeVarRef(node.relation);
        for (const t of node.onConflictClause?.targetList ?? []) if (t.ResTarget?.name) this.shape.setColumns.push(t.ResTarget.name);
        this.withClause(node.withClause, null, ctes);
        if (node.selectStmt) this.statement(node.selectStmt, null, ctes);
        break;
      case 'UpdateStmt':
      case 'DeleteStmt': {
        this.shape.kind = type === 'UpdateStmt' ? 'update' : 'delete';
        this.shape.target = rangeVarRef(node.relation);
        this.withClause(node.withClause, null, ctes);
        const scope: Scope = { entries: [], parent: null };
        const block = this.blocks++;
        this.shape.topBlock = block;
        const quals: Obj[] = [];
        this.from({ RangeVar: node.relation }, scope, ctes, quals, block);
        for (const f of node.fromClause ?? node.usingClause ?? []) this.from(f, scope, ctes, quals, block);
        if (node.whereClause) quals.push(node.whereClause);
        for (const q of quals) this.predicate(q, scope, block, ctes);
        for (const t of node.targetList ?? []) {
          if (type === 'UpdateStmt' && t.ResTarget?.name) this.shape.setColumns.push(t.ResTarget.name);
          this.sublinks(t, scope, ctes);
        }
        break;
      }
      default:
        break;
    }
    return this.shape;
  }

  private statement(node: Obj, parent: Scope | null, ctes: Set<string>): void {
    const [type, body] = unwrap(node);
    if (type === 'SelectStmt') this.select(body, parent, ctes, false);
  }

  private withClause(w: Obj | undefined, parent: Scope | null, ctes: Set<string>): void {
    for (const c of w?.ctes ?? []) {
      const cte = c.CommonTableExpr;
      if (!cte) continue;
      // A recursive CTE may name itself; register first so its own reference is not a table.
      if (w?.recursive) ctes.add(cte.ctename);
      if (cte.ctequery) {
        const [type, body] = unwrap(cte.ctequery);
        if (type === 'SelectStmt') this.select(body, parent, ctes, false);
      }
      ctes.add(cte.ctename);
    }
  }

  private select(sel: Obj, parent: Scope | null, outerCtes: Set<string>, top: boolean): void {
    const ctes = new Set(outerCtes);
    this.withClause(sel.withClause, parent, ctes);
    if (sel.op && sel.op !== 'SETOP_NONE') {
      if (sel.larg) this.select(sel.larg, parent, ctes, top);
      if (sel.rarg) this.select(sel.rarg, parent, ctes, false);
      return;
    }
    if (sel.lockingClause?.length) this.shape.locking = true;
    const scope: Scope = { entries: [], parent };
    const block = this.blocks++;
    const quals: Obj[] = [];
    for (const f of sel.fromClause ?? []) this.from(f, scope, ctes, quals, block);
    if (sel.whereClause) quals.push(sel.whereClause);
    for (const q of quals) this.predicate(q, scope, block, ctes);
    for (const v of sel.valuesLists ?? []) this.sublinks(v, scope, ctes);
    if (sel.havingClause) this.sublinks(sel.havingClause, scope, ctes);

    const keys: SortKey[] = [];
    let sortable = true;
    for (const s of sel.sortClause ?? []) {
      const by = s.SortBy;
      const key = by?.node ? this.keyExpr(by.node, scope) : null;
      if (!key || by.sortby_dir === 'SORTBY_USING') {
        sortable = false;
        continue;
      }
      const nulls = by.sortby_nulls === 'SORTBY_NULLS_FIRST' ? 'first' : by.sortby_nulls === 'SORTBY_NULLS_LAST' ? 'last' : null;
      keys.push({ column: key.column, expr: key.expr, desc: by.sortby_dir === 'SORTBY_DESC', nulls });
    }
    if (sortable && keys.length) this.shape.sorts.push({ block, keys });
    if (sel.limitCount) {
      const count = unwrap(sel.limitCount);
      const literal = count[0] === 'A_Const' ? constOf(count[1]) : null;
      const param = paramOf(sel.limitCount);
      this.shape.limits.push({
        block,
        count: literal?.kind === 'number' ? Number(literal.text) : null,
        param: param?.number ?? null,
        offset: Boolean(sel.limitOffset),
      });
    }

    if (top) {
      this.shape.topBlock = block;
      this.shape.aggregates = Boolean(sel.groupClause?.length) || (sel.targetList ?? []).some((t: Obj) => hasAggregate(t.ResTarget?.val));
      if (this.shape.aggregates) this.shape.groupKey = groupKeyOf(sel);
    }
    if (top && sel.targetList?.length) this.shape.selectListStart = sel.targetList[0].ResTarget?.location ?? null;
    for (const t of sel.targetList ?? []) {
      const val = t.ResTarget?.val;
      if (!val) continue;
      if (top && val.ColumnRef) {
        const fields: Obj[] = val.ColumnRef.fields ?? [];
        if (fields.length && fields[fields.length - 1].A_Star) {
          const qual = fields.slice(0, -1).map(str);
          const rels = qual.length ? this.qualified(qual, scope) : levelRels(scope);
          if (rels) this.shape.outputs.push({ star: rels });
        } else {
          const use = this.columnUse(val.ColumnRef, scope);
          if (use) this.shape.outputs.push({ column: use });
        }
      }
      this.sublinks(val, scope, ctes);
    }
  }

  private from(node: Obj, scope: Scope, ctes: Set<string>, quals: Obj[], block: number): number[] {
    const [type, f] = unwrap(node);
    switch (type) {
      case 'RangeVar': {
        const alias = f.alias?.aliasname ?? null;
        if (!f.schemaname && ctes.has(f.relname)) {
          scope.entries.push({ rel: null, alias: alias ?? f.relname, name: f.relname });
          return [];
        }
        const index = this.shape.relations.length;
        this.shape.relations.push({ index, schema: f.schemaname ?? null, name: f.relname, alias, only: !f.inh, block });
        scope.entries.push({ rel: index, alias, name: f.relname });
        return [index];
      }
      case 'JoinExpr': {
        const left = this.from(f.larg, scope, ctes, quals, block);
        const right = this.from(f.rarg, scope, ctes, quals, block);
        for (const u of f.usingClause ?? []) {
          const column = str(u);
          if (column && left.length && right.length) {
            this.shape.joins.push({ left: { column, levels: [left] }, right: { column, levels: [right] }, block });
          }
        }
        // The quals of an outer join filter only the join, not the table on its preserved side, but
        // they still describe what the nullable side is looked up by: keep them.
        if (f.quals) quals.push(f.quals);
        return [...left, ...right];
      }
      case 'RangeSubselect': {
        if (f.subquery) this.statement(f.subquery, f.lateral ? scope : scope.parent, ctes);
        scope.entries.push({ rel: null, alias: f.alias?.aliasname ?? null, name: null });
        return [];
      }
      default:
        scope.entries.push({ rel: null, alias: f?.alias?.aliasname ?? null, name: null });
        return [];
    }
  }

  private predicate(node: Obj, scope: Scope, block: number, ctes: Set<string>): void {
    const [type, e] = unwrap(node);
    if (type === 'BoolExpr' && e.boolop === 'AND_EXPR') {
      for (const a of e.args ?? []) this.predicate(a, scope, block, ctes);
      return;
    }
    this.sublinks(node, scope, ctes);
    if (type === 'ColumnRef') {
      const key = this.keyExpr(node, scope);
      if (key) this.push({ key, op: 'bool', operator: '', block });
      return;
    }
    if (type === 'BoolExpr' && e.boolop === 'NOT_EXPR' && e.args?.length === 1 && e.args[0].ColumnRef) {
      const key = this.keyExpr(e.args[0], scope);
      if (key) this.push({ key, op: 'bool', operator: 'NOT', negated: true, block });
      return;
    }
    if (type === 'NullTest') {
      const key = this.keyExpr(e.arg, scope);
      if (key) this.push({ key, op: e.nulltesttype === 'IS_NOT_NULL' ? 'notnull' : 'null', operator: '', block });
      return;
    }
    if (type !== 'A_Expr') return;
    const operator = str((e.name ?? [])[(e.name ?? []).length - 1]);
    switch (e.kind) {
      case 'AEXPR_OP':
        this.comparison(e.lexpr, e.rexpr, operator, scope, block);
        return;
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE':
        if (operator === '~~' || operator === '~~*') this.filter(e.lexpr, e.rexpr, 'like', operator, scope, block);
        return;
      case 'AEXPR_OP_ANY':
      case 'AEXPR_IN':
        if (operator === '=') this.filter(e.lexpr, e.rexpr, 'eq', operator, scope, block, true);
        return;
      case 'AEXPR_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
        this.filter(e.lexpr, e.rexpr, 'range', 'BETWEEN', scope, block);
        return;
      default:
        return;
    }
  }

  private comparison(l: Obj, r: Obj, operator: string, scope: Scope, block: number): void {
    const op = OPS[operator];
    if (!op) return;
    if (op === 'eq' && l?.ColumnRef && r?.ColumnRef) {
      const left = this.columnUse(l.ColumnRef, scope);
      const right = this.columnUse(r.ColumnRef, scope);
      if (left && right) this.shape.joins.push({ left, right, block });
      return;
    }
    if (this.filter(l, r, op, operator, scope, block)) return;
    const flipped = FLIPPED[operator];
    if (flipped) this.filter(r, l, OPS[flipped], flipped, scope, block);
  }

  /** `key op value` where value references no column: a filter an index can serve. */
  private filter(keyNode: Obj, value: Obj, op: PredicateOp, operator: string, scope: Scope, block: number, multi = false): boolean {
    if (!keyNode || !value || hasColumnRef(value)) return false;
    const key = this.keyExpr(keyNode, scope);
    if (!key) return false;
    const param = paramOf(value);
    const list = value.List?.items as Obj[] | undefined;
    const [vt, vn] = unwrap(value);
    this.push({
      key,
      op: RANGE_OPS.has(operator) ? 'range' : op,
      operator,
      param: Boolean(param),
      paramNumber: param?.number ?? null,
      valueParams: paramNumbers(value),
      literal: vt === 'A_Const' ? constOf(vn) : vt === 'TypeCast' && vn.arg?.A_Const ? constOf(vn.arg.A_Const) : null,
      concat: vt === 'A_Expr' ? concatParts(value) : null,
      multi,
      listLength: list ? list.length : null,
      caseInsensitive: operator === '~~*' || operator === '~*',
      block,
      paramLocation: param?.location ?? null,
    });
    return true;
  }

  private push(p: Partial<Predicate> & Pick<Predicate, 'key' | 'op' | 'operator' | 'block'>): void {
    this.shape.predicates.push({
      param: false,
      paramNumber: null,
      valueParams: [],
      literal: null,
      concat: null,
      multi: false,
      listLength: null,
      negated: false,
      caseInsensitive: false,
      paramLocation: null,
      ...p,
    });
  }

  /** A column, or an expression over exactly one column of this query level. */
  private keyExpr(node: Obj | undefined, scope: Scope): KeyExpr | null {
    if (!node) return null;
    if (node.ColumnRef) {
      const column = this.columnUse(node.ColumnRef, scope);
      return column ? { column, func: null, expr: null } : null;
    }
    const refs: Obj[] = [];
    const expr = exprTree(node, refs);
    if (!expr || refs.length !== 1) return null;
    const column = this.columnUse(refs[0], scope);
    if (!column) return null;
    const fn = node.FuncCall;
    const func = fn && (fn.args ?? []).length === 1 && fn.args[0].ColumnRef ? (fn.funcname ?? []).map(str) : null;
    return { column, func: func && func.every(Boolean) ? func : null, expr };
  }

  private columnUse(ref: Obj, scope: Scope): ColumnUse | null {
    const fields: Obj[] = ref.fields ?? [];
    if (!fields.length || fields.some((f) => !f.String)) return null;
    const names = fields.map(str);
    const column = names[names.length - 1];
    if (names.length === 1) {
      const levels: number[][] = [];
      for (let s: Scope | null = scope; s; s = s.parent) levels.push(s.entries.flatMap((e) => (e.rel === null ? [] : [e.rel])));
      return { column, levels };
    }
    const rels = this.qualified(names.slice(0, -1), scope);
    return rels ? { column, levels: [rels] } : null;
  }

  /** The relation a qualifier (`alias`, `table` or `schema.table`) names, nearest scope first. */
  private qualified(qual: string[], scope: Scope): number[] | null {
    for (let s: Scope | null = scope; s; s = s.parent) {
      for (const e of s.entries) {
        const matches =
          qual.length === 1
            ? e.alias === qual[0] || (e.alias === null && e.name === qual[0])
            : e.rel !== null && e.alias === null && e.name === qual[qual.length - 1] && this.shape.relations[e.rel].schema === qual[qual.length - 2];
        if (matches) return e.rel === null ? null : [e.rel];
      }
    }
    return null;
  }

  /** Walks an expression only to find subqueries (each is a SELECT block of its own). */
  private sublinks(node: unknown, scope: Scope, ctes: Set<string>): void {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) this.sublinks(n, scope, ctes);
      return;
    }
    const o = node as Obj;
    if (o.SubLink) {
      this.sublinks(o.SubLink.testexpr, scope, ctes);
      if (o.SubLink.subselect) this.statement(o.SubLink.subselect, scope, ctes);
      return;
    }
    for (const v of Object.values(o)) this.sublinks(v, scope, ctes);
  }
}

/**
 * The expression tree of a key candidate, collecting its column references; null when it holds
 * anything an index expression cannot (subqueries, aggregates, window functions, named arguments…).
 */
function exprTree(node: Obj | undefined, refs: Obj[]): ExprNode | null {
  const [type, n] = unwrap(node);
  switch (type) {
    case 'ColumnRef':
      if ((n.fields ?? []).some((f: Obj) => !f.String)) return null;
      refs.push(n);
      return { t: 'col' };
    case 'ParamRef':
      return { t: 'param', n: Number(n.number ?? 0) };
    case 'A_Const':
      return { t: 'const', ...constOf(n) };
    case 'FuncCall': {
      if (n.over || n.agg_star || n.agg_distinct || n.agg_order || n.agg_filter || n.func_variadic) return null;
      const name = (n.funcname ?? []).map(str);
      if (!name.length || name.some((x: string) => !x)) return null;
      const args: ExprNode[] = [];
      for (const a of n.args ?? []) {
        if (a.NamedArgExpr) return null;
        const sub = exprTree(a, refs);
        if (!sub) return null;
        args.push(sub);
      }
      return { t: 'func', name, args };
    }
    case 'TypeCast': {
      const arg = exprTree(n.arg, refs);
      const names: string[] = (n.typeName?.names ?? []).map(str);
      if (!arg || !names.length || names.some((x) => !x) || n.typeName?.setof) return null;
      const typmods: number[] = [];
      for (const m of n.typeName?.typmods ?? []) {
        const c = m.A_Const ? constOf(m.A_Const) : null;
        if (c?.kind !== 'number') return null;
        typmods.push(Number(c.text));
      }
      return { t: 'cast', arg, type: names, typmods, array: Boolean(n.typeName?.arrayBounds?.length) };
    }
    case 'A_Expr': {
      if (n.kind !== 'AEXPR_OP' || (n.name ?? []).length !== 1) return null;
      const op = str(n.name[0]);
      const right = exprTree(n.rexpr, refs);
      const left = n.lexpr ? exprTree(n.lexpr, refs) : null;
      if (!op || !right || (n.lexpr && !left)) return null;
      return { t: 'op', op, left, right };
    }
    case 'CoalesceExpr': {
      const args: ExprNode[] = [];
      for (const a of n.args ?? []) {
        const sub = exprTree(a, refs);
        if (!sub) return null;
        args.push(sub);
      }
      return { t: 'coalesce', args };
    }
    default:
      return null;
  }
}

/** The parameters an expression tree needs values for. */
export function exprParams(e: ExprNode | null): number[] {
  if (!e) return [];
  switch (e.t) {
    case 'param':
      return [e.n];
    case 'func':
    case 'coalesce':
      return e.args.flatMap(exprParams);
    case 'cast':
      return exprParams(e.arg);
    case 'op':
      return [...exprParams(e.left), ...exprParams(e.right)];
    default:
      return [];
  }
}

/**
 * SQL text of an expression key: the key column through `ident` (the caller's quoting), function and type
 * names through `name`, each parameter as `literal(n)` (a quoted constant), or null when a parameter has
 * no value.
 */
export function deparse(
  e: ExprNode,
  column: string,
  ident: (s: string) => string,
  literal: (n: number) => string | null,
  name: (s: string) => string = ident,
): string | null {
  const sub = (x: ExprNode) => deparse(x, column, ident, literal, name);
  switch (e.t) {
    case 'col':
      return ident(column);
    case 'param':
      return literal(e.n);
    case 'const':
      return e.kind === 'string' ? quoteLiteral(e.text) : e.kind === 'null' ? 'NULL' : e.text;
    case 'func': {
      const args = e.args.map(sub);
      if (args.some((a) => a === null)) return null;
      return `${e.name.map(name).join('.')}(${args.join(', ')})`;
    }
    case 'coalesce': {
      const args = e.args.map(sub);
      if (args.some((a) => a === null)) return null;
      return `COALESCE(${args.join(', ')})`;
    }
    case 'cast': {
      const arg = sub(e.arg);
      if (arg === null) return null;
      const mods = e.typmods.length ? `(${e.typmods.join(', ')})` : '';
      return `CAST(${arg} AS ${e.type.map(name).join('.')}${mods}${e.array ? '[]' : ''})`;
    }
    case 'op': {
      const right = sub(e.right);
      const left = e.left ? sub(e.left) : '';
      if (right === null || left === null) return null;
      return `(${left ? `${left} ` : ''}${e.op} ${right})`;
    }
  }
}

/** A standard-conforming string literal ('' doubles a quote; backslashes are literal). */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A readable label of a key expression (`lower(email)`, `(data ->> $1)`), parameters left as $n. */
export function exprLabel(e: ExprNode, column: string): string {
  return deparse(e, column, (s) => s, (n) => `$${n}`) ?? column;
}

function unwrap(node: Obj | undefined): [string, Obj] {
  if (!node) return ['', {}];
  const k = Object.keys(node)[0];
  return [k ?? '', (k ? node[k] : {}) ?? {}];
}

function str(node: Obj | undefined): string {
  return node?.String?.sval ?? '';
}

function constOf(c: Obj): Literal {
  if (c.isnull) return { kind: 'null', text: 'NULL' };
  if (c.sval) return { kind: 'string', text: String(c.sval.sval ?? '') };
  if (c.boolval) return { kind: 'bool', text: c.boolval.boolval ? 'true' : 'false' };
  if (c.ival) return { kind: 'number', text: String(c.ival.ival ?? 0) };
  if (c.fval) return { kind: 'number', text: String(c.fval.fval ?? '0') };
  if (c.bsval) return { kind: 'string', text: String(c.bsval.bsval ?? '') };
  return { kind: 'null', text: 'NULL' };
}

function rangeVarRef(rv: Obj | undefined): { schema: string | null; name: string } | null {
  return rv?.relname ? { schema: rv.schemaname ?? null, name: rv.relname } : null;
}

function levelRels(scope: Scope): number[] {
  return scope.entries.flatMap((e) => (e.rel === null ? [] : [e.rel]));
}

function paramOf(node: Obj): { location: number; number: number } | null {
  const p = node.ParamRef ?? node.TypeCast?.arg?.ParamRef;
  return p ? { location: Number(p.location ?? -1), number: Number(p.number ?? 0) } : null;
}

/** `$1 || '%'`, `'%' || $1 || '%'`: the parts of a `||` chain of parameters and string literals; null for anything else. */
function concatParts(node: Obj): ConcatPart[] | null {
  const p = paramOf(node);
  if (p) return [{ param: p.number }];
  const [t, n] = unwrap(node);
  if (t === 'A_Const') {
    const c = constOf(n);
    return c.kind === 'string' ? [{ text: c.text }] : null;
  }
  if (t === 'TypeCast' && n.arg?.A_Const) return concatParts(n.arg);
  if (t !== 'A_Expr' || n.kind !== 'AEXPR_OP' || str(n.name?.[n.name.length - 1]) !== '||') return null;
  const left = concatParts(n.lexpr);
  const right = left && concatParts(n.rexpr);
  return left && right ? [...left, ...right] : null;
}

function paramNumbers(node: unknown): number[] {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(paramNumbers);
  const o = node as Obj;
  if (o.ParamRef) return [Number(o.ParamRef.number ?? 0)];
  return Object.values(o).flatMap(paramNumbers);
}

/** Does the expression read a column of the current query level (subqueries excluded)? */
function hasColumnRef(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(hasColumnRef);
  const o = node as Obj;
  if (o.ColumnRef) return true;
  if (o.SubLink) return hasColumnRef(o.SubLink.testexpr);
  return Object.values(o).some(hasColumnRef);
}

/**
 * The output columns that identify an aggregating SELECT's rows: each GROUP BY item as the output column it
 * is (by position, by being the same expression, or by an output alias), or, without GROUP BY (one row), the
 * first output column. Null for grouping sets and ROLLUP/CUBE, a GROUP BY item that is not an output column,
 * and an output PostgreSQL would name "?column?".
 */
function groupKeyOf(sel: Obj): string[] | null {
  const targets: Obj[] = (sel.targetList ?? []).map((t: Obj) => t.ResTarget ?? {});
  const groups: Obj[] = sel.groupClause ?? [];
  if (!groups.length) {
    const first = targets[0] ? outputName(targets[0]) : null;
    return first === null ? null : [first];
  }
  const chosen = new Map<string, Obj>();
  for (const g of groups) {
    const [type, node] = unwrap(g);
    if (type === 'GroupingSet') return null;
    let target: Obj | undefined;
    if (type === 'A_Const' && node.ival) target = targets[Number(node.ival.ival ?? 0) - 1];
    else {
      const shape = sameShape(g);
      target = targets.find((t) => t.val && sameShape(t.val) === shape);
      if (!target && type === 'ColumnRef' && (node.fields ?? []).length === 1) {
        const name = str(node.fields[0]);
        // `x` where the select list has `t.x`: in a valid query only one relation in scope has a column x
        target = targets.find((t) => t.val?.ColumnRef && str((t.val.ColumnRef.fields ?? []).at(-1)) === name);
        // else an output alias
        target ??= targets.find((t) => t.name === name);
      }
    }
    const name = target ? outputName(target) : null;
    // two output columns of one name: the view could not be created with them
    if (name === null || (chosen.has(name) && chosen.get(name) !== target)) return null;
    chosen.set(name, target!);
  }
  return [...chosen.keys()];
}

/** The name PostgreSQL gives an output column, for the forms whose name is plain; null otherwise. */
function outputName(target: Obj): string | null {
  if (target.name) return String(target.name);
  let [type, node] = unwrap(target.val);
  while (type === 'TypeCast') [type, node] = unwrap(node.arg);
  if (type === 'ColumnRef') {
    const fields: Obj[] = node.fields ?? [];
    const last = fields[fields.length - 1];
    return last?.String ? str(last) : null;
  }
  if (type === 'FuncCall') return str((node.funcname ?? []).at(-1)) || null;
  return null;
}

/** A node's text without source positions: equal for the same expression written twice. */
function sameShape(node: Obj): string {
  return JSON.stringify(node, (k, v) => (k === 'location' ? undefined : v));
}

/** An aggregate call at this query level (subqueries are their own level). */
function hasAggregate(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(hasAggregate);
  const o = node as Obj;
  if (o.SubLink) return false;
  if (o.FuncCall) {
    const name = (o.FuncCall.funcname ?? []).map(str);
    if (!o.FuncCall.over && (o.FuncCall.agg_star || AGGREGATES.has(name[name.length - 1]))) return true;
  }
  return Object.values(o).some(hasAggregate);
}

function maxParam(node: unknown): number {
  if (!node || typeof node !== 'object') return 0;
  if (Array.isArray(node)) return node.reduce((m: number, n) => Math.max(m, maxParam(n)), 0);
  const o = node as Obj;
  if (o.ParamRef) return Number(o.ParamRef.number ?? 0);
  return Object.values(o).reduce((m: number, v) => Math.max(m, maxParam(v)), 0);
}

/**
 * The relation a column belongs to: at the nearest scope level where exactly one candidate
 * has the column. Null when no candidate has it or it is ambiguous.
 */
export function resolveUse(use: ColumnUse, hasColumn: (rel: number, column: string) => boolean): number | null {
  for (const level of use.levels) {
    const found = level.filter((rel) => hasColumn(rel, use.column));
    if (found.length === 1) return found[0];
    if (found.length > 1) return null;
  }
  return null;
}
