// One screen row as a single styled string, cut to its width here: ink then draws one text node per row
// instead of a node per segment, and a row whose string did not change is not rendered again.
import chalk, { type ChalkInstance } from 'chalk';
import { tone } from './color.ts';
import type { Line, Seg } from './lines.ts';
import { displayWidth, leadingColumns, printable } from './text.ts';

type Colour = 'blue' | 'cyan' | 'gray' | 'green' | 'red' | 'yellow' | 'magenta' | 'white' | 'black';

/** The segment's text with its style, as ink's <Text> would style it (same attributes, same colour level). */
function styled(seg: Seg, text: string): string {
  if (!text || chalk.level === 0) return text;
  const color = tone(seg.color) as Colour | undefined;
  if (!color && !seg.bold && !seg.dim && !seg.italic && !seg.inverse) return text;
  let style: ChalkInstance = chalk;
  if (seg.dim) style = style.dim;
  if (color) style = style[color] ?? style;
  if (seg.bold) style = style.bold;
  if (seg.italic) style = style.italic;
  if (seg.inverse) style = style.inverse;
  return style(text);
}

/**
 * The row's segments (the gutter first), made printable, styled and cut to `width` columns; a cut row
 * ends in "…". An empty row is one space, so it still takes its line.
 */
export function rowText(line: Line, width: number, gutter?: Seg): string {
  const segs = gutter ? [gutter, ...line.segs] : line.segs;
  const texts = segs.map((s) => printable(s.text));
  let total = 0;
  for (const t of texts) total += displayWidth(t);
  if (total <= width) {
    let out = '';
    for (let i = 0; i < segs.length; i++) out += styled(segs[i], texts[i]);
    return out || ' ';
  }
  // too wide: keep width - 1 columns, then "…"
  let out = '';
  let room = width - 1;
  for (let i = 0; i < segs.length && room > 0; i++) {
    const head = leadingColumns(texts[i], room);
    out += styled(segs[i], head.text);
    // a segment cut short ends the row (a wide character that did not fit is not replaced by a later one)
    room = head.text.length < texts[i].length ? 0 : room - head.width;
  }
  return width > 0 ? `${out}…` : '';
}
