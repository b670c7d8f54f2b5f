import React from 'react';
import { Box } from 'ink';
import type { Decision } from '../playbooks/types.ts';
import type { Line, Seg } from './lines.ts';
import { LineView } from './LineView.tsx';
import { resolveLine } from './notebook.ts';

const SELECTED: Seg = { text: '▌ ', color: 'cyan' };
const PLAIN: Seg = { text: '  ' };

/** Renders only lines [top, top + height): the rest of the notebook never becomes ink elements. */
export function NotebookPane({
  header,
  lines,
  top,
  selected,
  decisions,
  width,
  height,
}: {
  header: Line;
  lines: Line[];
  top: number;
  selected: number | null;
  decisions: Record<string, Decision>;
  width: number;
  height: number;
}) {
  const body = Math.max(0, height - 1);
  const visible = lines.slice(top, top + body);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <LineView line={header} width={width} />
      {visible.map((l, i) => (
        <LineView key={i} line={resolveLine(l, decisions)} width={width} gutter={selected !== null && l.item === selected ? SELECTED : PLAIN} />
      ))}
    </Box>
  );
}
