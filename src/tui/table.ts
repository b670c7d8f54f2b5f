// A result table fitted to a width: column widths from content, cut with …, header bold.
// (Our own: ink-table cannot load under ink >= 4.) When the columns do not fit, the table shows
// the ones that do and counts the rest, or — for an opened cell — turns each row into a record.
import type { Row } from '../playbooks/types.ts';
import { sqlLines, wrapSegs, type Line } from './lines.ts';
import { cellText, displayWidth, padEnd, padStart, plural, printable, truncate } from './text.ts';

export interface TableOptions {
  width: number;
  /** rows shown; the rest are counted in a last line */
  maxRows?: number;
  indent?: string;
  item?: number;
  /** rows the query returned in all (more than `rows` when the run capped them) */
  total?: number;
  /** when columns would be hidden, show each row as a record (like psql's \x) instead */
  expand?: boolean;
}

const GAP = 2;
const MIN_COL = 3;
/** text columns keep this much before columns are dropped */
const MIN_TEXT = 16;
/** long headers of numeric columns give way to this */
const MIN_NUMERIC = 8;

/** Numbers and numbers with a unit ("2216 kB", "3.5 ms", "12%") line up on the right. */
const NUMBER_LIKE = /^-?\d[\d,]*(\.\d+)?( ?(bytes|[kMGT]B|ms|s|%))?$/;

function isNumberLike(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && NUMBER_LIKE.test(v));
}

interface Fit {
  widths: number[];
  hidden: number;
}

const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + GAP * Math.max(0, ws.length - 1);
const hiddenNote = (n: number) => (n ? ` +${n} col${n === 1 ? '' : 's'}` : '');

/**
 * Long headers of numeric columns give way first (to MIN_NUMERIC), then text columns (widest
 * first) down to MIN_TEXT; after that trailing columns are dropped rather than cutting every header
 * and value to a few characters, and the room they free is handed back.
 */
function fitColumns(natural: number[], content: number[], numeric: boolean[], room: number): Fit {
  // content: the widest value of each column (a numeric header is never cut narrower than it)
  let widths = [...natural];
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
  const numericFloor = (i: number) => Math.min(natural[i], Math.max(content[i], MIN_NUMERIC));
  // the first column usually names the object the row is about: it keeps its width up to half the room
  const textFloor = (i: number) => Math.min(natural[i], i === 0 ? Math.max(MIN_TEXT, Math.floor(room / 2)) : MIN_TEXT);
  shrink((i) => (numeric[i] ? numericFloor(i) : natural[i]));
  shrink((i) => (numeric[i] ? numericFloor(i) : textFloor(i)));
  let hidden = 0;
  while (widths.length > 1 && total(widths) + hiddenNote(hidden + (total(widths) > room ? 1 : 0)).length > room) {
    widths = widths.slice(0, -1);
    hidden++;
  }
  if (total(widths) > room) widths = [Math.max(MIN_COL, room)];
  for (let i = 0; i < widths.length; i++) {
    const spare = room - total(widths) - hiddenNote(hidden).length;
    if (spare <= 0) break;
    widths[i] += Math.max(0, Math.min(spare, natural[i] - widths[i]));
  }
  return { widths, hidden };
}

export function tableLines(columns: string[], rows: Row[], opts: TableOptions): Line[] {
  const indent = opts.indent ?? '';
  const item = opts.item;
  const room = Math.max(10, opts.width - displayWidth(indent));
  const shown = rows.slice(0, opts.maxRows ?? rows.length);
  const headers = columns.map(printable);
  const cells = shown.map((r) => columns.map((c) => cellText(r[c])));
  const numeric = columns.map((c) => shown.length > 0 && shown.every((r) => isNumberLike(r[c])));
  const natural = headers.map((h, i) => Math.min(room, Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i])))));
  const content = headers.map((_, i) => Math.max(MIN_COL, ...cells.map((row) => displayWidth(row[i]))));
  const { widths, hidden } = fitColumns(natural, content, numeric, room);

  const out: Line[] = [];
  const cut = widths.some((w, i) => cells.some((row) => displayWidth(row[i]) > w));
  if ((hidden || cut) && opts.expand && shown.length) {
    out.push(...recordLines(headers, cells, room, indent, item));
  } else {
    const fit = (s: string, i: number) => {
      const t = truncate(s, widths[i]);
      return numeric[i] ? padStart(t, widths[i]) : padEnd(t, widths[i]);
    };
    const join = (parts: string[]) => parts.join(' '.repeat(GAP)).trimEnd();
    const header = join(headers.slice(0, widths.length).map((h, i) => fit(h, i)));
    out.push({ item, segs: [{ text: indent }, { text: header, bold: true }, ...(hidden ? [{ text: hiddenNote(hidden), dim: true }] : [])] });
    out.push({ item, segs: [{ text: indent }, { text: '─'.repeat(Math.min(room, total(widths))), dim: true }] });
    for (const row of cells) out.push({ item, segs: [{ text: indent + join(row.slice(0, widths.length).map((c, i) => fit(c, i))) }] });
  }
  const all = Math.max(opts.total ?? rows.length, rows.length);
  if (rows.length === 0) out.push({ item, segs: [{ text: indent }, { text: '(no rows)', dim: true }] });
  else if (all > shown.length) out.push({ item, segs: [{ text: indent }, { text: `… ${plural(all - shown.length, 'more row')}`, dim: true }] });
  return out;
}

const SQL_VALUE = /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|VACUUM|ANALYZE|COPY|GRANT|REVOKE|SET|EXPLAIN)\b/i;

/**
 * Each row as "column  value" lines under a "row N" rule, every value in full: one that does not fit beside
 * its column wraps below it (statements only between tokens).
 */
function recordLines(headers: string[], cells: string[][], room: number, indent: string, item?: number): Line[] {
  const keyWidth = Math.min(Math.max(...headers.map(displayWidth)), Math.floor(room / 2));
  const out: Line[] = [];
  cells.forEach((row, r) => {
    const label = `── row ${r + 1} `;
    out.push({ item, segs: [{ text: indent }, { text: label + '─'.repeat(Math.max(0, Math.min(room, 40) - displayWidth(label))), dim: true }] });
    row.forEach((value, c) => {
      const key = { text: padEnd(truncate(headers[c], keyWidth), keyWidth), bold: true };
      if (displayWidth(value) <= room - keyWidth - 2) {
        out.push({ item, segs: [{ text: indent }, key, { text: '  ' + value }] });
        return;
      }
      out.push({ item, segs: [{ text: indent }, key] });
      const body = SQL_VALUE.test(value) ? sqlLines(value, room + displayWidth(indent), indent + '  ', {}, item) : wrapSegs([{ text: value }], room + displayWidth(indent), indent + '  ', indent + '  ', item);
      out.push(...body);
    });
  });
  return out;
}
