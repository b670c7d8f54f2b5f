// How text we did not write is shown: names from the catalog, server messages, strings from a snapshot
// someone sent, workload log lines. One rule for every view — terminal (TUI, `check`, `diff`, errors),
// Markdown (`report`, README files of exports) and HTML — so a name can neither drive the terminal, nor
// pass for other output, nor break the markup around it. JSON and SQL stay exact: JSON is written with
// the same characters as \u escapes (jsonText), SQL keeps its bytes (or, to be shown, Postgres's own
// escapes: src/migration/display-sql.ts).

/**
 * Characters never shown as they are:
 * - controls (C0 U+0000–U+001F, DEL, C1 U+0080–U+009F): escape sequences (ESC, CSI) and line breaks;
 * - the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069),
 *   which reorder what follows them on screen;
 * - the line and paragraph separators U+2028 and U+2029;
 * - invisible characters that hide text or make two names look alike: U+200B, U+2060–U+2064, U+FEFF
 *   and the tag characters U+E0000–U+E007F;
 * - lone surrogates (no character at all).
 * Joiners (U+200C, U+200D) stay: scripts and emoji need them.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A superset of UNSAFE as one character class (fast to test): most text has none, and is returned as it is. */
const MAYBE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/;

/** What JSON.stringify can leave raw of UNSAFE (it escapes every C0 control inside strings). */
const JSON_MAYBE_UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/;

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** The visible escape of one unsafe character: `\n`, `\x1b`, `\u202e`, `\u{e0041}`. */
function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const cp = c.codePointAt(0)!;
  if (cp < 0x100) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp > 0xffff) return `\\u{${cp.toString(16)}}`;
  return '\\u' + cp.toString(16).padStart(4, '0');
}

/** Each unsafe character of `s` replaced by `fn(c)`: for escapes in another syntax (JavaScript, SQL). */
export function replaceUnsafe(s: string, fn: (c: string) => string): string {
  return MAYBE_UNSAFE.test(s) ? s.replace(UNSAFE, fn) : s;
}

/**
 * JSON.stringify, with every character the rule escapes written as a \u escape (JSON.stringify leaves
 * DEL, C1 controls, bidirectional and invisible characters raw): it parses to exactly the same value, and
 * printing it cannot drive a terminal. Also a valid JavaScript literal.
 */
export function jsonText(value: unknown, space?: number): string {
  // inside strings JSON.stringify escapes every C0 control: a raw line feed is the indentation's own
  const escape = (c: string) => (c === '\n' ? c : Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
  const text = JSON.stringify(value, null, space);
  return JSON_MAYBE_UNSAFE.test(text) ? text.replace(UNSAFE, escape) : text;
}

/** True when `s` holds a character the rule escapes. */
export function hasUnsafeText(s: string): boolean {
  if (!MAYBE_UNSAFE.test(s)) return false;
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return found;
}

/**
 * One line of terminal-safe text: every unsafe character shown as its escape (`\x1b`, `\n`, `\u202e`).
 * Backslashes are left as they are, so the rule applied twice gives the same text.
 */
export function terminalText(s: string): string {
  return replaceUnsafe(s, escapeChar);
}

/** Like terminalText, but line feeds and tabs stay: for text shown as a block (SQL, notebook prose). */
export function terminalBlock(s: string): string {
  return replaceUnsafe(s, (c) => (c === '\n' || c === '\t' ? c : escapeChar(c)));
}

/**
 * Inline Markdown (a heading, a list item, a table cell, a paragraph) that renders as exactly the text:
 * the terminal rule first (one line, escapes visible), then every character Markdown would read as markup
 * backslash-escaped — emphasis, code, links, images, raw HTML, table pipes, entities, block markers at
 * the start — autolinks (`https://`, `www.`, e-mail) broken so no name becomes a link, and spaces at either
 * end written as `&#32;`, which block and table-cell parsing would otherwise trim.
 */
export function markdownText(s: string): string {
  return terminalText(s)
    .replace(/[\\`*[\]<>|~@]/g, (c) => `\\${c}`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;')
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/(?<![A-Za-z0-9])(www)\./gi, '$1\\.')
    // a block marker only counts before a space, the line's end, or (rules, setext underlines) its own repeat
    .replace(/^([#+\-=])(?=\s|$|\1)/, '\\$1')
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2')
    .replace(/^ +| +$/g, (spaces) => '&#32;'.repeat(spaces.length));
}

/** A Markdown code span holding the text literally (terminal rule applied), fenced so no backtick run closes it. */
export function markdownCode(s: string): string {
  const t = terminalText(s);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  // a span strips one space at each end when both are there: pad to keep them, and to keep a backtick off the fence
  const pad = longest > 0 || (t.startsWith(' ') && t.endsWith(' ') && t.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/**
 * Markdown kept as Markdown (notebook prose carried in a snapshot): lines and formatting stay, but unsafe
 * characters are escaped (terminalBlock), raw HTML cannot open (`<` before a tag, comment or declaration
 * is escaped) and links lead only to http(s), mailto or an anchor.
 */
export function markdownProse(text: string): string {
  return terminalBlock(text)
    .replace(/<(?=[A-Za-z/!?])/g, '\\<')
    .replace(/\]\((?!\s*(https?:|mailto:|#))/gi, '\\](')
    .replace(/^(\s{0,3})\[([^\]\n]*)\]:(?!\s*(https?:|mailto:|#))/gim, '$1\\[$2\\]:');
}

/**
 * A fenced Markdown code block no content can close early. `text` keeps its lines; any other unsafe
 * character is escaped (terminalBlock). SQL meant to be pasted should go through displaySql first, which
 * keeps names exact.
 */
export function markdownCodeBlock(text: string, lang = ''): string {
  const body = terminalBlock(text).replace(/\s+$/, '');
  const longest = Math.max(0, ...(body.match(/^[ \t]*`{3,}/gm) ?? []).map((m) => m.trim().length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body ? `${body}\n` : ''}${fence}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content or a quoted attribute value: the terminal rule, then & < > " ' escaped. */
export function htmlText(s: string): string {
  return terminalText(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** HTML that is already safe: built by the `html` template, or one of our own constants (rawHtml). */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Our own markup, never data: a constant the template must not escape. */
export function rawHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Text for a <pre> block: lines kept, everything else as htmlText. */
export function htmlBlock(text: string): SafeHtml {
  return new SafeHtml(terminalBlock(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]));
}

function htmlValue(v: unknown): string {
  if (v instanceof SafeHtml) return v.html;
  if (Array.isArray(v)) return v.map(htmlValue).join('');
  if (v === null || v === undefined || v === false) return '';
  return htmlText(String(v));
}

/**
 * The HTML template: every interpolated value is escaped (htmlText) unless it is SafeHtml; arrays are
 * joined; null, undefined and false give nothing. For element content and quoted attribute values only —
 * never inside <script>, <style>, an unquoted attribute or a URL.
 *
 *     html`<td title="${finding.target}">${finding.title}</td>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => (out += htmlValue(v) + strings[i + 1]));
  return new SafeHtml(out);
}
