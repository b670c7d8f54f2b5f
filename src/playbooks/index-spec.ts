// Index proposals as data: the spec an analyzer builds an index from, its DDL, the index a finding's CREATE
// INDEX statement describes (read back by index-read.ts without the parser, or by index-parse.ts with it),
// and how two of them compare — the same index twice, or one index serving another's need.

export type IndexMethod = 'btree' | 'gin' | 'gist' | 'brin' | 'hash';

export interface IndexKeySpec {
  /** the key as CREATE INDEX takes it: a quoted column, or a parenthesized expression */
  sql: string;
  /** readable form for titles: the column name or the expression as written */
  label: string;
  /** the column, for a plain column key */
  column: string | null;
  /** operator class, already quoted (`jsonb_path_ops`, `"extensions".gin_trgm_ops`); null for the default */
  opclass: string | null;
  desc: boolean;
  /** NULLS FIRST / LAST when not the default for the direction */
  nulls: 'first' | 'last' | null;
}

export interface IndexSpec {
  schema: string;
  table: string;
  name: string;
  method: IndexMethod;
  keys: IndexKeySpec[];
  /** INCLUDE columns (unquoted names) */
  include: string[];
  /** the partial index's predicate as SQL, or null */
  predicate: string | null;
  /** leading keys whose order does not matter to the statements the index is for (equality keys) */
  freePrefix: number;
}

/** Always-quoted identifier: valid for any name (capitals, spaces, quotes, reserved words, unicode). */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('an identifier cannot contain a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

export function keyDdl(k: IndexKeySpec, method: IndexMethod): string {
  const parts = [k.sql];
  if (k.opclass) parts.push(k.opclass);
  if (method === 'btree') {
    if (k.desc) parts.push('DESC');
    if (k.nulls) parts.push(k.nulls === 'first' ? 'NULLS FIRST' : 'NULLS LAST');
  }
  return parts.join(' ');
}

/** The index's definition after `ON`: `"s"."t" USING btree ("a", "b" DESC) INCLUDE ("c") WHERE …`. */
export function indexBody(spec: Omit<IndexSpec, 'name' | 'freePrefix'>): string {
  const include = spec.include.length ? ` INCLUDE (${spec.include.map(quoteIdent).join(', ')})` : '';
  const where = spec.predicate ? ` WHERE ${spec.predicate}` : '';
  return `${qualified(spec.schema, spec.table)} USING ${spec.method} (${spec.keys.map((k) => keyDdl(k, spec.method)).join(', ')})${include}${where}`;
}

export function createIndexSql(spec: IndexSpec, opts: { concurrently?: boolean } = {}): string {
  const how = opts.concurrently === false ? 'INDEX IF NOT EXISTS' : 'INDEX CONCURRENTLY IF NOT EXISTS';
  return `CREATE ${how} ${quoteIdent(spec.name)} ON ${indexBody(spec)}`;
}

export function dropIndexSql(schema: string, name: string, opts: { concurrently?: boolean } = {}): string {
  return `DROP INDEX ${opts.concurrently === false ? '' : 'CONCURRENTLY '}IF EXISTS ${qualified(schema, name)}`;
}

export function specLabel(spec: Pick<IndexSpec, 'keys' | 'method' | 'include' | 'predicate'>): string {
  const keys = spec.keys.map((k) => `${k.label}${spec.method === 'btree' && k.desc ? ' DESC' : ''}`).join(', ');
  const method = spec.method === 'btree' ? '' : `${spec.method} `;
  const include = spec.include.length ? ` INCLUDE (${spec.include.join(', ')})` : '';
  const where = spec.predicate ? ` WHERE ${spec.predicate}` : '';
  return `${method}(${keys})${include}${where}`;
}

// --- indexes read back from SQL --------------------------------------------------------------------

export interface ParsedKey {
  /** a plain column key */
  column: string | null;
  /** identity of the key (column name, or the expression's parse tree without positions) */
  identity: string;
  opclass: string | null;
  desc: boolean;
  nulls: 'first' | 'last' | null;
}

export interface ParsedIndex {
  schema: string | null;
  table: string;
  name: string | null;
  method: string;
  unique: boolean;
  keys: ParsedKey[];
  include: string[];
  /** identity of the predicate (its parse tree without positions), or null */
  predicate: string | null;
}

export interface IndexStatements {
  creates: ParsedIndex[];
  /** indexes dropped: [schema or null, name] */
  drops: [string | null, string][];
}

/** Same table (schema compared when both name one). */
export function sameTable(a: Pick<ParsedIndex, 'schema' | 'table'>, b: Pick<ParsedIndex, 'schema' | 'table'>): boolean {
  return a.table === b.table && (a.schema === null || b.schema === null || a.schema === b.schema);
}

/**
 * Does index `b` serve whatever index `a` was proposed for? Both btree (or the same method with the same
 * keys), same predicate, and `b` starts with `a`'s keys: the first `aFree` of them in any order (a
 * foreign key or a policy column only needs them to lead), the rest in order with the same directions (or
 * all reversed: a btree is read backwards as well).
 * `b`'s INCLUDE columns must hold `a`'s.
 */
export function serves(b: ParsedIndex, a: ParsedIndex, aFree: number): boolean {
  if (!sameTable(a, b) || a.unique || a.method !== b.method || a.predicate !== b.predicate) return false;
  if (b.keys.length < a.keys.length) return false;
  if (a.method !== 'btree' && b.keys.length !== a.keys.length) return false;
  const free = Math.min(aFree, a.keys.length);
  const lead = new Set(b.keys.slice(0, free).map(keyId));
  if (lead.size !== free || a.keys.slice(0, free).some((k) => !lead.has(keyId(k)))) return false;
  // the ordered part: the same directions, or all of them reversed (a btree scans both ways)
  let same = true;
  let reversed = true;
  for (let i = free; i < a.keys.length; i++) {
    const x = a.keys[i];
    const y = b.keys[i];
    if (keyId(x) !== keyId(y)) return false;
    same &&= x.desc === y.desc && x.nulls === y.nulls;
    reversed &&= x.desc !== y.desc && x.nulls === null && y.nulls === null;
  }
  if (!same && !(reversed && a.method === 'btree')) return false;
  return a.include.every((c) => b.include.includes(c) || b.keys.some((k) => k.column === c));
}

function keyId(k: ParsedKey): string {
  return `${k.identity}\u0000${k.opclass ?? ''}`;
}
