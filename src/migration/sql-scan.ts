// The Postgres scanner (libpg-query) over any SQL PostgreSQL accepts, control characters included.
// libpg-query's scanner hands its tokens back as JSON written by C code that leaves most control characters
// unescaped (all of C0 but tab, line feed and carriage return), so a quoted name such as "a<ESC>b" makes
// its JSON unreadable. The scanner is given a copy in which each such character is a space — one byte for
// one byte, so every offset still points into the original — and each token's text is cut from the
// original bytes. A space is neutral wherever those characters can stand: inside quoted identifiers,
// strings, dollar quotes and comments it is one more character of the same token, and between tokens
// (form feed and vertical tab are whitespace to Postgres) it is whitespace too.
import { loadModule, scanSync, type ScanToken } from 'libpg-query';

await loadModule();

export type { ScanToken };

// NUL cannot cross into C at all (it would end the string); the others break the scanner's JSON.
const SCANNER_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

function scannable(sql: string): string {
  return sql.replace(new RegExp(SCANNER_UNSAFE, 'g'), ' ');
}

function withOriginalText(sql: string, tokens: ScanToken[]): ScanToken[] {
  if (!SCANNER_UNSAFE.test(sql)) return tokens;
  // start/end are byte offsets into the UTF-8 text
  const bytes = Buffer.from(sql, 'utf8');
  return tokens.map((t) => ({ ...t, text: bytes.subarray(t.start, t.end).toString('utf8') }));
}

/** The tokens of `sql`, comments included; start and end are UTF-8 byte offsets. */
export function scanTokens(sql: string): ScanToken[] {
  return withOriginalText(sql, scanSync(scannable(sql)).tokens);
}
