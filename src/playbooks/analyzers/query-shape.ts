// What a normalized statement (pg_stat_statements text, with $n parameters) asks of its tables:
// equality / range / IS NULL filters, joins, sort keys and output columns, from the real Postgres
// parser (libpg-query). Column references are left unresolved here; resolveUse() finishes the job
// once the catalog says which table has which column.
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

/** An index key: a plain column, or a one-argument function of a column (`lower(email)`). */
export interface KeyExpr {
  column: ColumnUse;
  func: string[] | null;
}

export type PredicateOp = 'eq' | 'range' | 'null';

export interface Predicate {
  key: KeyExpr;
  op: PredicateOp;
  /** the other side is a bare parameter ($n), not an expression */
  param: boolean;
  /** IN (…) or = ANY(…): several values at once */
  multi: boolean;
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
  desc: boolean;
}

export type OutputItem = { column: ColumnUse } | { star: number[] };

export interface QueryShape {
  kind: StatementKind;
  relations: RelationRef[];
  predicates: Predicate[];
  joins: JoinPredicate[];
  /** ORDER BY keys, one list per SELECT block that has one */
  sorts: { block: number; keys: SortKey[] }[];
  /** output columns of the outermost SELECT (empty for other statements) */
  outputs: OutputItem[];
  /** number of $n parameters (the highest n) */
  paramCount: number;
  /** FOR UPDATE / FOR KEY SHARE … anywhere */
  locking: boolean;
  /** byte offset of the outermost SELECT's first output expression */
  selectListStart: number | null;
  /** the block of the outermost SELECT / UPDATE / DELETE */
  topBlock: number;
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

const EQ_OPS = new Set(['=']);
const RANGE_OPS = new Set(['<', '<=', '>', '>=']);

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
  return new ShapeBuilder().build(stmts[0].stmt ?? {});
}

class ShapeBuilder {
  private shape: QueryShape = {
    kind: 'other',
    relations: [],
    predicates: [],
    joins: [],
    sorts: [],
    outputs: [],
    paramCount: 0,
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
        this.withClause(node.withClause, null, ctes);
        if (node.selectStmt) this.statement(node.selectStmt, null, ctes);
        break;
      case 'UpdateStmt':
      case 'DeleteStmt': {
        this.shape.kind = type === 'UpdateStmt' ? 'update' : 'delete';
        this.withClause(node.withClause, null, ctes);
        const scope: Scope = { entries: [], parent: null };
        const block = this.blocks++;
        this.shape.topBlock = block;
        const quals: Obj[] = [];
        this.from({ RangeVar: node.relation }, scope, ctes, quals, block);
        for (const f of node.fromClause ?? node.usingClause ?? []) this.from(f, scope, ctes, quals, block);
        if (node.whereClause) quals.push(node.whereClause);
        for (const q of quals) this.predicate(q, scope, block, ctes);
        for (const t of node.targetList ?? []) this.sublinks(t, scope, ctes);
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
      const ref = by?.node?.ColumnRef ? this.columnUse(by.node.ColumnRef, scope) : null;
      if (!ref || by.sortby_dir === 'SORTBY_USING') {
        sortable = false;
        continue;
      }
      keys.push({ column: ref, desc: by.sortby_dir === 'SORTBY_DESC' });
    }
    if (sortable && keys.length) this.shape.sorts.push({ block, keys });

    if (top) this.shape.topBlock = block;
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
    if (type === 'NullTest' && e.nulltesttype === 'IS_NULL') {
      const key = this.keyExpr(e.arg, scope);
      if (key) this.shape.predicates.push({ key, op: 'null', param: false, multi: false, block, paramLocation: null });
      return;
    }
    if (type !== 'A_Expr') return;
    const op = str((e.name ?? [])[(e.name ?? []).length - 1]);
    switch (e.kind) {
      case 'AEXPR_OP':
        if (EQ_OPS.has(op)) this.comparison(e.lexpr, e.rexpr, 'eq', scope, block);
        else if (RANGE_OPS.has(op)) this.comparison(e.lexpr, e.rexpr, 'range', scope, block);
        return;
      case 'AEXPR_OP_ANY':
      case 'AEXPR_IN':
        if (op === '=') this.filter(e.lexpr, e.rexpr, 'eq', scope, block, true);
        return;
      case 'AEXPR_BETWEEN':
      case 'AEXPR_BETWEEN_SYM':
        this.filter(e.lexpr, e.rexpr, 'range', scope, block);
        return;
      default:
        return;
    }
  }

  private comparison(l: Obj, r: Obj, op: PredicateOp, scope: Scope, block: number): void {
    if (op === 'eq' && l?.ColumnRef && r?.ColumnRef) {
      const left = this.columnUse(l.ColumnRef, scope);
      const right = this.columnUse(r.ColumnRef, scope);
      if (left && right) this.shape.joins.push({ left, right, block });
      return;
    }
    if (!this.filter(l, r, op, scope, block)) this.filter(r, l, op, scope, block);
  }

  /** `key op value` where value references no column: a filter an index can serve. */
  private filter(keyNode: Obj, value: Obj, op: PredicateOp, scope: Scope, block: number, multi = false): boolean {
    if (!keyNode || !value || hasColumnRef(value)) return false;
    const key = this.keyExpr(keyNode, scope);
    if (!key) return false;
    const param = paramOf(value);
    this.shape.predicates.push({ key, op, param: Boolean(param), multi, block, paramLocation: param?.location ?? null });
    return true;
  }

  private keyExpr(node: Obj | undefined, scope: Scope): KeyExpr | null {
    if (!node) return null;
    if (node.ColumnRef) {
      const column = this.columnUse(node.ColumnRef, scope);
      return column ? { column, func: null } : null;
    }
    const fn = node.FuncCall;
    if (fn && !fn.over && !fn.agg_star && !fn.agg_distinct && (fn.args ?? []).length === 1 && fn.args[0].ColumnRef) {
      const column = this.columnUse(fn.args[0].ColumnRef, scope);
      const func = (fn.funcname ?? []).map(str);
      return column && func.every(Boolean) ? { column, func } : null;
    }
    return null;
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

function unwrap(node: Obj | undefined): [string, Obj] {
  if (!node) return ['', {}];
  const k = Object.keys(node)[0];
  return [k ?? '', (k ? node[k] : {}) ?? {}];
}

function str(node: Obj | undefined): string {
  return node?.String?.sval ?? '';
}

function levelRels(scope: Scope): number[] {
  return scope.entries.flatMap((e) => (e.rel === null ? [] : [e.rel]));
}

function paramOf(node: Obj): { location: number } | null {
  const p = node.ParamRef ?? node.TypeCast?.arg?.ParamRef;
  return p ? { location: Number(p.location ?? -1) } : null;
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
