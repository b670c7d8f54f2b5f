import React from 'react';
import { Box } from 'ink';
import type { Row } from '../playbooks/types.ts';
import { LineView } from './LineView.tsx';
import { tableLines } from './table.ts';

/** A result table fitted to `width` (our own Box/Text table; ink-table cannot load under ink >= 4). */
export function DataTable({ columns, rows, width, maxRows }: { columns: string[]; rows: Row[]; width: number; maxRows?: number }) {
  const lines = tableLines(columns, rows, { width, maxRows });
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((l, i) => (
        <LineView key={i} line={l} width={width} />
      ))}
    </Box>
  );
}
