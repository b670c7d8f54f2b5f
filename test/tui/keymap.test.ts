import { describe, expect, it } from 'vitest';
import { commandFor, helpRows, KEYMAP, splitKeys } from '../../src/review/keymap.ts';

describe('key map', () => {
  it('maps the keys of the design', () => {
    expect(commandFor('', { upArrow: true })).toBe('up');
    expect(commandFor('k', {})).toBe('up');
    expect(commandFor('', { downArrow: true })).toBe('down');
    expect(commandFor('j', {})).toBe('down');
    expect(commandFor('', { return: true })).toBe('open');
    expect(commandFor('', { tab: true })).toBe('nextSection');
    expect(commandFor('', { tab: true, shift: true })).toBe('prevSection');
    expect(commandFor('a', {})).toBe('accept');
    expect(commandFor('r', {})).toBe('reject');
    expect(commandFor('u', {})).toBe('pending');
    expect(commandFor('c', {})).toBe('note');
    expect(commandFor('n', {})).toBe('nextMatch');
    expect(commandFor('N', { shift: true })).toBe('prevMatch');
    expect(commandFor('/', {})).toBe('filter');
    expect(commandFor(':', {})).toBe('jump');
    expect(commandFor('y', {})).toBe('copy');
    expect(commandFor('Y', { shift: true })).toBe('copyDown');
    expect(commandFor('o', {})).toBe('notebook');
    expect(commandFor('x', {})).toBe('export');
    expect(commandFor('s', {})).toBe('toggleSql');
    expect(commandFor('w', {})).toBe('write');
    expect(commandFor('q', {})).toBe('quit');
    expect(commandFor('?', {})).toBe('help');
    expect(commandFor('', { escape: true, meta: true })).toBe('cancel');
    expect(commandFor('', { pageUp: true })).toBe('pageUp');
    expect(commandFor('', { pageDown: true })).toBe('pageDown');
    expect(commandFor('', { home: true })).toBe('home');
    expect(commandFor('G', { shift: true })).toBe('end');
  });

  it('fires no shortcut with ctrl or meta held, except ctrl-c which quits with status 130', () => {
    expect(commandFor('a', { ctrl: true })).toBeNull();
    expect(commandFor('w', { meta: true })).toBeNull();
    expect(commandFor('q', { meta: true })).toBeNull();
    expect(commandFor('', { upArrow: true, ctrl: true })).toBeNull();
    expect(commandFor('c', { ctrl: true })).toBe('interrupt');
  });

  it('ignores keys it does not know', () => {
    expect(commandFor('z', {})).toBeNull();
    expect(commandFor('A', { shift: true })).toBeNull();
    expect(commandFor('', {})).toBeNull();
  });

  it('generates the help rows from the same map, one per command', () => {
    const rows = helpRows();
    expect(rows).toHaveLength(KEYMAP.length);
    expect(new Set(KEYMAP.map((b) => b.command)).size).toBe(KEYMAP.length);
    expect(rows.find((r) => r.keys === 'a')?.help).toMatch(/accept/);
    expect(rows.find((r) => r.keys === 'shift-tab')?.help).toMatch(/previous section/);
    // every key named in the design is in the help
    for (const label of ['↑ k', '↓ j', 'enter', 'tab', 'a', 'r', 'u', 'c', 'n', 'N', '/', ':', 'y', 'Y', 's', 'w', 'x', 'q', 'ctrl-c', '?', 'Esc', 'PgUp', 'PgDn']) {
      expect(rows.map((r) => r.keys)).toContain(label);
    }
  });
});

describe('keys of one read', () => {
  it('are split into one press per character, control characters included', () => {
    expect(splitKeys('jjj', {})).toEqual([{ input: 'j', key: { shift: false } }, { input: 'j', key: { shift: false } }, { input: 'j', key: { shift: false } }]);
    expect(splitKeys('aG\r\t\u007f\u0003', {})).toEqual([
      { input: 'a', key: { shift: false } },
      { input: 'G', key: { shift: true } },
      { input: '', key: { return: true } },
      { input: '', key: { tab: true } },
      { input: '', key: { backspace: true } },
      { input: 'c', key: { ctrl: true } },
    ]);
    // one key, or a special key, stays as it came
    expect(splitKeys('j', {})).toEqual([{ input: 'j', key: {} }]);
    expect(splitKeys('', { upArrow: true })).toEqual([{ input: '', key: { upArrow: true } }]);
  });
});
