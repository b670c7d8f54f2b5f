// SQL broken into screen rows only between tokens, never inside a string literal, quoted identifier or
// dollar-quoted body, so what is on screen is what runs. Token boundaries come from the PostgreSQL scanner
// (libpg-query's scanSync). Its WebAssembly takes a moment to load: until it has, a stand-in splits at
// whitespace outside quotes. What is wrapped is the SQL as displaySql shows it: a name holding a control
// character appears in Postgres's escape syntax (U&"…", E'…'), pasteable as it is; copies (y/Y) take the
// exact bytes instead.
import { displayWidth } from './text.ts';

type Scan = (sql: string) => { start: number; end: number }[];

let scan: Scan | null = null;
let display: ((sql: string) => string) | null = null;
let loading: Promise<void> | null = null;

/** Loads the scanner once; resolves when it is ready (or failed: the stand-in stays). */
export function loadSqlScanner(): Promise<void> {
  loading ??= Promise.all([
    import('libpg-query').then(async (m) => {
      await m.loadModule();
      scan = (sql) => m.scanSync(sql).tokens;
    }),
    import('../migration/display-sql.ts').then((m) => {
      display = m.displaySql;
    }),
  ])
    .then(() => undefined)
    .catch(() => undefined);
  return loading;
}

/**
 * SQL as it is shown: through displaySql once the scanner has loaded; until then as it is (each row is
 * made printable by the caller, so nothing unsafe reaches the terminal either way).
 */
export function shownSql(sql: string): string {
  return display ? display(sql) : sql;
}

export function sqlScannerReady(): boolean {
  return scan !== null;
}

/** Token spans in string (UTF-16) offsets. */
function tokenSpans(text: string): [number, number][] {
  if (scan) {
    try {
      const bytes = Buffer.from(text, 'utf8');
      // byte offset → string offset
      const at = new Int32Array(bytes.length + 1);
      let b = 0;
      for (let i = 0; i < text.length; i++) {
        const cp = text.codePointAt(i)!;
        const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        for (let k = 0; k < n; k++) at[b + k] = i;
        b += n;
        if (cp > 0xffff) i++;
      }
      at[bytes.length] = text.length;
      return scan(text).map((t) => [at[t.start], at[t.end]]);
    } catch {
      // not SQL the scanner accepts (an unterminated quote): the stand-in below
    }
  }
  const out: [number, number][] = [];
  const re = /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\$([A-Za-z_]\w*)?\$[\s\S]*?(?:\$\1\$|$)|--[^\n]*|[^\s'"$]+|\S/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/**
 * Rows of at most `width` columns. Line breaks of the text are kept with their indentation; a row too
 * long breaks before the token that does not fit, the continuation indented two more spaces. A single
 * token wider than a whole row (a long literal) is the only thing ever cut, and only at the row's end.
 * Characters are not made printable here: the caller does that per row.
 */
export function wrapSql(text: string, width: number): string[] {
  const src = text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ');
  const spans = tokenSpans(src);
  const rows: string[] = [];
  let row = '';
  let rowIndent = '';
  let lineIndent = '';
  const push = () => {
    rows.push(row.replace(/\s+$/, ''));
    row = '';
  };
  const startLine = (indent: string) => {
    lineIndent = indent;
    rowIndent = indent;
    row = indent;
  };
  // the text between tokens: spaces (kept as one) and line breaks (kept, with the next line's indent)
  const gap = (g: string) => {
    const lines = g.split('\n');
    if (lines.length === 1) {
      if (g.length && row.trim().length) row += ' ';
      return;
    }
    push();
    for (let i = 1; i < lines.length - 1; i++) rows.push('');
    startLine(/^ */.exec(lines[lines.length - 1])![0]);
  };
  const room = Math.max(8, width);
  const token = (t: string) => {
    // a token spanning lines (a multi-line literal or function body) keeps its own lines
    const parts = t.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) {
        push();
        row = '';
        rowIndent = '';
      }
      const w = displayWidth(part);
      if (row.trim().length && displayWidth(row) + w > room) {
        push();
        // a continuation is indented two more, unless that is what would cut the token
        rowIndent = displayWidth(lineIndent) + 2 + w <= room ? lineIndent + '  ' : w <= room - displayWidth(lineIndent) ? lineIndent : '';
        row = rowIndent;
      }
      let rest = part;
      while (displayWidth(row) + displayWidth(rest) > room && displayWidth(rest) > room - displayWidth(rowIndent)) {
        let head = '';
        for (const ch of rest) {
          if (displayWidth(row + head + ch) > room) break;
          head += ch;
        }
        if (!head) break;
        row += head;
        rest = rest.slice(head.length);
        push();
        row = rowIndent;
      }
      row += rest;
    });
  };
  startLine(/^ */.exec(src)![0]);
  let at = lineIndent.length;
  for (const [s, e] of spans) {
    if (s < at) continue;
    gap(src.slice(at, s));
    token(src.slice(s, e));
    at = e;
  }
  gap(src.slice(at).replace(/\s+$/, ''));
  if (row.trim().length || !rows.length) push();
  return rows;
}
