import React from 'react';
import { Box, Text } from 'ink';
import type { Line, Seg } from './lines.ts';
import { rowText } from './row-text.ts';

/**
 * One styled row of a list, already cut to its width by rowText: a bare text node (ink lays out and
 * draws one node per row), drawn again only when its text changes.
 */
export const Row = React.memo(function Row({ text }: { text: string }) {
  return <Text wrap="truncate-end">{text}</Text>;
});

/** One terminal row that takes its whole width (a banner, a header, the status bar). */
export function LineView({ line, width, gutter }: { line: Line; width: number; gutter?: Seg }) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Row text={rowText(line, width, gutter)} />
    </Box>
  );
}

/**
 * Rows stacked in a box of a fixed size. `first` is the index of the first row in the whole list: rows
 * keep their React key while the list scrolls, so a row that only moved is not drawn again.
 */
export function Lines({ lines, width, height, first = 0 }: { lines: Line[]; width: number; height: number; first?: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((l, i) => (
        <Row key={first + i} text={rowText(l, width)} />
      ))}
    </Box>
  );
}
