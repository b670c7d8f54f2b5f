import { describe, expect, it } from 'vitest';
import { commandFor, helpRows, KEYMAP } from '../../src/review/keymap.ts';

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
    expect(commandFor('n', {})).toBe('note');
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

  it('fires no shortcut with ctrl or meta held, except ctrl-c which quits like q', () => {
    expect(commandFor('a', { ctrl: true })).toBeNull();
    expect(commandFor('w', { meta: true })).toBeNull();
    expect(commandFor('q', { meta: true })).toBeNull();
    expect(commandFor('', { upArrow: true, ctrl: true })).toBeNull();
    expect(commandFor('c', { ctrl: true })).toBe('quit');
    expect(commandFor('c', {})).toBeNull();
  });

  it('ignores keys it does not know', () => {
    expect(commandFor('x', {})).toBeNull();
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
    for (const label of ['↑ k', '↓ j', 'enter', 'tab', 'a', 'r', 'u', 'n', 's', 'w', 'q ctrl-c', '?', 'Esc', 'PgUp', 'PgDn']) {
      expect(rows.map((r) => r.keys)).toContain(label);
    }
  });
});
