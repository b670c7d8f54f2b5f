// CREATE INDEX statements read without the parser's WebAssembly, with the project's own lexer: the plain form
// the checks write (`CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] schema.table
// [USING method] (column [opclass] [ASC|DESC] [NULLS FIRST|LAST], …) [INCLUDE (…)]`). A statement with
// anything else — an expression key, a predicate, COLLATE, storage parameters, a keyword used as a name, a name
// the server would truncate — is read only up to its table, and the caller asks the parser (index-parse.ts)
// for the rest. Where this reader gives an index, it is the one the parser gives (test/engine/index-read.test.ts).
// It reads the CREATE INDEX statements only: a syntax error elsewhere in the text is not seen here.
import { lex, splitStatements, type Token } from '../workload/lexer.ts';
import type { ParsedIndex, ParsedKey } from './index-spec.ts';

/** What precedes an index's keys. */
export interface IndexHead {
  schema: string | null;
  table: string;
  name: string | null;
  unique: boolean;
}

/** One CREATE INDEX statement of a text. */
export interface CreateIndexReading {
  /** the whole index; null when the statement holds something this reader leaves to the parser */
  index: ParsedIndex | null;
  /** the statement read up to its table; null when not even that could be read */
  head: IndexHead | null;
}

/**
 * PostgreSQL's keywords that cannot stand unquoted as a column, table or index name in every place one goes
 * (reserved, type or function name, and column name keywords; the unreserved ones are plain names there).
 * An unquoted one of these sends the statement to the parser.
 */
export const NOT_PLAIN_NAMES: ReadonlySet<string> = new Set(
  (
    // reserved
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral ' +
    'leading limit localtime localtimestamp not null offset on only or order placing primary references returning ' +
    'select session_user some symmetric system_user table then to trailing true union unique user using variadic when ' +
    'where window with ' +
    // type or function names
    'authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like ' +
    'natural notnull outer overlaps right similar tablesample verbose ' +
    // column names
    'between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int ' +
    'integer interval json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar ' +
    'json_serialize json_table json_value least merge_action national nchar none normalize nullif numeric out overlay ' +
    'position precision real row setof smallint substring time timestamp treat trim values varchar xmlattributes ' +
    'xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

/** Longest name the server keeps (NAMEDATALEN - 1 bytes); a longer one is truncated, which the parser does. */
const MAX_NAME_BYTES = 63;

/** The CREATE INDEX statements of `sql`, in order (other statements are passed over). */
export function readCreateIndexes(sql: string): CreateIndexReading[] {
  const out: CreateIndexReading[] = [];
  for (const tokens of quickStatements(sql) ?? lexedStatements(sql)) {
    const c = new Cursor(sql, tokens);
    if (!c.word('create')) continue;
    const unique = c.word('unique');
    if (!c.word('index')) continue;
    out.push(readCreate(c, unique));
  }
  return out;
}

/** Each statement's tokens, spaces, comments and semicolons left out (offsets into the whole text). */
function lexedStatements(sql: string): Token[][] {
  const all = lex(sql);
  const out: Token[][] = [];
  let next = 0;
  for (const stmt of splitStatements(sql, all)) {
    const end = stmt.start + stmt.text.length;
    const tokens: Token[] = [];
    for (; next < all.length && all[next].start < end; next++) {
      const t = all[next];
      if (t.start >= stmt.start && t.type !== 'space' && t.type !== 'comment' && t.type !== 'semicolon') tokens.push(t);
    }
    out.push(tokens);
  }
  return out;
}

/**
 * The same, for a text of names, punctuation, spaces and comments only (the checks' DDL), found by one
 * regular expression a token: the lexer is a loop in JavaScript that a one-off run interprets, several times
 * slower for the few hundred statements of a large catalog. Null for anything else (strings, numbers,
 * operators, dollar quotes, nested comments, BEGIN ATOMIC bodies), which the lexer reads.
 */
function quickStatements(sql: string): Token[][] | null {
  const out: Token[][] = [[]];
  QUICK_TOKEN.lastIndex = 0;
  while (QUICK_TOKEN.lastIndex < sql.length) {
    const start = QUICK_TOKEN.lastIndex;
    const m = QUICK_TOKEN.exec(sql);
    if (!m) return null;
    const [, word, quoted, punct] = m;
    const end = QUICK_TOKEN.lastIndex;
    if (word !== undefined) {
      // a prefixed string (E'…', U&'…') or a function body with statements of its own: the lexer's
      if (sql[end] === "'" || sql[end] === '&' || word.toLowerCase() === 'atomic') return null;
      out[out.length - 1].push({ type: 'ident', start, end });
    } else if (quoted !== undefined) out[out.length - 1].push({ type: 'quoted', start, end });
    else if (punct === ';') out.push([]);
    else if (punct !== undefined) out[out.length - 1].push({ type: 'op', start, end });
  }
  return out.filter((s) => s.length);
}

const QUICK_TOKEN = /[ \t\n\r\f\v]+|--[^\n\r]*|\/\*(?:[^*/]|\*(?!\/)|\/(?!\*))*\*\/|([A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)|("(?:[^"]|"")*")|([(),.;])/y;

function readCreate(c: Cursor, unique: boolean): CreateIndexReading {
  const head = readHead(c, unique);
  if (!head) return { index: null, head: null };
  const method = c.word('using') ? c.name() : 'btree';
  if (method === null || !c.op('(')) return { index: null, head };
  const keys: ParsedKey[] = [];
  do {
    const key = readKey(c);
    if (!key) return { index: null, head };
    keys.push(key);
  } while (c.op(','));
  if (!c.op(')')) return { index: null, head };
  const include: string[] = [];
  if (c.word('include')) {
    if (!c.op('(')) return { index: null, head };
    do {
      const column = c.name();
      if (column === null) return { index: null, head };
      include.push(column);
    } while (c.op(','));
    if (!c.op(')')) return { index: null, head };
  }
  if (!c.atEnd()) return { index: null, head };
  return { index: { ...head, method, keys, include, predicate: null }, head };
}

/** `[CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] [schema.]table`, after CREATE [UNIQUE] INDEX. */
function readHead(c: Cursor, unique: boolean): IndexHead | null {
  c.word('concurrently');
  let name: string | null = null;
  if (c.peekWord() === 'if' && c.peekWord(1) === 'not') {
    c.word('if');
    c.word('not');
    if (!c.word('exists')) return null;
    name = c.name();
    if (name === null) return null;
  } else if (c.peekWord() !== 'on') {
    name = c.name();
    if (name === null) return null;
  }
  if (!c.word('on')) return null;
  c.word('only');
  const first = c.name();
  if (first === null) return null;
  if (!c.op('.')) return c.peekOp('.') ? null : { schema: null, table: first, name, unique };
  const table = c.name();
  if (table === null || c.peekOp('.')) return null;
  return { schema: first, table, name, unique };
}

/** `column [opclass] [ASC | DESC] [NULLS FIRST | LAST]`; null for anything else (an expression, COLLATE, opclass options). */
function readKey(c: Cursor): ParsedKey | null {
  const column = c.name();
  if (column === null || c.peekOp('(') || c.peekOp('.')) return null;
  let opclass: string | null = null;
  // ASC, DESC and COLLATE are reserved (never a name), as is NULLS before FIRST or LAST
  if (c.peekName()) {
    const parts = [c.name()];
    while (c.op('.')) parts.push(c.name());
    if (parts.some((p) => p === null) || c.peekOp('(')) return null;
    opclass = parts.join('.');
  }
  let desc = false;
  if (c.word('desc')) desc = true;
  else c.word('asc');
  let nulls: ParsedKey['nulls'] = null;
  if (c.word('nulls')) {
    if (c.word('first')) nulls = 'first';
    else if (c.word('last')) nulls = 'last';
    else return null;
  }
  if (!c.peekOp(',') && !c.peekOp(')')) return null;
  return { column, identity: `col:${column}`, opclass, desc, nulls };
}

class Cursor {
  private i = 0;
  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  private text(t: Token): string {
    return this.sql.slice(t.start, t.end);
  }

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  /** the unquoted word `ahead` tokens on, lowercased; null for anything else */
  peekWord(ahead = 0): string | null {
    const t = this.tokens[this.i + ahead];
    return t?.type === 'ident' ? this.text(t).toLowerCase() : null;
  }

  /** takes the unquoted keyword `w` when it comes next */
  word(w: string): boolean {
    if (this.peekWord() !== w) return false;
    this.i++;
    return true;
  }

  peekOp(op: string): boolean {
    const t = this.tokens[this.i];
    return t?.type === 'op' && this.text(t) === op;
  }

  op(op: string): boolean {
    if (!this.peekOp(op)) return false;
    this.i++;
    return true;
  }

  /** whether a name this reader can read comes next */
  peekName(): boolean {
    const t = this.tokens[this.i];
    if (t === undefined) return false;
    // the server's lexer makes NULLS before FIRST or LAST the ordering's keyword, never a name
    if (this.peekWord() === 'nulls' && (this.peekWord(1) === 'first' || this.peekWord(1) === 'last')) return false;
    return nameOf(this.text(t), t.type) !== null;
  }

  /** takes a name: a quoted identifier, or a plain word folded to lower case; null (nothing taken) when it is neither */
  name(): string | null {
    if (!this.peekName()) return null;
    const t = this.tokens[this.i++];
    return nameOf(this.text(t), t.type);
  }
}

function nameOf(text: string, type: Token['type']): string | null {
  let name: string;
  if (type === 'quoted') {
    // "…" with "" for a quote; U&"…" (escapes) is left to the parser
    if (text.length < 3 || text[0] !== '"' || text[text.length - 1] !== '"') return null;
    name = text.slice(1, -1).replace(/""/g, '"');
    if (name.includes('\u0000')) return null;
  } else if (type === 'ident') {
    // ASCII only: how the server folds other letters depends on the encoding
    if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(text)) return null;
    name = text.toLowerCase();
    if (NOT_PLAIN_NAMES.has(name)) return null;
  } else return null;
  return Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES ? name : null;
}
