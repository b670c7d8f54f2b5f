// The rows around the notebook: banner on top, message and status bar at the bottom.
import React from 'react';
import type { DecisionState } from '../playbooks/types.ts';
import type { Message, Source } from '../review/state.ts';
import type { Line } from './lines.ts';
import { LineView } from './LineView.tsx';
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

/** Left part of the status bar; the key hint is drawn separately so it never gets cut. */
export function statusLine(source: Source, counts: Record<DecisionState, number>, dirty: boolean): Line {
  const where = source.kind === 'replay' ? `replay of ${source.file}` : source.display;
  return {
    segs: [
      { text: `✓ ${counts.accepted.toLocaleString('en-US')} accepted`, color: 'green' },
      { text: '  ' },
      { text: `✗ ${counts.rejected.toLocaleString('en-US')} rejected`, color: 'red' },
      { text: '  ' },
      { text: `· ${counts.pending.toLocaleString('en-US')} pending` },
      ...(dirty ? [{ text: '  ● unsaved', color: 'yellow' }] : []),
      { text: `  ${printable(where)}`, dim: true },
    ],
  };
}

/** The message, wrapped to the width (paths can be long), at most `max` rows. */
export function messageLines(message: Message | null, width: number, max = 4): Line[] {
  if (!message) return [];
  const color = message.tone === 'error' ? 'red' : 'green';
  const rows = message.lines.map(printable).flatMap((text) => (displayWidth(text) <= width ? [text] : wrap(text, width)));
  return rows.slice(0, max).map((text) => ({ segs: [{ text, color }] }));
}

export function Row({ line, width }: { line: Line; width: number }) {
  return <LineView line={line} width={width} />;
}
