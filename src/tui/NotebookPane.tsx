import React from 'react';
import { Box } from 'ink';
import type { Decision } from '../playbooks/types.ts';
import type { Line, Seg } from './lines.ts';
import { LineView, Row } from './LineView.tsx';
import { resolveLine } from './notebook.ts';
import { rowText } from './row-text.ts';

const SELECTED: Seg = { text: '▌ ', color: 'cyan' };
const PLAIN: Seg = { text: '  ' };

/**
 * The pane's header and the rows in view (the layout already cut them to the height). `first` is the
 * first row's index in the whole list, the rows' key: scrolling moves rows instead of redrawing them all.
 */
export function NotebookPane({ header, lines, first, selected, decisions, width, height }: { header: Line; lines: Line[]; first: number; selected: number | null; decisions: Record<string, Decision>; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      <LineView line={header} width={width} />
      {lines.map((l, i) => (
        <Row key={first + i} text={rowText(resolveLine(l, decisions), width, selected !== null && l.item === selected ? SELECTED : PLAIN)} />
      ))}
    </Box>
  );
}
