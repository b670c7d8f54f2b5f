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
/** text columns keep this much before numeric columns give anything up */
const MIN_TEXT = 16;
const MIN_NUMERIC = 8;

export function tableLines(columns: string[], rows: Row[], opts: TableOptions): Line[] {
  const indent = opts.indent ?? '';
  const room = Math.max(10, opts.width - displayWidth(indent));
  const shown = rows.slice(0, opts.maxRows ?? rows.length);
  const headers = columns.map(printable);
  const cells = shown.map((r) => columns.map((c) => cellText(r[c])));
  const numeric = columns.map((c) => shown.length > 0 && shown.every((r) => r[c] === null || typeof r[c] === 'number' || (typeof r[c] === 'string' && /^-?\d+(\.\d+)?$/.test(r[c] as string))));
  const natural = headers.map((h, i) => Math.min(MAX_COL, Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i])))));
  const content = headers.map((_, i) => Math.max(MIN_COL, ...cells.map((row) => displayWidth(row[i]))));
  let widths = [...natural];

  // Too wide: long headers of numeric columns give way first (to MIN_NUMERIC), then text columns
  // (widest first) down to MIN_TEXT, then numeric headers down to their numbers, then every column
  // down to MIN_COL; columns that still do not fit are dropped.
  const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + GAP * Math.max(0, ws.length - 1);
  const shrink = (floor: (i: number) => number) => {
    while (total(widths) > room) {
      let widest = -1;
      widths.forEach((w, i) => {
        if (w > floor(i) && (widest < 0 || w > widths[widest])) widest = i;
      });
      if (widest < 0) return;
      widths[widest]--;
    }
  };
  const textFloor = (i: number) => Math.min(natural[i], MIN_TEXT);
  shrink((i) => (numeric[i] ? Math.min(natural[i], Math.max(content[i], MIN_NUMERIC)) : natural[i]));
  shrink((i) => (numeric[i] ? Math.min(natural[i], Math.max(content[i], MIN_NUMERIC)) : textFloor(i)));
  shrink((i) => (numeric[i] ? Math.min(natural[i], content[i]) : textFloor(i)));
  shrink(() => MIN_COL);
  let hidden = 0;
  const note = (n: number) => ` +${n} col${n === 1 ? '' : 's'}`;
  while (widths.length > 1 && total(widths) + (hidden ? note(hidden).length : 0) > room) {
    widths = widths.slice(0, -1);
    hidden++;
  }
  // a column dropped at the end frees room the others can take back
  for (let i = 0; i < widths.length; i++) {
    const spare = room - total(widths) - (hidden ? note(hidden).length : 0);
    if (spare <= 0) break;
    widths[i] += Math.min(spare, natural[i] - widths[i]);
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
