import React from 'react';
import { Box, Text } from 'ink';
import { tone } from './color.ts';
import type { Line, Seg } from './lines.ts';
import { printable } from './text.ts';

// Segments are made printable where they are built; printable() here is the last guard before the terminal.
function SegText({ seg }: { seg: Seg }) {
  return (
    <Text color={tone(seg.color)} bold={seg.bold} dimColor={seg.dim} italic={seg.italic} inverse={seg.inverse}>
      {printable(seg.text)}
    </Text>
  );
}

/** One terminal row; whatever does not fit is cut by ink with … */
export const LineView = React.memo(function LineView({ line, width, gutter }: { line: Line; width: number; gutter?: Seg }) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Text wrap="truncate-end">
        {gutter ? <SegText seg={gutter} /> : null}
        {line.segs.length ? line.segs.map((s, i) => <SegText key={i} seg={s} />) : ' '}
      </Text>
    </Box>
  );
});

/** Rows stacked in a box of a fixed size. */
export function Lines({ lines, width, height }: { lines: Line[]; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {lines.slice(0, height).map((l, i) => (
        <LineView key={i} line={l} width={width} />
      ))}
    </Box>
  );
}
