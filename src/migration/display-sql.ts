// SQL shown to a person (the report, and any view where SQL may be copied from): exact and safe at once.
// A quoted name or a string holding a character the untrusted-text rule escapes is rewritten in Postgres's
// own escape syntax — U&"…" for identifiers, E'…' for strings — so the text on screen is harmless and,
// pasted into psql, still means the same object. Migration files never come through here: they keep the
// server's quoting byte for byte.
import { hasUnsafeText, replaceUnsafe, terminalBlock, terminalText } from '../util/untrusted-text.ts';
import { scanTokens } from './sql-scan.ts';

const hex = (cp: number, digits: number) => cp.toString(16).padStart(digits, '0');

/** `\XXXX` or `\+XXXXXX`: a character in a U&"…" identifier. */
function unicodeEscape(c: string): string {
  const cp = c.codePointAt(0)!;
  return cp > 0xffff ? `\\+${hex(cp, 6)}` : `\\${hex(cp, 4)}`;
}

/** `\x1b`, `\u202e`, `\U000e0041`: a character in an E'…' string (\x only below 0x80, where it is the character). */
function stringEscape(c: string): string {
  const cp = c.codePointAt(0)!;
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  if (cp < 0x80) return `\\x${hex(cp, 2)}`;
  return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
}

/**
 * An identifier token → U&"…" naming the same identifier: a quoted one keeps its doubled quotes; an
 * unquoted one (Postgres takes any byte above 0x7f as a letter) is folded as Postgres folds it, ASCII only.
 */
function unicodeIdentifier(token: string): string {
  const name = token.startsWith('"') ? token.slice(1, -1) : token.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return `U&"${replaceUnsafe(name.replace(/\\/g, '\\\\'), unicodeEscape)}"`;
}

/** The characters of a literal string body, backslashes and unsafe characters escaped for E'…'. */
function escapedString(literal: string): string {
  return `E'${replaceUnsafe(literal.replace(/\\/g, '\\\\').replace(/'/g, "''"), stringEscape)}'`;
}

/** E'…' whose body already uses backslash escapes: only the raw unsafe characters change. */
function reescapedEString(token: string): string {
  const body = token.slice(2, -1);
  let out = '';
  const chars = [...body];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\' && i + 1 < chars.length) {
      const next = chars[++i];
      // a backslash before a character stands for that character: an unsafe one gets its own escape
      out += hasUnsafeText(next) ? stringEscape(next) : c + next;
    } else out += hasUnsafeText(c) ? stringEscape(c) : c;
  }
  return `E'${out}'`;
}

function rewriteToken(text: string, tokenName: string): string {
  if (tokenName === 'IDENT') return unicodeIdentifier(text);
  if (tokenName === 'SCONST') {
    if (text.startsWith("'")) return escapedString(text.slice(1, -1).replace(/''/g, "'"));
    if (/^[eE]'/.test(text)) return reescapedEString(text);
    const dollar = /^(\$[^$]*\$)([\s\S]*)\1$/.exec(text);
    if (dollar) return escapedString(dollar[2]);
  }
  if (tokenName === 'SQL_COMMENT') return terminalText(text);
  return terminalBlock(text);
}

/** Text between tokens is whitespace: odd whitespace (form feed, vertical tab, a lone CR) becomes a space. */
function gap(text: string): string {
  return terminalBlock(text.replace(/\r\n/g, '\n').replace(/[\r\f\v]/g, ' '));
}

/**
 * `sql` with every unsafe character either rewritten in Postgres's escape syntax (quoted identifiers,
 * strings, dollar-quoted strings: the SQL means exactly the same) or, where no escape syntax exists
 * (comments, SQL the scanner cannot read), shown escaped as terminalBlock does. Lines are kept.
 */
export function displaySql(sql: string): string {
  if (!hasUnsafeText(sql)) return sql;
  let tokens;
  try {
    tokens = scanTokens(sql);
  } catch {
    return terminalBlock(sql);
  }
  const bytes = Buffer.from(sql, 'utf8');
  let out = '';
  let at = 0;
  for (const t of tokens) {
    out += gap(bytes.subarray(at, t.start).toString('utf8'));
    out += hasUnsafeText(t.text) ? rewriteToken(t.text, t.tokenName) : t.text;
    at = t.end;
  }
  return out + gap(bytes.subarray(at).toString('utf8'));
}
