// The rows around the pane: banner on top, message and status bar at the bottom.
import type { DecisionState } from '../playbooks/types.ts';
import type { Message, Source } from '../review/state.ts';
import type { Line, Seg } from './lines.ts';
import { displayWidth, printable, wrap } from './text.ts';

export function formatTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return printable(iso);
  return t.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function bannerLine(source: Source, product: string | null): Line {
  switch (source.kind) {
    case 'demo':
      return { segs: [{ text: ' DEMO DATABASE — embedded PGlite, not your data ', color: 'yellow', inverse: true, bold: true }, { text: '  pgadvisor', dim: true }] };
    case 'replay':
      return {
        segs: [
          { text: ` offline replay of ${printable(source.database)} taken ${formatTime(source.takenAt)} `, color: 'cyan', inverse: true, bold: true },
          ...(source.demo ? [{ text: ' demo data ', color: 'yellow', inverse: true }] : []),
          { text: `  ${printable(source.file)}`, dim: true },
        ],
      };
    case 'live':
      return { segs: [{ text: 'pgadvisor', bold: true, color: 'cyan' }, { text: `  ${printable(source.display)}` }, ...(product ? [{ text: `  ${printable(product)}`, dim: true }] : [])] };
  }
}

const width = (segs: Seg[]) => segs.reduce((n, s) => n + displayWidth(s.text), 0);

/**
 * Left part of the status bar, within `room` columns (the key hint is drawn separately so it never gets cut):
 * the counts in words, or in short when that does not fit, then where the data comes from if there is room.
 */
export function statusLine(source: Source, counts: Record<DecisionState, number>, dirty: boolean, room = Infinity): Line {
  const where = source.kind === 'replay' ? `replay of ${source.file}` : source.display;
  const n = (x: number) => x.toLocaleString('en-US');
  const long: Seg[] = [
    { text: `✓ ${n(counts.accepted)} accepted`, color: 'green' },
    { text: '  ' },
    { text: `✗ ${n(counts.rejected)} rejected`, color: 'red' },
    { text: '  ' },
    { text: `· ${n(counts.pending)} pending` },
    ...(dirty ? [{ text: '  ● unsaved', color: 'yellow' }] : []),
  ];
  const short: Seg[] = [
    { text: `✓${n(counts.accepted)}`, color: 'green' },
    { text: ' ' },
    { text: `✗${n(counts.rejected)}`, color: 'red' },
    { text: ' ' },
    { text: `·${n(counts.pending)} pending` },
    ...(dirty ? [{ text: ' ● unsaved', color: 'yellow' }] : []),
  ];
  const segs = width(long) <= room ? long : short;
  const rest = room - width(segs) - 2;
  const place = printable(where);
  if (rest >= Math.min(displayWidth(place), 12)) segs.push({ text: `  ${displayWidth(place) <= rest ? place : place.slice(0, Math.max(0, rest - 1)) + '…'}`, dim: true });
  return { segs };
}

/** The message, wrapped to the width (paths can be long), at most `max` rows. */
export function messageLines(message: Message | null, width: number, max = 4): Line[] {
  if (!message) return [];
  const color = message.tone === 'error' ? 'red' : 'green';
  const rows = message.lines.map(printable).flatMap((text) => (displayWidth(text) <= width ? [text] : wrap(text, width)));
  return rows.slice(0, max).map((text) => ({ segs: [{ text, color }] }));
}
