// Policy expressions as the Postgres parser sees them. An expression (as pg_get_expr prints it) is parsed
// as `SELECT <expr>`; rewrites splice the original text at the parser's own byte offsets and tokens, so
// everything not rewritten stays exactly as the server printed it.
import { parse } from 'libpg-query';
import { scanTokens } from '../../migration/sql-scan.ts';

export type Node = Record<string, unknown>;

interface Token {
  start: number;
  end: number;
  text: string;
  tokenName: string;
  keywordKind: number;
}

export interface ParsedExpr {
  text: string;
  /** the expression's node, wrapped as the parser gives it: { A_Expr: {…} } */
  root: Node;
  tokens: Token[];
  /** UTF-8 bytes of `SELECT <text>`: parser locations are byte offsets into these */
  bytes: Buffer;
}

export class ExprError extends Error {}

const PREFIX = 'SELECT ';

export async function parseExpr(text: string): Promise<ParsedExpr> {
  const sql = PREFIX + text;
  let tree: { stmts?: { stmt: Node }[] };
  try {
    tree = (await parse(sql)) as unknown as { stmts?: { stmt: Node }[] };
  } catch (err) {
    throw new ExprError(`cannot parse expression: ${String((err as Error).message ?? err).split('\n')[0]}`);
  }
  const stmts = tree.stmts ?? [];
  const select = stmts.length === 1 ? (stmts[0].stmt.SelectStmt as Node | undefined) : undefined;
  const targets = select?.targetList as Node[] | undefined;
  if (!select || !targets || targets.length !== 1 || select.fromClause || select.whereClause) {
    throw new ExprError('not a single expression');
  }
  const root = (targets[0].ResTarget as Node).val as Node;
  const tokens = scanTokens(sql);
  return { text, root, tokens: tokens as Token[], bytes: Buffer.from(sql, 'utf8') };
}

/** One node met by walk(): its type, its fields, where it sits. */
export interface Visit {
  type: string;
  node: Node;
  /** inside the subquery of a SubLink (not its test expression) */
  inSubLink: boolean;
  /** inside an OR (at any depth above) */
  underOr: boolean;
  parent: Visit | null;
  /** the parent's field that holds this node */
  field: string | null;
}

function unwrap(value: unknown): [string, Node] | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !/^[A-Z]/.test(keys[0])) return null;
  const inner = (value as Node)[keys[0]];
  return inner && typeof inner === 'object' && !Array.isArray(inner) ? [keys[0], inner as Node] : null;
}

/** Depth-first walk over every node; return false from `visit` to skip a node's children. */
export function walk(root: unknown, visit: (v: Visit) => boolean | void): void {
  const go = (value: unknown, parent: Visit | null, field: string | null): void => {
    if (Array.isArray(value)) {
      for (const item of value) go(item, parent, field);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const wrapped = unwrap(value);
    if (wrapped) {
      const [type, node] = wrapped;
      const v: Visit = {
        type,
        node,
        // the test expression of `x IN (SELECT …)` belongs to the outer query; only the subquery is apart
        inSubLink: Boolean(parent && (parent.inSubLink || (parent.type === 'SubLink' && field === 'subselect'))),
        underOr: Boolean(parent && (parent.underOr || (parent.type === 'BoolExpr' && parent.node.boolop === 'OR_EXPR'))),
        parent,
        field,
      };
      if (visit(v) === false) return;
      for (const [k, child] of Object.entries(node)) go(child, v, k);
      return;
    }
    // an unwrapped struct (e.g. a TypeName): its fields belong to the same parent
    for (const [k, child] of Object.entries(value)) go(child, parent, k);
  };
  go(root, null, null);
}

export function some(root: unknown, pred: (v: Visit) => boolean): boolean {
  let found = false;
  walk(root, (v) => {
    if (found) return false;
    if (pred(v)) found = true;
    return !found;
  });
  return found;
}

export interface FuncRef {
  schema: string | null;
  name: string;
  nargs: number;
}

export function funcRef(fc: Node): FuncRef {
  const names = (fc.funcname as Node[]).map((n) => String((n.String as Node).sval));
  return {
    schema: names.length >= 2 ? names[names.length - 2] : null,
    name: names[names.length - 1],
    nargs: ((fc.args as unknown[] | undefined) ?? []).length,
  };
}

/** A plain `name(args)` call: not an aggregate, window, VARIADIC or SQL-syntax form (`x AT TIME ZONE y`). */
export function isPlainCall(fc: Node): boolean {
  return (
    (fc.funcformat === undefined || fc.funcformat === 'COERCE_EXPLICIT_CALL') &&
    !fc.agg_star && !fc.agg_distinct && !fc.over && !fc.agg_filter && !fc.agg_order && !fc.agg_within_group && !fc.func_variadic
  );
}

/** The string constant of a node (`'x'` or `'x'::text`), else null. */
export function stringConst(node: unknown): string | null {
  const w = unwrap(node);
  if (!w) return null;
  const [type, n] = w;
  if (type === 'TypeCast') return stringConst(n.arg);
  if (type === 'A_Const' && n.sval) return String((n.sval as Node).sval ?? '');
  return null;
}

export function boolConst(node: unknown): boolean | null {
  const w = unwrap(node);
  if (!w) return null;
  const [type, n] = w;
  if (type === 'TypeCast') return boolConst(n.arg);
  if (type === 'A_Const' && n.boolval) return Boolean((n.boolval as Node).boolval);
  return null;
}

/** Top-level AND terms of an expression. */
export function conjuncts(root: Node): Node[] {
  const w = unwrap(root);
  if (w && w[0] === 'BoolExpr' && w[1].boolop === 'AND_EXPR') return (w[1].args as Node[]).flatMap(conjuncts);
  return [root];
}

// ---- text spans ---------------------------------------------------------------------------------------

const TYPE_TAIL_WORDS = new Set(['with', 'without', 'time', 'zone', 'varying', 'precision', 'year', 'month', 'day', 'hour', 'minute', 'second', 'to']);

function isName(t: Token | undefined): boolean {
  return Boolean(t && (t.tokenName === 'IDENT' || t.keywordKind > 0));
}

function tokenAt(p: ParsedExpr, byte: number): number {
  return p.tokens.findIndex((t) => t.start === byte);
}

function matching(p: ParsedExpr, open: number, l: string, r: string): number {
  let depth = 0;
  for (let i = open; i < p.tokens.length; i++) {
    if (p.tokens[i].text === l) depth++;
    else if (p.tokens[i].text === r && --depth === 0) return i;
  }
  return -1;
}

/** Token range [first, last] of a plain function call: its name through its closing parenthesis. */
export function callTokens(p: ParsedExpr, fc: Node): [number, number] | null {
  const first = tokenAt(p, Number(fc.location));
  if (first < 0) return null;
  let j = first;
  while (j < p.tokens.length && p.tokens[j].text !== '(') {
    if (!(isName(p.tokens[j]) || p.tokens[j].text === '.')) return null;
    j++;
  }
  if (j >= p.tokens.length) return null;
  const close = matching(p, j, '(', ')');
  return close < 0 ? null : [first, close];
}

/** Extends a token range over a `::type` cast applied to it (grouping parentheses included). */
function castTokens(p: ParsedExpr, [s, e]: [number, number], cast: Node): [number, number] | null {
  const op = tokenAt(p, Number(cast.location));
  if (op < 0 || p.tokens[op].text !== '::') return null;
  const k = op - e - 1; // closing parentheses between the operand and `::`
  if (k < 0 || s - k < 0) return null;
  for (let i = 1; i <= k; i++) {
    if (p.tokens[e + i].text !== ')' || p.tokens[s - i].text !== '(') return null;
  }
  let j = op + 1;
  if (!isName(p.tokens[j])) return null;
  j++;
  for (;;) {
    const t = p.tokens[j];
    if (!t) break;
    if (t.text === '.' && isName(p.tokens[j + 1])) j += 2;
    else if (t.text === '(') {
      const c = matching(p, j, '(', ')');
      if (c < 0) return null;
      j = c + 1;
    } else if (t.text === '[') {
      const c = matching(p, j, '[', ']');
      if (c < 0) return null;
      j = c + 1;
    } else if (t.keywordKind > 0 && TYPE_TAIL_WORDS.has(t.text.toLowerCase())) j++;
    else break;
  }
  return [s - k, j - 1];
}

/**
 * Byte range of the smallest piece of text that holds a call and the casts applied directly to it
 * (`(current_setting('x'))::uuid`), or null when the text does not have the expected shape.
 */
export function hoistRange(p: ParsedExpr, call: Visit): [number, number] | null {
  let range = callTokens(p, call.node);
  if (!range) return null;
  let v: Visit = call;
  while (v.parent && v.parent.type === 'TypeCast' && v.field === 'arg') {
    const wider = castTokens(p, range, v.parent.node);
    if (!wider) break;
    range = wider;
    v = v.parent;
  }
  return [p.tokens[range[0]].start, p.tokens[range[1]].end];
}

export function sourceText(p: ParsedExpr, [from, to]: [number, number]): string {
  return p.bytes.subarray(from, to).toString('utf8');
}

/** The expression with each byte range (non-overlapping) replaced by `(SELECT <range>)`. */
export function wrapInSelect(p: ParsedExpr, ranges: [number, number][]): string {
  const sorted = [...ranges].sort((a, b) => b[0] - a[0]);
  let bytes = p.bytes;
  let last = Infinity;
  for (const [from, to] of sorted) {
    if (to > last) throw new ExprError('overlapping rewrite ranges');
    last = from;
    bytes = Buffer.concat([bytes.subarray(0, from), Buffer.from('(SELECT '), bytes.subarray(from, to), Buffer.from(')'), bytes.subarray(to)]);
  }
  return bytes.subarray(Buffer.byteLength(PREFIX)).toString('utf8');
}
