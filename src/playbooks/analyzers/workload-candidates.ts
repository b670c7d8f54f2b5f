// Index candidates from what statements ask of a table, every kind an expert would write:
//   btree composite   equality keys (IN lists too), then one range key, then the ORDER BY keys with
//                     their direction, when the index can deliver that order
//   partial           the same, with a filter on a skewed or low-cardinality column (or IS NULL, or a
//                     boolean) moved into WHERE: the value the workload asks for, else the rarest value
//   expression        keys such as lower(email), (data ->> 'kind'), created_at::date
//   INCLUDE           the hot statement's other output columns, for an index-only scan
//   GIN               jsonb (@> ? ?| ?& @? @@; jsonb_path_ops when only containment is asked),
//                     arrays (@> <@ &&), full text (@@ on a tsvector or on to_tsvector('config', col))
//   trigram GIN       LIKE / ILIKE / regular expressions with a leading wildcard (pg_trgm)
//   btree pattern     LIKE 'prefix%' (text_pattern_ops)
//   BRIN              range filters on a large, append-only table whose column follows the physical order
//   join              a join column of a table the statement does not filter (inner side of a nested loop)
// Candidates an existing valid index already serves are left out. These are pure functions of the
// statements, the catalog (with pg_stats) and the workload's constants; whether a candidate pays is
// decided later, by plans.
import { exprParams, deparse, quoteLiteral, type ConcatPart, type ExprNode, type KeyExpr, type Predicate, type SortKey } from './query-shape.ts';
import type { CatalogColumn, CatalogIndex, CatalogTable } from './workload-catalog.ts';
import type { ResolvedStatement } from './workload-statements.ts';
import { createIndexSql, quoteIdent, serves, type IndexKeySpec, type IndexMethod, type ParsedIndex } from '../index-spec.ts';
import { indexStatements, quoteName } from '../index-parse.ts';

/** A statement as the candidates need it: its parse, resolved against the catalog, and its call count. */
export type Stmt = ResolvedStatement<{ query: string; calls: number }>;

export const CANDIDATE_LIMITS = {
  /** keys of a btree candidate (INCLUDE columns not counted) */
  maxKeys: 3,
  /** tables below this many rows or pages are read faster than any index helps */
  minTableRows: 1000,
  minTablePages: 8,
  /** a partial index is proposed only for a value matching at most this fraction of the rows */
  partialMaxFraction: 0.2,
  /** columns with at most this many distinct values are low-cardinality: a partial index rather than a key */
  lowCardinality: 10,
  /** INCLUDE: at most this many extra columns, this many bytes of average width in all */
  includeMaxColumns: 3,
  includeMaxWidth: 64,
  /** INCLUDE: only when at least this fraction of the heap is all-visible (index-only scans skip those pages) */
  includeMinAllVisible: 0.5,
  /** INCLUDE: only for statements with at least this many calls */
  includeMinCalls: 100,
  /** BRIN: tables of at least this many pages (1 GB / 8 kB = 131072; 10,000 pages ≈ 80 MB) */
  brinMinPages: 10_000,
  /** BRIN: |pg_stats.correlation| of the column at least this */
  brinMinCorrelation: 0.9,
  /** BRIN: updates + deletes at most this fraction of inserts (append-only) */
  brinMaxChurn: 0.05,
  /** trigram: a pattern needs this many characters besides wildcards for pg_trgm to narrow anything */
  trigramMinChars: 3,
};

export type CandidateKind = 'btree' | 'partial' | 'expression' | 'include' | 'gin-jsonb' | 'gin-array' | 'gin-fulltext' | 'trigram' | 'pattern' | 'brin' | 'join';

/** The filter a partial index keeps in its WHERE. Its SQL (with the value) goes only into the DDL. */
export interface PartialPredicate {
  column: string;
  /** SQL of the predicate: `"status" = 'pending'`, `"archived_at" IS NULL`, `NOT "archived"` */
  sql: string;
  /** where the value comes from: the statement itself (IS NULL, a boolean), the workload's constants, or pg_stats's rarest value */
  source: 'statement' | 'workload' | 'pg_stats';
  /** estimated fraction of the table's rows the index holds (pg_stats), when known */
  fraction: number | null;
  /** the statement parameter the value stands for, when the value came from the workload or pg_stats */
  param: number | null;
  /** the value bound to that parameter when planning (in memory only) */
  value: string | null;
}

export interface Candidate {
  /** identity within one run (holds predicate values: in memory only) */
  id: string;
  table: CatalogTable;
  method: IndexMethod;
  keys: IndexKeySpec[];
  include: string[];
  predicate: PartialPredicate | null;
  /** leading keys whose order does not matter (equality keys) */
  freePrefix: number;
  kinds: CandidateKind[];
  /** an extension the index needs (its operator class lives there) */
  extension: 'pg_trgm' | null;
  /** the statements it was made for */
  statements: Stmt[];
  /** what it takes for granted (shown in the finding) */
  assumptions: string[];
  /** readable key labels, free of constants */
  labels: string[];
}

/** What the workload's constants say about a statement's parameters (in memory only). */
export interface ParamValues {
  /** the samples carry values for this statement */
  sampled: boolean;
  /** the value every sample gives $n (null: SQL NULL); undefined when they differ or there are none */
  constant(n: number): string | null | undefined;
  /** every distinct value $n takes in the samples */
  values(n: number): (string | null)[];
}

export const NO_VALUES: ParamValues = { sampled: false, constant: () => undefined, values: () => [] };

/** Why a statement's table got no candidate (for the alignment table). */
export interface CandidateSkip {
  statement: Stmt;
  table: CatalogTable;
  reason: string;
}

export interface CandidateInput {
  statements: Stmt[];
  values: (st: Stmt) => ParamValues;
  /** per table oid: columns another proposal (a foreign key without index) wants an index to lead with */
  preferLeading?: Map<number, Set<string>>;
  /** the schema pg_trgm is installed in, or null when it is not */
  trgmSchema: string | null;
  /** pg_trgm can be created on this server (in pg_available_extensions): without it a migration could not build a trigram index */
  trgmAvailable: boolean;
}

const INDEXABLE_KINDS = new Set(['r', 'p', 'm']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);
const GIN_OPS = new Set(['contains', 'contained', 'overlap', 'exists', 'match', 'jsonpath']);

export function buildCandidates(input: CandidateInput): { candidates: Candidate[]; skips: CandidateSkip[] } {
  const byId = new Map<string, Candidate>();
  const skips: CandidateSkip[] = [];
  for (const st of input.statements) {
    const values = input.values(st);
    st.stmt.shape.relations.forEach((rel, index) => {
      const table = st.table(index);
      if (!table || !INDEXABLE_KINDS.has(table.kind)) return;
      const made = tableCandidates(st, index, table, values, input);
      if (typeof made === 'string') {
        skips.push({ statement: st, table, reason: made });
        return;
      }
      for (const c of made) {
        if (coveredByExisting(table, c)) {
          skips.push({ statement: st, table, reason: `an existing index already serves ${c.labels.join(', ')}` });
          continue;
        }
        const existing = byId.get(c.id);
        if (existing) {
          if (!existing.statements.includes(st)) existing.statements.push(st);
          for (const a of c.assumptions) if (!existing.assumptions.includes(a)) existing.assumptions.push(a);
        } else {
          byId.set(c.id, c);
        }
      }
    });
  }
  return { candidates: [...byId.values()], skips };
}

interface TableUse {
  eq: Predicate[];
  range: Predicate[];
  nulls: Predicate[];
  bools: Predicate[];
  gin: Predicate[];
  like: Predicate[];
  sort: SortKey[];
  limited: boolean;
}

function tableCandidates(st: Stmt, index: number, table: CatalogTable, values: ParamValues, input: CandidateInput): Candidate[] | string {
  const { shape } = st.stmt;
  const rel = shape.relations[index];
  const mine = (use: KeyExpr['column']) => st.rel(use) === index;
  const use: TableUse = { eq: [], range: [], nulls: [], bools: [], gin: [], like: [], sort: [], limited: false };
  for (const p of shape.predicates) {
    if (p.block !== rel.block || !mine(p.key.column)) continue;
    if (p.op === 'eq') use.eq.push(p);
    else if (p.op === 'range') use.range.push(p);
    else if (p.op === 'null') use.nulls.push(p);
    else if (p.op === 'bool') use.bools.push(p);
    else if (p.op === 'like' || p.op === 'regex') use.like.push(p);
    else if (GIN_OPS.has(p.op)) use.gin.push(p);
  }
  const sort = shape.sorts.find((s) => s.block === rel.block);
  if (sort && sort.keys.every((k) => mine(k.column))) use.sort = sort.keys;
  use.limited = shape.limits.some((l) => l.block === rel.block);

  const filtered = use.eq.length + use.range.length + use.nulls.length + use.bools.length + use.gin.length + use.like.length > 0;
  const joinColumn = filtered || use.sort.length ? null : joinKey(st, index);
  if (!filtered && !use.sort.length && !joinColumn) return 'the statement does not filter or sort it';
  if (table.rows < CANDIDATE_LIMITS.minTableRows || (table.pages ?? Infinity) < CANDIDATE_LIMITS.minTablePages) {
    return `table too small (about ${Math.round(table.rows)} rows): a sequential scan reads it in a few pages`;
  }

  const out: Candidate[] = [];
  const ctx: Ctx = { table, values, st, why: [] };
  if (joinColumn) {
    out.push(make(ctx, 'btree', [columnKey(joinColumn)], [], null, 1, ['join'], []));
    return out;
  }
  btreeCandidates(ctx, use, input.preferLeading?.get(table.oid), out);
  ginCandidates(ctx, use, out);
  const noTrgm = likeCandidates(ctx, use, input, out);
  brinCandidates(ctx, use, out);
  return out.length ? out : (noTrgm ?? (ctx.why.length ? [...new Set(ctx.why)].join('; ') : 'no filter on it that an index can serve'));
}

interface Ctx {
  table: CatalogTable;
  values: ParamValues;
  st: Stmt;
  /** why a filter of the statement gave no candidate (shown when none of its filters gives one) */
  why: string[];
}

// --- btree: composite, partial, expression, INCLUDE ------------------------------------------------

function btreeCandidates(ctx: Ctx, use: TableUse, prefer: Set<string> | undefined, out: Candidate[]): void {
  const { table } = ctx;
  type Key = { key: IndexKeySpec; pred: Predicate | null };
  // Equality keys: each a column or an expression whose parameters have known values.
  const eq: Key[] = [];
  for (const p of [...use.eq, ...use.nulls]) {
    const key = keySpec(ctx, p.key);
    if (key && !eq.some((e) => e.key.sql === key.sql)) eq.push({ key, pred: p });
  }
  const range: Key[] = [];
  for (const p of use.range) {
    const key = keySpec(ctx, p.key);
    if (key && !eq.some((e) => e.key.sql === key.sql) && !range.some((r) => r.key.sql === key.sql)) range.push({ key, pred: p });
  }
  // Single-value equality keys first, the most distinct first (it narrows soonest and serves other
  // queries best); columns a foreign key wants indexed lead among them, so one index serves both.
  const single = (k: Key) => (k.pred && !k.pred.multi ? 1 : 0);
  const rank = (k: IndexKeySpec) => (k.column && prefer?.has(k.column) ? 1 : 0);
  eq.sort((a, b) => single(b) - single(a) || rank(b.key) - rank(a.key) || distinctness(table, b.key) - distinctness(table, a.key) || a.key.sql.localeCompare(b.key.sql));
  // When the keys of an existing index that may be dropped are all among the single-value equality keys,
  // they lead in that index's order: the candidate then extends it instead of standing beside it (unless
  // a foreign key's column leads, which saves an index the same way).
  const singles = new Set(eq.filter((e) => single(e) && e.key.column).map((e) => e.key.column!));
  const extendable = table.indexes
    .filter((ix) => droppable(ix) && ix.method === 'btree' && !ix.partial && !(ix.include ?? []).length && ix.columns.length && ix.columns.every((c) => c !== null && singles.has(c)))
    .sort((a, b) => b.columns.length - a.columns.length || a.name.localeCompare(b.name))[0];
  if (extendable && !eq.some((e) => e.key.column && prefer?.has(e.key.column))) {
    const lead = extendable.columns as string[];
    eq.sort((a, b) => {
      const ia = a.key.column ? lead.indexOf(a.key.column) : -1;
      const ib = b.key.column ? lead.indexOf(b.key.column) : -1;
      return (ia < 0 ? lead.length : ia) - (ib < 0 ? lead.length : ib);
    });
  }
  const sortKeys = sortSpecs(ctx, use.sort);

  const build = (eqKeys: Key[]): Key[] => {
    const keys: Key[] = [...eqKeys];
    const firstRange = range[0] ?? null;
    if (firstRange) keys.push(firstRange);
    if (sortKeys && (!firstRange || sortKeys[0].sql === firstRange.key.sql)) {
      for (const s of sortKeys) {
        const at = keys.findIndex((k) => k.key.sql === s.sql);
        if (at < 0) keys.push({ key: s, pred: null });
        else if (at >= eqKeys.length) keys[at] = { key: { ...keys[at].key, desc: s.desc, nulls: s.nulls }, pred: keys[at].pred };
      }
    }
    return keys.slice(0, CANDIDATE_LIMITS.maxKeys);
  };
  const emit = (keys: Key[], pred: PartialPredicate | null, kinds: CandidateKind[], assumptions: string[]) => {
    let freePrefix = 0;
    while (freePrefix < keys.length && keys[freePrefix].pred && !keys[freePrefix].pred!.multi && (keys[freePrefix].pred!.op === 'eq' || keys[freePrefix].pred!.op === 'null')) freePrefix++;
    const specs = keys.map((k) => k.key);
    const all: CandidateKind[] = specs.some((k) => k.column === null) ? [...kinds, 'expression'] : kinds;
    out.push(make(ctx, 'btree', specs, [], pred, freePrefix, all, assumptions));
    const include = includeColumns(ctx, specs, pred);
    if (include.length) out.push(make(ctx, 'btree', specs, include, pred, freePrefix, [...all, 'include'], assumptions));
  };

  // Plain composite. A low-cardinality column is no useful lone key (the low-cardinality check would
  // call the index out next time); as one of several keys it is fine.
  const plain = build(eq);
  if (plain.length && !(plain.length === 1 && plain[0].key.column !== null && isLowCardinality(table, plain[0].key.column))) emit(plain, null, ['btree'], []);
  // Partial: the filter on a skewed or low-cardinality column moves into WHERE.
  const partial = partialFilter(ctx, use);
  if (partial) {
    let keys = build(eq.filter((e) => e.key.column !== partial.predicate.column));
    if (!keys.length) keys = [{ key: columnKey(partial.predicate.column), pred: null }];
    emit(keys, partial.predicate, ['partial'], partial.assumption ? [partial.assumption] : []);
  }
}

/** Sort keys as index keys, with DESC where the query sorts so; null when one is not indexable. */
function sortSpecs(ctx: Ctx, sort: SortKey[]): IndexKeySpec[] | null {
  if (!sort.length) return null;
  const out: IndexKeySpec[] = [];
  for (const s of sort) {
    const key = keySpec(ctx, { column: s.column, func: null, expr: s.expr });
    if (!key) return null;
    // NULLS LAST is ASC's default and NULLS FIRST is DESC's: only the other one is written
    const nulls = s.nulls === null || (s.nulls === 'last') === !s.desc ? null : s.nulls;
    out.push({ ...key, desc: s.desc, nulls });
  }
  return out;
}

/**
 * The filter a partial index should keep: IS NULL on a mostly non-null column, a boolean, or equality
 * with the one value the workload always asks for (or, lacking constants, pg_stats's rarest value) on a
 * low-cardinality or skewed column — when that value holds few enough rows.
 */
function partialFilter(ctx: Ctx, use: TableUse): { predicate: PartialPredicate; assumption: string | null } | null {
  const { table, values } = ctx;
  const max = CANDIDATE_LIMITS.partialMaxFraction;
  const options: { predicate: PartialPredicate; assumption: string | null }[] = [];
  for (const p of use.nulls) {
    if (p.key.expr) continue;
    const col = column(table, p.key.column.column);
    if (col?.nullFrac != null && col.nullFrac <= max && col.nullFrac > 0) {
      options.push({ predicate: { column: col.name, sql: `${quoteIdent(col.name)} IS NULL`, source: 'statement', fraction: col.nullFrac, param: null, value: null }, assumption: null });
    }
  }
  for (const p of use.bools) {
    if (p.key.expr) continue;
    const col = column(table, p.key.column.column);
    if (!col) continue;
    const fraction = boolFraction(col, !p.negated);
    if (fraction !== null && fraction <= max) {
      options.push({ predicate: { column: col.name, sql: `${p.negated ? 'NOT ' : ''}${quoteIdent(col.name)}`, source: 'statement', fraction, param: null, value: null }, assumption: null });
    }
  }
  for (const p of use.eq) {
    if (p.key.expr || p.multi) continue;
    const col = column(table, p.key.column.column);
    if (!col) continue;
    if (p.literal && p.literal.kind !== 'null') {
      const fraction = valueFraction(col, p.literal.kind === 'bool' ? (p.literal.text === 'true' ? 't' : 'f') : p.literal.text);
      if (fraction !== null && fraction <= max && (isLowCardinality(table, col.name) || isSkewed(col))) {
        const sql = col.category === 'B' ? `${p.literal.text === 'true' ? '' : 'NOT '}${quoteIdent(col.name)}` : `${quoteIdent(col.name)} = ${quoteLiteral(p.literal.text)}`;
        options.push({ predicate: { column: col.name, sql, source: 'statement', fraction, param: null, value: null }, assumption: null });
      }
      continue;
    }
    if (!p.param || p.paramNumber === null) continue;
    if (!isLowCardinality(table, col.name) && !isSkewed(col)) continue;
    const known = values.constant(p.paramNumber);
    if (known !== undefined) {
      if (known === null) continue;
      const fraction = valueFraction(col, known);
      if (fraction === null || fraction > max) continue;
      options.push({ predicate: { column: col.name, sql: predicateSql(col, known), source: 'workload', fraction, param: p.paramNumber, value: known }, assumption: null });
    } else if (!values.sampled || values.values(p.paramNumber).length === 0) {
      const rare = rarestValue(col);
      if (!rare || rare.freq > max) continue;
      options.push({
        predicate: { column: col.name, sql: predicateSql(col, rare.value), source: 'pg_stats', fraction: rare.freq, param: p.paramNumber, value: rare.value },
        assumption: `assumes the application asks for the rarest value of ${col.name} (about ${pct(rare.freq)} of the rows per pg_stats; the value is in the proposed WHERE clause): no constants for this statement were available`,
      });
    }
  }
  options.sort((a, b) => (a.predicate.fraction ?? 1) - (b.predicate.fraction ?? 1) || a.predicate.column.localeCompare(b.predicate.column));
  return options[0] ?? null;
}

function predicateSql(col: CatalogColumn, value: string): string {
  if (col.category === 'B') return value === 't' || value === 'true' ? quoteIdent(col.name) : `NOT ${quoteIdent(col.name)}`;
  return `${quoteIdent(col.name)} = ${quoteLiteral(value)}`;
}

/** INCLUDE columns for an index-only scan of a hot statement: every column it reads from the table that the keys lack. */
function includeColumns(ctx: Ctx, keys: IndexKeySpec[], pred: PartialPredicate | null): string[] {
  const { st, table } = ctx;
  const L = CANDIDATE_LIMITS;
  if (st.stmt.calls < L.includeMinCalls || st.stmt.shape.kind !== 'select') return [];
  const pages = table.pages ?? 0;
  if (!pages || (table.allVisible ?? 0) / pages < L.includeMinAllVisible) return [];
  const used = columnsRead(st, table);
  if (!used) return [];
  const keyCols = new Set(keys.map((k) => k.column).filter((c): c is string => c !== null));
  if (keys.some((k) => k.column === null)) return [];
  const extra = [...used].filter((c) => !keyCols.has(c) && c !== pred?.column).sort();
  if (!extra.length || extra.length > L.includeMaxColumns) return [];
  const width = extra.reduce((a, c) => a + (column(table, c)?.width ?? 32), 0);
  return width <= L.includeMaxWidth ? extra : [];
}

/** Every column of the table the statement reads (outputs, filters, sorts, joins); null when it reads all of them (`*`). */
export function columnsRead(st: Stmt, table: CatalogTable): Set<string> | null {
  const { shape } = st.stmt;
  const out = new Set<string>();
  const rels = shape.relations.map((_, i) => i).filter((i) => st.table(i)?.oid === table.oid);
  if (rels.length !== 1) return null;
  const [rel] = rels;
  for (const o of shape.outputs) {
    if ('star' in o) {
      if (o.star.includes(rel)) return null;
    } else if (st.rel(o.column) === rel) out.add(o.column.column);
  }
  // outputs other than plain columns (expressions) are not tracked: only plain SELECT lists qualify
  if (shape.aggregates) return null;
  for (const p of shape.predicates) if (st.rel(p.key.column) === rel) out.add(p.key.column.column);
  for (const s of shape.sorts) for (const k of s.keys) if (st.rel(k.column) === rel) out.add(k.column.column);
  for (const j of shape.joins) {
    if (st.rel(j.left) === rel) out.add(j.left.column);
    if (st.rel(j.right) === rel) out.add(j.right.column);
  }
  return out;
}

// --- GIN: jsonb, arrays, full text ------------------------------------------------------------------

function ginCandidates(ctx: Ctx, use: TableUse, out: Candidate[]): void {
  const { table } = ctx;
  const byKey = new Map<string, { key: IndexKeySpec; preds: Predicate[]; type: string }>();
  for (const p of use.gin) {
    const key = keySpec(ctx, p.key);
    if (!key) continue;
    const type = keyType(table, p.key);
    if (!type) {
      const e = p.key.expr;
      if (e?.t === 'func' && e.name[e.name.length - 1] === 'to_tsvector' && e.args.length === 1) {
        ctx.why.push(
          `${key.label} has no text search configuration, so it depends on the setting default_text_search_config and no index can serve it: ` +
            `written with the configuration the application means (to_tsvector('english', ${p.key.column.column})), the statement could use an index on that expression`,
        );
      }
      continue;
    }
    const entry = byKey.get(key.sql) ?? { key, preds: [], type };
    entry.preds.push(p);
    byKey.set(key.sql, entry);
  }
  for (const { key, preds, type } of byKey.values()) {
    if (type === 'jsonb') {
      // jsonb_path_ops is smaller and faster, but answers only @>, @? and @@
      const pathOnly = preds.every((p) => p.op === 'contains' || p.op === 'jsonpath' || p.op === 'match');
      if (preds.some((p) => p.op === 'contained' || p.op === 'overlap')) continue;
      out.push(make(ctx, 'gin', [{ ...key, opclass: pathOnly ? 'jsonb_path_ops' : null }], [], null, 1, ['gin-jsonb', ...(key.column ? [] : ['expression' as const])], []));
    } else if (type === 'array') {
      if (preds.some((p) => !['contains', 'contained', 'overlap'].includes(p.op))) continue;
      out.push(make(ctx, 'gin', [key], [], null, 1, ['gin-array'], []));
    } else if (type === 'tsvector') {
      if (preds.some((p) => p.op !== 'match')) continue;
      out.push(make(ctx, 'gin', [key], [], null, 1, ['gin-fulltext', ...(key.column ? [] : ['expression' as const])], []));
    }
  }
}

/** The kind of value a key holds, for the operators GIN serves: jsonb, an array, or a tsvector. */
function keyType(table: CatalogTable, key: KeyExpr): 'jsonb' | 'array' | 'tsvector' | null {
  if (key.expr) {
    const e = key.expr;
    // to_tsvector('config', col): the two-argument form only (the one-argument form depends on a setting, so it cannot be indexed)
    if (e.t === 'func' && e.name[e.name.length - 1] === 'to_tsvector') return e.args.length === 2 ? 'tsvector' : null;
    if (e.t === 'op' && (e.op === '->' || e.op === '#>') && column(table, key.column.column)?.typeName === 'jsonb') return 'jsonb';
    return null;
  }
  const col = column(table, key.column.column);
  if (!col) return null;
  if (col.typeName === 'jsonb') return 'jsonb';
  if (col.typeName === 'tsvector') return 'tsvector';
  if (col.category === 'A') return 'array';
  return null;
}

// --- LIKE / ILIKE / regular expressions: trigram GIN, or a btree for a plain prefix ----------------------

/** Returns why a pattern that needs a trigram index got none (pg_trgm cannot be created here), else null. */
function likeCandidates(ctx: Ctx, use: TableUse, input: Pick<CandidateInput, 'trgmSchema' | 'trgmAvailable'>, out: Candidate[]): string | null {
  const { table, values } = ctx;
  const { trgmSchema } = input;
  let noTrgm: string | null = null;
  for (const p of use.like) {
    const key = keySpec(ctx, p.key);
    if (!key) continue;
    const col = column(table, p.key.column.column);
    if (!col || (!p.key.expr && !TEXT_TYPES.has(col.typeName))) continue;
    const patterns = p.literal ? [p.literal.text] : p.paramNumber !== null ? values.values(p.paramNumber).filter((v): v is string => v !== null) : p.concat ? concatenated(p.concat, values) : [];
    const kinds = patterns.map((x) => (p.op === 'regex' ? regexKind(x) : likeKind(x)));
    const assumptions: string[] = [];
    if (!patterns.length) {
      if (!p.param && !p.concat?.some((x) => 'param' in x)) continue;
      if (p.op === 'like' && !p.caseInsensitive && !p.key.expr && patternOpclass(col) !== null) {
        // an anchored pattern wants a btree, an unanchored one a trigram index: without a value there is no telling which
        const made = p.param ? `$${p.paramNumber}` : p.concat!.map((x) => ('param' in x ? `$${x.param}` : '…')).join(' || ');
        ctx.why.push(
          (values.sampled && !p.param
            ? `the pattern ${col.name} LIKE ${made} is built from parameters that vary together in the workload's values: `
            : `the pattern ${col.name} LIKE ${made} ${p.param ? 'is a parameter' : 'is built from parameters'} the workload gave no value for (pg_stat_statements keeps none, not even the % around it): `) +
            `cannot tell whether it is anchored ('abc%' wants a btree with text_pattern_ops, '%abc%' a trigram index), so none is proposed on a guess; ` +
            `a server log or a .sql file with the statement's values decides`,
        );
        continue;
      }
      assumptions.push(`assumes ${p.op === 'regex' ? 'regular expressions' : 'patterns'} with a leading wildcard of at least ${CANDIDATE_LIMITS.trigramMinChars} characters (as a search box sends): the workload gave no values for this parameter`);
    } else if (kinds.some((k) => k === 'short')) {
      continue;
    }
    if (patterns.length && kinds.every((k) => k === 'prefix') && !p.caseInsensitive && p.op === 'like' && !p.key.expr) {
      const opclass = patternOpclass(col);
      if (opclass) out.push(make(ctx, 'btree', [{ ...key, opclass }], [], null, 0, ['pattern'], []));
      continue;
    }
    if (!trgmSchema && !input.trgmAvailable) {
      noTrgm = `a pattern with a leading wildcard on ${col.name} needs a trigram index, and pg_trgm is not available on this server (pg_available_extensions): install PostgreSQL's contrib modules to get one`;
      continue;
    }
    const opclass = trgmSchema ? `${quoteIdent(trgmSchema)}.gin_trgm_ops` : `${quoteIdent('extensions')}.gin_trgm_ops`;
    const c = make(ctx, 'gin', [{ ...key, opclass }], [], null, 1, ['trigram', ...(key.column ? [] : ['expression' as const])], assumptions);
    c.extension = trgmSchema ? null : 'pg_trgm';
    out.push(c);
  }
  return noTrgm;
}

/**
 * The patterns a `||` chain makes with the workload's values (`$1 || '%'` → 'abc%'): every parameter but one
 * must take a single value; the one that varies gives a pattern per value. Empty when a value is missing.
 */
function concatenated(parts: ConcatPart[], values: ParamValues): string[] {
  const params = [...new Set(parts.flatMap((x) => ('param' in x ? [x.param] : [])))];
  const varying = params.filter((n) => values.constant(n) === undefined);
  if (varying.length > 1 || params.some((n) => values.constant(n) === null)) return [];
  const choices = varying.length ? values.values(varying[0]).filter((v): v is string => v !== null) : [''];
  return choices.map((v) => parts.map((x) => ('text' in x ? x.text : x.param === varying[0] ? v : (values.constant(x.param) as string))).join(''));
}

/** The btree operator class that serves LIKE 'prefix%' on the column whatever its collation; null for other types. */
function patternOpclass(col: CatalogColumn): string | null {
  return col.typeName === 'bpchar' ? 'bpchar_pattern_ops' : col.typeName === 'text' || col.typeName === 'varchar' ? 'text_pattern_ops' : null;
}

type PatternKind = 'prefix' | 'infix' | 'short' | 'exact';

/** What a LIKE pattern needs: a plain prefix (btree), a wildcard inside or in front (trigram), or too few characters for either. */
export function likeKind(pattern: string): PatternKind {
  const literal = pattern.replace(/\\./g, 'x');
  const first = literal.search(/[%_]/);
  if (first < 0) return 'exact';
  const chars = literal.replace(/[%_]/g, '').length;
  if (first > 0 && /^[^%_]+%$/.test(literal)) return 'prefix';
  const longest = Math.max(0, ...literal.split(/[%_]+/).map((s) => s.length));
  return chars >= CANDIDATE_LIMITS.trigramMinChars && longest >= CANDIDATE_LIMITS.trigramMinChars ? 'infix' : 'short';
}

function regexKind(pattern: string): PatternKind {
  const literalRuns = pattern.replace(/\\./g, 'x').split(/[.*+?()[\]{}|^$]+/);
  return Math.max(0, ...literalRuns.map((s) => s.length)) >= CANDIDATE_LIMITS.trigramMinChars ? 'infix' : 'short';
}

// --- BRIN ----------------------------------------------------------------------------------------------

function brinCandidates(ctx: Ctx, use: TableUse, out: Candidate[]): void {
  const { table } = ctx;
  const L = CANDIDATE_LIMITS;
  if ((table.pages ?? 0) < L.brinMinPages || table.kind === 'm') return;
  const act = table.activity;
  if (!act || act.inserts <= 0 || (act.updates + act.deletes) / act.inserts > L.brinMaxChurn) return;
  const seen = new Set<string>();
  for (const p of use.range) {
    if (p.key.expr) continue;
    const col = column(table, p.key.column.column);
    if (!col || seen.has(col.name) || col.correlation == null || Math.abs(col.correlation) < L.brinMinCorrelation) continue;
    seen.add(col.name);
    out.push(make(ctx, 'brin', [columnKey(col.name)], [], null, 0, ['brin'], []));
  }
}

// --- shared helpers ------------------------------------------------------------------------------------

function make(ctx: Ctx, method: IndexMethod, keys: IndexKeySpec[], include: string[], predicate: PartialPredicate | null, freePrefix: number, kinds: CandidateKind[], assumptions: string[]): Candidate {
  const { table, st } = ctx;
  const eqPart = keys.slice(0, freePrefix).map((k) => `${k.sql} ${k.opclass ?? ''}`).sort();
  const rest = keys.slice(freePrefix).map((k) => `${k.sql} ${k.opclass ?? ''} ${k.desc ? 'DESC' : ''} ${k.nulls ?? ''}`);
  const id = [table.oid, method, ...eqPart, '|', ...rest, '|', ...include, '|', predicate?.sql ?? ''].join('\u0001');
  const labels = keys.map((k) => `${k.label}${method === 'btree' && k.desc ? ' DESC' : ''}`);
  return { id, table, method, keys, include, predicate, freePrefix, kinds: [...new Set(kinds)], extension: null, statements: [st], assumptions: [...assumptions], labels };
}

export function columnKey(name: string): IndexKeySpec {
  return { sql: quoteIdent(name), label: name, column: name, opclass: null, desc: false, nulls: null };
}

/** The index key for a predicate's key expression; null when a parameter inside it has no known value. */
function keySpec(ctx: Ctx, key: KeyExpr): IndexKeySpec | null {
  if (!key.expr) return column(ctx.table, key.column.column) ? columnKey(key.column.column) : null;
  if (!column(ctx.table, key.column.column)) return null;
  const sql = deparse(
    key.expr,
    key.column.column,
    quoteIdent,
    (n) => {
      const v = ctx.values.constant(n);
      return v === undefined || v === null ? null : quoteLiteral(v);
    },
    quoteName,
  );
  if (sql === null) {
    const unknown = exprParams(key.expr).filter((n) => (ctx.values.constant(n) ?? null) === null);
    if (unknown.length) ctx.why.push(missingConstant(ctx, key, unknown));
    return null;
  }
  return { sql: `(${sql})`, label: keyLabel(key.expr, key.column.column), column: null, opclass: null, desc: false, nulls: null };
}

/** Why an expression with parameters inside gets no index key: an expression index holds one constant, and the workload gave none (or several). */
function missingConstant(ctx: Ctx, key: KeyExpr, params: number[]): string {
  const label = keyLabel(key.expr!, key.column.column);
  const which = params.map((n) => `$${n}`).join(', ');
  if (ctx.values.sampled && params.some((n) => ctx.values.values(n).length > 1)) {
    return `${label} takes ${which}, whose value varies between calls in the workload: an expression index is built for one value, so none is proposed`;
  }
  return (
    `${label} takes ${which}, and the workload gave no value for it (pg_stat_statements keeps none): an index on the expression needs that constant written in, ` +
    `so none is proposed on a guess; a server log or a .sql file with the statement's values gives it`
  );
}

/** A readable key label that shows no constant: parameters and literals become `…`. */
export function keyLabel(e: ExprNode, col: string): string {
  const hide = (x: ExprNode): ExprNode => {
    switch (x.t) {
      case 'const':
        return { t: 'const', kind: 'number', text: '…' };
      case 'param':
        return { t: 'const', kind: 'number', text: '…' };
      case 'func':
        return { ...x, args: x.args.map(hide) };
      case 'coalesce':
        return { ...x, args: x.args.map(hide) };
      case 'cast':
        return { ...x, arg: hide(x.arg) };
      case 'op':
        return { ...x, left: x.left ? hide(x.left) : null, right: hide(x.right) };
      default:
        return x;
    }
  };
  return deparse(hide(e), col, (s) => s, () => '…') ?? col;
}

export function keyParams(key: KeyExpr): number[] {
  return exprParams(key.expr);
}

function joinKey(st: Stmt, index: number): string | null {
  const { shape } = st.stmt;
  const rel = shape.relations[index];
  for (const j of shape.joins) {
    if (j.block !== rel.block) continue;
    if (st.rel(j.left) === index) return j.left.column;
    if (st.rel(j.right) === index) return j.right.column;
  }
  return null;
}

function column(table: CatalogTable, name: string): CatalogColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

/** Distinct values of a column (pg_stats), absolute. */
function distinctValues(table: CatalogTable, col: CatalogColumn | undefined): number | null {
  const nd = col?.nDistinct;
  if (nd == null) return col?.category === 'B' ? 2 : null;
  return nd < 0 ? -nd * Math.max(table.rows, 1) : nd;
}

function distinctness(table: CatalogTable, key: IndexKeySpec): number {
  return key.column ? (distinctValues(table, column(table, key.column)) ?? 0) : 0;
}

export function isLowCardinality(table: CatalogTable, name: string): boolean {
  const col = column(table, name);
  if (col?.category === 'B') return true;
  const nd = distinctValues(table, col);
  return nd !== null && nd > 0 && nd <= CANDIDATE_LIMITS.lowCardinality;
}

/** Some value is common (half the rows or more) while others are rare: the shape where a partial index pays. */
function isSkewed(col: CatalogColumn): boolean {
  const f = col.mcv?.freqs ?? [];
  return f.length > 0 && Math.max(...f) >= 0.5;
}

/** Fraction of rows holding `value` (its text form), from pg_stats; null when pg_stats cannot say. */
export function valueFraction(col: CatalogColumn, value: string): number | null {
  const mcv = col.mcv;
  if (mcv) {
    const i = mcv.values.indexOf(value);
    if (i >= 0) return mcv.freqs[i] ?? null;
  }
  if (col.nDistinct == null) return null;
  const listed = mcv?.freqs.reduce((a, b) => a + b, 0) ?? 0;
  const others = col.nDistinct > 0 ? col.nDistinct - (mcv?.values.length ?? 0) : null;
  if (others === null || others <= 0) return others === 0 ? 0 : null;
  return Math.max(0, 1 - listed - (col.nullFrac ?? 0)) / others;
}

function boolFraction(col: CatalogColumn, wanted: boolean): number | null {
  if (col.category !== 'B') return null;
  return valueFraction(col, wanted ? 't' : 'f');
}

function rarestValue(col: CatalogColumn): { value: string; freq: number } | null {
  const mcv = col.mcv;
  if (!mcv || !mcv.values.length) return null;
  let best = -1;
  mcv.freqs.forEach((f, i) => {
    if (mcv.values[i] !== null && (best < 0 || f < mcv.freqs[best])) best = i;
  });
  return best < 0 ? null : { value: mcv.values[best]!, freq: mcv.freqs[best] };
}

function pct(x: number): string {
  return x < 0.01 ? `${Math.round(x * 1000) / 10} %` : `${Math.round(x * 100)} %`;
}

/** The parsed form of an existing index or a candidate, for comparing what each serves. */
export function parsedOf(table: CatalogTable, def: string): ParsedIndex | null {
  const parsed = indexStatements(def).creates[0];
  return parsed ? { ...parsed, schema: table.schema, table: table.name } : null;
}

export function candidateDdl(c: Pick<Candidate, 'table' | 'method' | 'keys' | 'include' | 'predicate' | 'freePrefix'>, name = 'candidate'): string {
  return createIndexSql({
    schema: c.table.schema,
    table: c.table.name,
    name,
    method: c.method,
    keys: c.keys,
    include: c.include,
    predicate: c.predicate?.sql ?? null,
    freePrefix: c.freePrefix,
  });
}

/** True when a valid existing index serves the candidate: same method and predicate, leading with its keys. */
export function coveredByExisting(table: CatalogTable, c: Candidate): boolean {
  const mine = parsedOf(table, candidateDdl(c));
  if (!mine) return false;
  return table.indexes.some((ix) => {
    if (!ix.valid) return false;
    const theirs = parsedOf(table, ix.definition);
    return theirs !== null && serves(theirs, mine, c.freePrefix);
  });
}

export function droppable(ix: CatalogIndex): boolean {
  return ix.valid && !ix.unique && !ix.primary && !ix.pinned;
}
