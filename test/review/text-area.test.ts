// The scratch cell editor's text, key by key.
import { describe, expect, it } from 'vitest';
import { areaText, editArea, textArea, type AreaEdit, type TextArea } from '../../src/review/text-area.ts';

const apply = (a: TextArea, ...edits: AreaEdit[]) => edits.reduce(editArea, a);

describe('the cell editor', () => {
  it('enter keeps the indent; backspace at a line start joins it to the line above', () => {
    let a = apply(textArea(''), { type: 'insert', text: 'SELECT 1' }, { type: 'newline' }, { type: 'insert', text: '  FROM t' }, { type: 'newline' }, { type: 'insert', text: 'WHERE' });
    expect(areaText(a)).toBe('SELECT 1\n  FROM t\n  WHERE');
    a = apply(a, { type: 'home' }, { type: 'backspace' });
    expect(areaText(a)).toBe('SELECT 1\n  FROM t  WHERE');
    expect([a.row, a.col]).toEqual([1, 8]);
  });

  it('a paste with line breaks and tabs lands as copied, the caret after it', () => {
    const a = apply(textArea('ab'), { type: 'left' }, { type: 'insert', text: 'x\r\n\ty\nz' });
    expect(a.lines).toEqual(['ax', '  y', 'zb']);
    expect([a.row, a.col]).toEqual([2, 1]);
  });

  it('delete at a line end joins the next; up/down keep the column where they can', () => {
    let a = textArea('long line\nab\nanother line');
    a = apply(a, { type: 'up' }, { type: 'up' });
    expect([a.row, a.col]).toEqual([0, 2]);
    a = apply(a, { type: 'down' });
    expect([a.row, a.col]).toEqual([1, 2]);
    a = apply(a, { type: 'delete' });
    expect(a.lines).toEqual(['long line', 'abanother line']);
    expect(apply(textArea('x'), { type: 'delete' }).lines).toEqual(['x']);
    expect(apply(textArea('x'), { type: 'home' }, { type: 'backspace' }).lines).toEqual(['x']);
  });

  it('ctrl-u, ctrl-k and ctrl-w cut before the caret, after it, and the word before it', () => {
    const a = apply(textArea('SELECT a, b FROM t'), { type: 'left' }, { type: 'left' });
    expect(areaText(apply(a, { type: 'clear-before' }))).toBe(' t');
    expect(areaText(apply(a, { type: 'clear-after' }))).toBe('SELECT a, b FROM');
    expect(areaText(apply(a, { type: 'delete-word' }))).toBe('SELECT a, b  t');
  });
});

describe('the cell editor with wide and hostile text', () => {
  it('steps over an emoji whole, and drops a pasted escape sequence', () => {
    const a = apply(textArea("SELECT '😀'"), { type: 'left' }, { type: 'backspace' });
    expect(areaText(a)).toBe("SELECT ''");
    expect(areaText(apply(textArea(''), { type: 'insert', text: 'SELECT 1\x1b[2J\x07' }))).toBe('SELECT 1[2J');
  });
});
