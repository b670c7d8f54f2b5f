// Terminal text: display width, making catalog strings safe to print, truncation with …, wrapping.
import { terminalText } from '../util/untrusted-text.ts';

/**
 * The one rule for untrusted text on a terminal (src/util/untrusted-text.ts): controls, bidirectional
 * overrides and invisible characters become visible escapes — a table named "a\nb" stays one line.
 */
export const printable = terminalText;

/** Combining marks, variation selectors and zero-width spaces and joiners take no column. */
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|[\u200b-\u200f])$/u;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns one character takes. */
export function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return isWide(ch.codePointAt(0)!) ? 2 : 1;
}

/** Printable ASCII only: one column a character. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** Columns the string takes in a terminal (after printable()). */
export function displayWidth(s: string): number {
  if (PLAIN_ASCII.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** The longest start of `s` that takes at most `room` columns (a wide character is never split), and its width. */
export function leadingColumns(s: string, room: number): { text: string; width: number } {
  let text = '';
  let width = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (width + cw > room) break;
    text += ch;
    width += cw;
  }
  return { text, width };
}

/** At most `width` columns; a cut string ends in "…". */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(s) <= width) return s;
  return leadingColumns(s, width - 1).text + '…';
}

export function padEnd(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

export function padStart(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : ' '.repeat(width - w) + s;
}

/** Word-wraps one paragraph (no newlines) to `width`; words longer than a line are cut hard. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  for (const word of text.split(/ +/)) {
    if (word === '') continue;
    let rest = word;
    let restWidth = displayWidth(rest);
    if (lineWidth > 0 && lineWidth + 1 + restWidth <= w) {
      line += ' ' + rest;
      lineWidth += 1 + restWidth;
      continue;
    }
    if (lineWidth > 0) lines.push(line);
    while (restWidth > w) {
      const head = leadingColumns(rest, w).text;
      lines.push(head);
      rest = rest.slice(head.length);
      restWidth = displayWidth(rest);
    }
    line = rest;
    lineWidth = restWidth;
  }
  if (lineWidth > 0 || lines.length === 0) lines.push(line);
  return lines;
}

/** A value from a result row or evidence, as one printable line. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'string') return printable(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'invalid date' : v.toISOString();
  try {
    return printable(JSON.stringify(v) ?? String(v));
  } catch {
    return printable(String(v));
  }
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
