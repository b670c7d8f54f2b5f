// What covers or docks under the pane for a moment: help, the note box, the quit question, the pickers,
// the confirmation under the migration review.
import React from 'react';
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { helpRows } from '../review/keymap.ts';
import type { Field } from '../review/line-edit.ts';
import { tone } from './color.ts';
import { Lines } from './LineView.tsx';
import type { Line } from './lines.ts';
import { padEnd, printable } from './text.ts';

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const rows = helpRows();
  const keyWidth = Math.max(...rows.map((r) => r.keys.length)) + 2;
  // title + footer: two columns when one does not fit
  const columns = rows.length + 2 > height ? 2 : 1;
  const perColumn = Math.ceil(rows.length / columns);
  const colWidth = Math.floor((width - 2) / columns);
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1} overflow="hidden">
      <Text bold color={tone('cyan')} wrap="truncate-end">
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

/** A text field with its caret drawn as an inverse cell. */
function FieldText({ field, hint }: { field: Field; hint: string }) {
  if (!field.text) {
    return (
      <Text>
        <Text inverse> </Text>
        <Text dimColor>{hint}</Text>
      </Text>
    );
  }
  const before = printable(field.text.slice(0, field.caret));
  const at = printable(field.text.slice(field.caret, field.caret + 1)) || ' ';
  const after = printable(field.text.slice(field.caret + 1));
  return (
    <Text wrap="truncate-start">
      {before}
      <Text inverse>{at}</Text>
      {after}
    </Text>
  );
}

export function NoteEditor({ label, field, rejecting, width, height }: { label: string; field: Field; rejecting: boolean; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={tone('yellow')} paddingX={1} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>{rejecting ? 'Why reject ' : 'Note on '}</Text>
        {printable(label)}
      </Text>
      <Box marginTop={1}>
        <Text color={tone('yellow')}>› </Text>
        <FieldText field={field} hint="why (shown next time as “rejected before: …”)" />
      </Box>
      <Text dimColor wrap="truncate-end">
        {rejecting ? 'enter rejects with this note · Esc takes the rejection back' : 'enter saves the note · Esc leaves it as it was'}
      </Text>
    </Box>
  );
}

/** The scratch cell editor: its rows laid out by screen.ts (caret included), the keys under them. */
export function ScratchEditor({ title, lines, width, height }: { title: string; lines: Line[]; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={tone('cyan')} paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        {printable(title)}
      </Text>
      <Lines lines={lines} width={width - 4} height={Math.max(1, height - 4)} />
      <Text dimColor wrap="truncate-end">
        ctrl-r keeps and runs it · Esc keeps it · enter new line · ctrl-a/e line start/end · ctrl-u/k cut before/after
      </Text>
    </Box>
  );
}

export function QuitConfirm({ unsaved, autosaved, width, height }: { unsaved: string; autosaved: string | null; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={tone('red')} paddingX={1} overflow="hidden">
      <Text bold color={tone('red')}>
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

export interface Choice {
  label: string;
  value: string;
}

/**
 * A list to pick one from, drawn by ink-select-input. The highlighted line is the review state's (the
 * controller moves it and chooses, key by key, however many keys arrive in one read): the list is drawn
 * afresh at that line and does not read keys itself.
 */
export function Picker({ title, hint, items, selected, width, height }: { title: string; hint: string; items: Choice[]; selected: number; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1} overflow="hidden">
      <Text bold color={tone('cyan')} wrap="truncate-end">
        {title}
      </Text>
      <Text dimColor wrap="truncate-end">
        {hint}
      </Text>
      <Box marginTop={1}>
        <SelectInput key={selected} isFocused={false} items={items.map((i) => ({ ...i, key: i.value, label: printable(i.label) }))} initialIndex={selected} limit={Math.max(1, height - 4)} />
      </Box>
    </Box>
  );
}
