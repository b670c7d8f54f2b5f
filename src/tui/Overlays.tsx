// What covers the notebook for a moment: help, the note editor, the quit question.
import React from 'react';
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { helpRows } from '../review/keymap.ts';
import { printable, padEnd } from './text.ts';

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const rows = helpRows();
  const keyWidth = Math.max(...rows.map((r) => r.keys.length)) + 2;
  // title + footer: two columns when one does not fit
  const columns = rows.length + 2 > height ? 2 : 1;
  const perColumn = Math.ceil(rows.length / columns);
  const colWidth = Math.floor((width - 2) / columns);
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1} overflow="hidden">
      <Text bold color="cyan" wrap="truncate-end">
        {'Keys ' + '─'.repeat(Math.max(0, width - 7))}
      </Text>
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={colWidth} paddingRight={1}>
            {rows.slice(c * perColumn, (c + 1) * perColumn).map((r) => (
              <Text key={r.keys} wrap="truncate-end">
                <Text bold>{padEnd(r.keys, keyWidth)}</Text>
                {r.help}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
      <Text dimColor wrap="truncate-end">
        Letter keys do nothing while ctrl or alt is held. Esc or ? closes this help.
      </Text>
    </Box>
  );
}

export function NoteEditor({
  title,
  draft,
  onChange,
  onSubmit,
  width,
  height,
}: {
  title: string;
  draft: string;
  onChange: (v: string) => void;
  onSubmit: () => void;
  width: number;
  height: number;
}) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="yellow" paddingX={1} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>Note on </Text>
        {printable(title)}
      </Text>
      <Box marginTop={1}>
        <Text color="yellow">› </Text>
        <TextInput value={printable(draft)} onChange={onChange} onSubmit={onSubmit} placeholder="why (shown next time as “rejected before: …”)" />
      </Box>
      <Box marginTop={1}>
        <Text dimColor>enter saves the note · Esc leaves it as it was</Text>
      </Box>
    </Box>
  );
}

export function QuitConfirm({ unsaved, autosaved, width, height }: { unsaved: string; autosaved: string | null; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="red" paddingX={1} overflow="hidden">
      <Text bold color="red">
        Quit without writing?
      </Text>
      <Text wrap="wrap">{unsaved} not written to a snapshot and migration yet.</Text>
      {autosaved ? <Text wrap="wrap" dimColor>{`They are autosaved in ${printable(autosaved)}; --resume ${printable(autosaved)} brings them back.`}</Text> : null}
      <Box marginTop={1}>
        <Text>
          <Text bold>y</Text> quit · <Text bold>n</Text> or Esc stay (then <Text bold>w</Text> writes)
        </Text>
      </Box>
    </Box>
  );
}

export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  return (
    <Box width={columns} height={Math.max(1, rows - 1)} justifyContent="center" alignItems="center">
      <Text wrap="truncate-end">{`terminal too small: need at least 80×24, have ${columns}×${rows}`}</Text>
    </Box>
  );
}
