// Markdown tables and values from result rows. Every piece of data goes through the untrusted-text rule
// (src/util/untrusted-text.ts): catalog identifiers are hostile (pipes, newlines, backticks, angle
// brackets, escape sequences), and so is anything in a snapshot someone sent.
import { markdownText } from '../util/untrusted-text.ts';

/** A table cell: inline text whose pipes and newlines cannot break the row. */
export function cell(value: unknown, max = 120): string {
  const escaped = markdownText(clip(display(value), max));
  return escaped === '' ? ' ' : escaped;
}

export function table(headers: string[], rows: unknown[][], max = 120): string {
  const head = `| ${headers.map((h) => cell(h, max)).join(' | ')} |`;
  const sep = `|${headers.map(() => '---').join('|')}|`;
  const body = rows.map((r) => `| ${headers.map((_, i) => cell(r[i], max)).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

/** How a value from a result row reads in a report. */
export function display(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // never between the two halves of a surrogate pair
  const end = /[\ud800-\udbff]/.test(text[max - 2] ?? '') ? max - 2 : max - 1;
  return text.slice(0, end) + '…';
}
