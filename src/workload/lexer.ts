// A small SQL lexer for the workload files: enough of PostgreSQL's lexical rules to split statements, to
// find the constants of a statement (string, bit-string and numeric literals) without the WebAssembly
// parser, and to tell two statements apart only by their constants (the shape key). libpg-query remains
// the authority on what a statement is; this only has to agree with it on where tokens start and end.

export type TokenType = 'string' | 'number' | 'param' | 'ident' | 'quoted' | 'op' | 'semicolon' | 'comment' | 'space';

export interface Token {
  type: TokenType;
  start: number;
  end: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
const isIdentChar = (c: number) => isIdentStart(c) || isDigit(c) || c === 36;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** Every token of `sql`, whitespace and comments included; an unterminated string or comment runs to the end. */
export function lex(sql: string): Token[] {
  const out: Token[] = [];
  scan(sql, (type, start, end) => out.push({ type, start, end }));
  return out;
}

/** The tokens of `sql` handed to `fn` one by one, as lex gives them (no array built: large logs lex every entry). */
export function scan(sql: string, fn: (type: TokenType, start: number, end: number) => void): void {
  for (let i = 0; i < sql.length; ) {
    const end = tokenEnd(sql, i);
    fn(tokenType, i, end);
    i = end;
  }
}

/** The type of the token tokenEnd last read. */
export let tokenType: TokenType = 'space';

/**
 * Where the token that starts at `i` ends; its type is then in tokenType. The loop of the callers that run on
 * every entry of a large log (`for (let i = 0; i < n; i = end) { end = tokenEnd(sql, i); … }`), without a callback.
 */
export function tokenEnd(sql: string, i: number): number {
  const n = sql.length;
  const start = i;
  const c = sql.charCodeAt(i);
  if (isSpace(c)) {
    while (i < n && isSpace(sql.charCodeAt(i))) i++;
    tokenType = 'space';
  } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
    // -- comment, to the end of the line (a carriage return ends it too, as for the server)
    while (i < n && sql.charCodeAt(i) !== 10 && sql.charCodeAt(i) !== 13) i++;
    tokenType = 'comment';
  } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
    // /* comment */, nested
    let depth = 0;
    while (i < n) {
      if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
        depth++;
        i += 2;
      } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
        depth--;
        i += 2;
        if (!depth) break;
      } else i++;
    }
    tokenType = 'comment';
  } else if (c === 39) {
    i = quoted(sql, i, 39, false);
    tokenType = 'string';
  } else if (c === 34) {
    i = quoted(sql, i, 34, false);
    tokenType = 'quoted';
  } else if (c === 36 && isDigit(sql.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
    tokenType = 'param';
  } else if (c === 36) {
    const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
    if (tag) {
      const close = sql.indexOf(tag[0], i + tag[0].length);
      i = close < 0 ? n : close + tag[0].length;
      tokenType = 'string';
    } else {
      i++;
      tokenType = 'op';
    }
  } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
    i = number(sql, i);
    tokenType = 'number';
  } else if (isIdentStart(c)) {
    while (i < n && isIdentChar(sql.charCodeAt(i))) i++;
    const len = i - start;
    const next = sql.charCodeAt(i);
    // E'…', B'…', X'…', N'…' and U&'…' are strings with a prefix
    if (len === 1 && next === 39 && PREFIXES.includes(sql[start])) {
      i = quoted(sql, i, 39, c === 101 || c === 69);
      tokenType = 'string';
    } else if (len === 1 && (c === 117 || c === 85) && next === 38 && sql.charCodeAt(i + 1) === 39) {
      i = quoted(sql, i + 1, 39, false);
      tokenType = 'string';
    } else if (len === 1 && (c === 117 || c === 85) && next === 38 && sql.charCodeAt(i + 1) === 34) {
      i = quoted(sql, i + 1, 34, false);
      tokenType = 'quoted';
    } else tokenType = 'ident';
  } else if (c === 59) {
    i++;
    tokenType = 'semicolon';
  } else {
    i++;
    // :: and multi-character operators stay one token
    if (c === 58 && sql.charCodeAt(i) === 58) i++;
    else while (i < n && '+-*/<>=~!@#%^&|`?'.includes(sql[i]) && !(sql[i] === '-' && sql[i + 1] === '-') && !(sql[i] === '/' && sql[i + 1] === '*')) i++;
    tokenType = 'op';
  }
  return i;
}

const PREFIXES = 'ebxnEBXN';

function quoted(sql: string, i: number, q: number, backslash: boolean): number {
  const n = sql.length;
  i++;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 92) i += 2;
    else if (c === q) {
      if (sql.charCodeAt(i + 1) === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return n;
}

function number(sql: string, i: number): number {
  // plain digits (most constants): the pattern below would match just them
  let j = i;
  while (isDigit(sql.charCodeAt(j))) j++;
  const next = sql.charCodeAt(j);
  const radix = j === i + 1 && sql.charCodeAt(i) === 48 && 'xXoObB'.includes(sql[j] ?? '-');
  if (j > i && !radix && next !== 46 && next !== 95 && next !== 101 && next !== 69) return j;
  const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i, i + 400));
  return i + (m ? m[0].length : 1);
}

/** The value a string or numeric literal token stands for, as the server reads it in text form; undefined when unsure. */
export function literalValue(sql: string, t: Token): string | undefined {
  const text = sql.slice(t.start, t.end);
  if (t.type === 'number') return text;
  if (t.type !== 'string') return undefined;
  if (text.startsWith('$')) {
    const tag = text.slice(0, text.indexOf('$', 1) + 1);
    return text.endsWith(tag) && text.length >= 2 * tag.length ? text.slice(tag.length, text.length - tag.length) : undefined;
  }
  const prefix = text[0] === "'" ? '' : text.slice(0, text.indexOf("'")).toLowerCase();
  if (!text.endsWith("'") || text.length - prefix.length < 2) return undefined;
  const body = text.slice(prefix.length + 1, -1);
  switch (prefix) {
    case '':
    case 'n':
      return body.replace(/''/g, "'");
    case 'b':
      return body;
    case 'x':
      return `x${body}`;
    case 'e':
      return unescapeE(body);
    case 'u&': {
      // the default escape only; a UESCAPE clause after the literal is not read here
      const s = body.replace(/''/g, "'");
      return s.replace(/\\(\\|[0-9a-fA-F]{4}|\+[0-9a-fA-F]{6})/g, (_, h: string) => (h === '\\' ? '\\' : String.fromCodePoint(parseInt(h.replace('+', ''), 16))));
    }
    default:
      return undefined;
  }
}

function unescapeE(body: string): string {
  return body.replace(/''|\\(?:x[0-9a-fA-F]{1,2}|[0-7]{1,3}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/gs, (m) => {
    if (m === "''") return "'";
    const e = m.slice(1);
    switch (e[0]) {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'u':
      case 'U':
        return String.fromCodePoint(parseInt(e.slice(1), 16));
      default:
        return /^[0-7]+$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

/** The statements of a text that may hold several, split at top-level semicolons; each with its start offset. */
export function splitStatements(sql: string, tokens = lex(sql)): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let from = 0;
  let code = false;
  // BEGIN ATOMIC … END bodies (SQL-standard function bodies) hold semicolons of their own
  let atomic = 0;
  let prev = '';
  for (const t of tokens) {
    if (t.type === 'ident') {
      const w = sql.slice(t.start, t.end).toLowerCase();
      if (w === 'atomic' && prev === 'begin') atomic++;
      else if (w === 'end' && atomic) atomic--;
      prev = w;
    }
    if (t.type === 'semicolon' && !atomic) {
      if (code) out.push({ text: sql.slice(from, t.start), start: from });
      from = t.end;
      code = false;
    } else if (t.type !== 'space' && t.type !== 'comment') code = true;
  }
  if (code) out.push({ text: sql.slice(from), start: from });
  return out;
}
