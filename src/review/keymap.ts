// The one key map: which keys run which command. The `?` help overlay is generated from it.
// Key fields follow ink's useInput Key, but nothing here imports ink.

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'open'
  | 'nextSection'
  | 'prevSection'
  | 'accept'
  | 'reject'
  | 'pending'
  | 'note'
  | 'toggleSql'
  | 'write'
  | 'quit'
  | 'help'
  | 'cancel'
  | 'rerun';

/** The subset of ink's Key this map reads. */
export interface KeyState {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

type NamedKey = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab';

/** One key: a special key (with or without shift) or a printable character. */
export type KeySpec = { key: NamedKey; shift?: boolean } | { char: string } | { ctrl: string };

export interface Binding {
  command: Command;
  keys: KeySpec[];
  /** how the help screen writes the keys */
  label: string;
  help: string;
}

export const KEYMAP: readonly Binding[] = [
  { command: 'up', keys: [{ key: 'upArrow' }, { char: 'k' }], label: '↑ k', help: 'move up' },
  { command: 'down', keys: [{ key: 'downArrow' }, { char: 'j' }], label: '↓ j', help: 'move down' },
  { command: 'pageUp', keys: [{ key: 'pageUp' }], label: 'PgUp', help: 'one page up' },
  { command: 'pageDown', keys: [{ key: 'pageDown' }], label: 'PgDn', help: 'one page down' },
  { command: 'home', keys: [{ key: 'home' }, { char: 'g' }], label: 'Home g', help: 'first item' },
  { command: 'end', keys: [{ key: 'end' }, { char: 'G' }], label: 'End G', help: 'last item' },
  { command: 'open', keys: [{ key: 'return' }], label: 'enter', help: 'open / close a cell or finding' },
  { command: 'nextSection', keys: [{ key: 'tab', shift: false }], label: 'tab', help: 'next section' },
  { command: 'prevSection', keys: [{ key: 'tab', shift: true }], label: 'shift-tab', help: 'previous section' },
  { command: 'accept', keys: [{ char: 'a' }], label: 'a', help: 'accept the finding (its SQL goes into the migration)' },
  { command: 'reject', keys: [{ char: 'r' }], label: 'r', help: 'reject the finding (and say why)' },
  { command: 'pending', keys: [{ char: 'u' }], label: 'u', help: 'back to pending' },
  { command: 'note', keys: [{ char: 'n' }], label: 'n', help: 'edit the note of the finding' },
  { command: 'toggleSql', keys: [{ char: 's' }], label: 's', help: 'show / hide the SQL of each cell' },
  { command: 'write', keys: [{ char: 'w' }], label: 'w', help: 'write the snapshot and the migration' },
  { command: 'quit', keys: [{ char: 'q' }, { ctrl: 'c' }], label: 'q ctrl-c', help: 'quit (asks before losing unsaved decisions)' },
  { command: 'help', keys: [{ char: '?' }], label: '?', help: 'this help' },
  { command: 'cancel', keys: [{ key: 'escape' }], label: 'Esc', help: 'cancel the running probes / close what is open' },
  { command: 'rerun', keys: [{ char: 'R' }], label: 'R', help: 'run again the sections whose cells lost the connection' },
];

function matches(spec: KeySpec, input: string, key: KeyState): boolean {
  if ('ctrl' in spec) return Boolean(key.ctrl) && input === spec.ctrl;
  if ('char' in spec) return input === spec.char;
  if (!key[spec.key]) return false;
  return spec.shift === undefined || Boolean(key.shift) === spec.shift;
}

/** The command for a key press, or null. No letter shortcut fires with ctrl or meta held. */
export function commandFor(input: string, key: KeyState, keymap: readonly Binding[] = KEYMAP): Command | null {
  for (const b of keymap) for (const spec of b.keys) if ('ctrl' in spec && matches(spec, input, key)) return b.command;
  // ink reports Esc itself with meta set
  if (key.escape) return keymap.find((b) => b.keys.some((s) => 'key' in s && s.key === 'escape'))?.command ?? null;
  if (key.ctrl || key.meta) return null;
  for (const b of keymap) for (const spec of b.keys) if (!('ctrl' in spec) && matches(spec, input, key)) return b.command;
  return null;
}

/** Rows of the help screen: keys and what they do, in key map order. */
export function helpRows(keymap: readonly Binding[] = KEYMAP): { keys: string; help: string }[] {
  return keymap.map((b) => ({ keys: b.label, help: b.help }));
}
