// Markdown building blocks that stay intact whatever the text holds: catalog identifiers are
// hostile (pipes, newlines, backticks, angle brackets), so every piece of data goes through here.

/** Text on one line with Markdown syntax neutralised (for headings, list items, paragraphs). */
export function inline(text: string): string {
  return oneLine(text)
    .replace(/[\\`*[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;')
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/^([#+\-=])(?=\s|$)/, '\\$1')
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** A table cell: inline text whose pipes and newlines cannot break the row. */
export function cell(value: unknown, max = 120): string {
  const text = clip(display(value), max);
  const escaped = inline(text);
  return escaped === '' ? ' ' : escaped;
}

/** Literal text in a code span, with a fence longer than any backtick run inside it. */
export function code(text: string): string {
  const t = oneLine(text);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || longest > 0 ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** A fenced code block that no content can close early. */
export function codeBlock(text: string, lang = 'sql'): string {
  const longest = Math.max(0, ...(text.match(/^\s*`{3,}/gm) ?? []).map((m) => m.trim().length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\s+$/, '')}\n${fence}`;
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

export function oneLine(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').replace(/\t/g, ' ');
}

export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
