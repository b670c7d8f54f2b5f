import React from 'react';
import { Box, Text } from 'ink';
import type { Line, Seg } from './lines.ts';
import { rowText } from './row-text.ts';

/** One styled, pre-cut row: re-rendered only when its text or width changes. */
const Row = React.memo(function Row({ text, width }: { text: string; width: number }) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Text wrap="truncate-end">{text}</Text>
    </Box>
  );
});

/** One terminal row; segments are made printable and cut to the width (with …) by rowText. */
export function LineView({ line, width, gutter }: { line: Line; width: number; gutter?: Seg }) {
  return <Row text={rowText(line, width, gutter)} width={width} />;
}

/**
 * Rows stacked in a box of a fixed size. `first` is the index of the first row in the whole list: rows
 * keep their React key while the list scrolls, so a row that only moved is not drawn again.
 */
export function Lines({ lines, width, height, first = 0 }: { lines: Line[]; width: number; height: number; first?: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((l, i) => (
        <Row key={first + i} text={rowText(l, width)} width={width} />
      ))}
    </Box>
  );
}
