import React from 'react';
import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { Progress } from '../review/state.ts';
import { tone } from './color.ts';
import { printable } from './text.ts';

/** While the probes run: a spinner, how far along, and the cells running right now. */
export function RunProgress({ progress, width, height }: { progress: Progress; width: number; height: number }) {
  const shown = progress.running.slice(0, Math.max(0, height - 4));
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1} overflow="hidden">
      <Text wrap="truncate-end">
        {progress.active ? (
          <Text color={tone('cyan')}>
            <Spinner type="dots" />
          </Text>
        ) : null}
        {progress.cancelling
          ? ' cancelling: the running queries are being cancelled on the server…'
          : progress.status
            ? ` ${progress.status}`
            : progress.active
              ? ` running playbooks: ${progress.done} of ${progress.total} cells done`
              : ' the run stopped'}
      </Text>
      {shown.map((r) => (
        <Text key={`${r.playbook}/${r.cell}`} wrap="truncate-end" dimColor>
          {`   ${printable(r.title)} (${printable(r.playbook)})`}
        </Text>
      ))}
      {progress.running.length > shown.length ? <Text dimColor>{`   and ${progress.running.length - shown.length} more`}</Text> : null}
      <Box marginTop={1}>
        <Text dimColor>{progress.active ? 'Esc cancels the run · q quits' : 'R runs it again · q quits'}</Text>
      </Box>
    </Box>
  );
}
