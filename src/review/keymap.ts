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
  | 'notebook'
  | 'jump'
  | 'filter'
  | 'nextMatch'
  | 'prevMatch'
  | 'nextSection'
  | 'prevSection'
  | 'accept'
  | 'reject'
  | 'pending'
  | 'note'
  | 'toggleSql'
  | 'copy'
  | 'copyDown'
  | 'write'
  | 'export'
  | 'quit'
  | 'interrupt'
  | 'help'
  | 'cancel'
  | 'rerun'
  | 'scratch'
  | 'editScratch'
  | 'runScratch'
  | 'deleteScratch'
  | 'explain';

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
  backspace?: boolean;
  delete?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
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
  { command: 'open', keys: [{ key: 'return' }], label: 'enter', help: 'open / close a finding or cell; fold / unfold a pattern' },
  { command: 'notebook', keys: [{ char: 'o' }], label: 'o', help: "overview: show the finding in its section's notebook" },
  { command: 'nextSection', keys: [{ key: 'tab', shift: false }], label: 'tab', help: 'next section' },
  { command: 'prevSection', keys: [{ key: 'tab', shift: true }], label: 'shift-tab', help: 'previous section' },
  { command: 'jump', keys: [{ char: ':' }], label: ':', help: 'jump to a section' },
  { command: 'filter', keys: [{ char: '/' }], label: '/', help: 'filter every list (Esc clears)' },
  { command: 'nextMatch', keys: [{ char: 'n' }], label: 'n', help: 'next match of the filter' },
  { command: 'prevMatch', keys: [{ char: 'N' }], label: 'N', help: 'previous match of the filter' },
  { command: 'accept', keys: [{ char: 'a' }], label: 'a', help: 'accept the finding (on a pattern: all of them)' },
  { command: 'reject', keys: [{ char: 'r' }], label: 'r', help: 'reject the finding and say why (Esc takes it back)' },
  { command: 'pending', keys: [{ char: 'u' }], label: 'u', help: 'back to pending' },
  { command: 'note', keys: [{ char: 'c' }], label: 'c', help: 'comment: edit the note of the finding' },
  { command: 'copy', keys: [{ char: 'y' }], label: 'y', help: "copy the finding's up SQL, the cell's SQL, or the migration" },
  { command: 'copyDown', keys: [{ char: 'Y' }], label: 'Y', help: "copy the finding's down SQL" },
  { command: 'toggleSql', keys: [{ char: 's' }], label: 's', help: 'show / hide the SQL of each cell' },
  { command: 'write', keys: [{ char: 'w' }], label: 'w', help: 'review the migration, then write it with the snapshot' },
  { command: 'export', keys: [{ char: 'x' }], label: 'x', help: 'export the migration for a migration tool' },
  { command: 'quit', keys: [{ char: 'q' }], label: 'q', help: 'quit (asks before losing unsaved decisions)' },
  { command: 'interrupt', keys: [{ ctrl: 'c' }], label: 'ctrl-c', help: 'quit with exit status 130 (asks the same)' },
  { command: 'help', keys: [{ char: '?' }], label: '?', help: 'this help' },
  { command: 'cancel', keys: [{ key: 'escape' }], label: 'Esc', help: 'cancel the running probes / close / clear the filter' },
  { command: 'rerun', keys: [{ char: 'R' }], label: 'R', help: 'run again the sections that were cancelled or lost the connection' },
  { command: 'scratch', keys: [{ char: 'e' }], label: 'e', help: 'write a new cell of your own in this section (ctrl-r runs it, Esc keeps it)' },
  { command: 'editScratch', keys: [{ char: 'E' }], label: 'E', help: 'edit your cell' },
  { command: 'runScratch', keys: [{ ctrl: 'r' }], label: 'ctrl-r', help: 'run your cell again (read-only, same timeouts; Esc cancels it)' },
  { command: 'deleteScratch', keys: [{ char: 'D' }], label: 'D', help: 'delete your cell' },
  { command: 'explain', keys: [{ char: 'p' }], label: 'p', help: "plan a workload row's, a finding's or your cell's statement (and with its index)" },
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

/** One key press: what ink reports for one event, or one character of a run of text that arrived in one read. */
export interface KeyPress {
  input: string;
  key: KeyState;
}

const SPECIAL: (keyof KeyState)[] = ['upArrow', 'downArrow', 'pageUp', 'pageDown', 'home', 'end', 'return', 'escape', 'tab', 'backspace', 'delete', 'leftArrow', 'rightArrow'];

/**
 * The key presses in one input event. Keys typed faster than the terminal is read (a held `j`, `jjj` sent at
 * once over ssh) arrive as one string; each of its characters is a key of its own, control characters
 * included (enter, tab, backspace, ctrl-letters).
 */
export function splitKeys(input: string, key: KeyState): KeyPress[] {
  if ([...input].length <= 1 || SPECIAL.some((k) => key[k]) || key.ctrl || key.meta) return [{ input, key }];
  const out: KeyPress[] = [];
  for (const ch of input) {
    const code = ch.codePointAt(0)!;
    if (ch === '\r' || ch === '\n') out.push({ input: '', key: { return: true } });
    else if (ch === '\t') out.push({ input: '', key: { tab: true } });
    else if (ch === '\u007f' || ch === '\b') out.push({ input: '', key: { backspace: true } });
    else if (code < 0x20) out.push({ input: String.fromCharCode(code + 96), key: { ctrl: true } });
    else out.push({ input: ch, key: { shift: /[A-Z]/.test(ch) } });
  }
  return out;
}
