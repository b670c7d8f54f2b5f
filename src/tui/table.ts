// A result table fitted to a width: column widths from content, cut with …, header bold.
// (Our own: ink-table cannot load under ink >= 4.)
import type { Row } from '../playbooks/types.ts';
import type { Line } from './lines.ts';
import { cellText, displayWidth, padEnd, padStart, plural, printable, truncate } from './text.ts';

export interface TableOptions {
  width: number;
  /** rows shown; the rest are counted in a last line */
  maxRows?: number;
  indent?: string;
  item?: number;
  /** rows the query returned in all (more than `rows` when the run capped them) */
  total?: number;
}

const GAP = 2;
const MIN_COL = 3;
const MAX_COL = 48;

export function tableLines(columns: string[], rows: Row[], opts: TableOptions): Line[] {
  const indent = opts.indent ?? '';
  const room = Math.max(10, opts.width - displayWidth(indent));
  const shown = rows.slice(0, opts.maxRows ?? rows.length);
  const headers = columns.map(printable);
  const cells = shown.map((r) => columns.map((c) => cellText(r[c])));
  const numeric = columns.map((c) => shown.length > 0 && shown.every((r) => r[c] === null || typeof r[c] === 'number' || (typeof r[c] === 'string' && /^-?\d+(\.\d+)?$/.test(r[c] as string))));
  let widths = headers.map((h, i) => Math.min(MAX_COL, Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i])))));

  // Too wide: shrink the widest column one step at a time, then drop trailing columns.
  const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + GAP * Math.max(0, ws.length - 1);
  while (total(widths) > room) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= MIN_COL) break;
    widths[widest]--;
  }
  let hidden = 0;
  const note = (n: number) => ` +${n} col${n === 1 ? '' : 's'}`;
  while (widths.length > 1 && total(widths) + (hidden ? note(hidden).length : 0) > room) {
    widths = widths.slice(0, -1);
    hidden++;
  }
  const visible = widths.length;
  const fit = (s: string, i: number) => {
    const t = truncate(s, widths[i]);
    return numeric[i] ? padStart(t, widths[i]) : padEnd(t, widths[i]);
  };
  const join = (parts: string[]) => parts.join(' '.repeat(GAP)).trimEnd();

  const out: Line[] = [];
  const header = join(headers.slice(0, visible).map((h, i) => fit(h, i)));
  out.push({ item: opts.item, segs: [{ text: indent }, { text: header, bold: true }, ...(hidden ? [{ text: note(hidden), dim: true }] : [])] });
  out.push({ item: opts.item, segs: [{ text: indent }, { text: '─'.repeat(Math.min(room, total(widths))), dim: true }] });
  for (const row of cells) out.push({ item: opts.item, segs: [{ text: indent + join(row.slice(0, visible).map((c, i) => fit(c, i))) }] });
  const all = Math.max(opts.total ?? rows.length, rows.length);
  if (rows.length === 0) out.push({ item: opts.item, segs: [{ text: indent }, { text: '(no rows)', dim: true }] });
  else if (all > shown.length) {
    const more = all - shown.length;
    out.push({ item: opts.item, segs: [{ text: indent }, { text: `… ${plural(more, 'more row')}`, dim: true }] });
  }
  return out;
}
