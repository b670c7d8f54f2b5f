import React from 'react';
import { Box } from 'ink';
import type { Section } from '../review/state.ts';
import type { Line, Seg } from './lines.ts';
import { LineView } from './LineView.tsx';
import { SEVERITY_STYLE } from './notebook.ts';
import { printable } from './text.ts';

function countSegs(section: Section): Seg[] {
  const segs: Seg[] = [];
  const add = (seg: Seg) => {
    if (segs.length) segs.push({ text: ' ' });
    segs.push(seg);
  };
  for (const sev of ['critical', 'warning', 'info'] as const) {
    const n = section.counts[sev];
    if (n) add({ text: `${n.toLocaleString('en-US')} ${SEVERITY_STYLE[sev].label.toLowerCase()}`, color: SEVERITY_STYLE[sev].color });
  }
  // "no findings" only when every cell ran: a skipped or failed cell checked nothing
  const st = section.statuses;
  if (!segs.length && st.ok === section.items.filter((i) => i.kind === 'cell').length) return [{ text: 'no findings', dim: true }];
  if (!segs.length) add({ text: '0 found', dim: true });
  if (st.error + st.timeout) add({ text: `${st.error + st.timeout} failed`, color: 'red' });
  if (st.cancelled) add({ text: `${st.cancelled} cancelled`, color: 'yellow' });
  if (st.skipped) add({ text: `${st.skipped} skipped`, dim: true });
  return segs;
}

/** The playbooks, two rows each: title, then finding counts by severity. */
export function SectionList({ sections, current, width, height }: { sections: Section[]; current: number; width: number; height: number }) {
  const lines: Line[] = [];
  sections.forEach((s, i) => {
    const on = i === current;
    lines.push({ segs: [{ text: on ? '▸ ' : '  ', color: 'cyan' }, { text: printable(s.title), bold: on, color: on ? 'cyan' : undefined }] });
    lines.push({ segs: [{ text: '  ' }, ...countSegs(s)] });
  });
  const perPage = Math.max(2, height - (height % 2));
  const top = Math.max(0, Math.min(current * 2 - Math.floor(perPage / 2) + 1, lines.length - perPage));
  const top2 = top - (top % 2);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(top2, top2 + height).map((l, i) => (
        <LineView key={i} line={l} width={width} />
      ))}
    </Box>
  );
}
