// The scratch cell editor's text: lines and a caret, edited key by key (pure). Typing, enter (a new line
// with the indent of the one above), tab (two spaces), backspace and delete across lines, the arrows,
// home/end (ctrl-a/ctrl-e), ctrl-u (the line before the caret), ctrl-w (the word before it), ctrl-k (the
// rest of the line). A paste arrives as text with line breaks and lands as copied. Positions are in UTF-16
// units; moves and deletions step over surrogate pairs whole, as the one-line field's do.
import { lineEditFor, next, prev, type EditKey } from './line-edit.ts';

export interface TextArea {
  lines: string[];
  row: number;
  col: number;
}

export type AreaEdit =
  | { type: 'insert'; text: string }
  | { type: 'newline' }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'up' }
  | { type: 'down' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'clear-before' }
  | { type: 'clear-after' }
  | { type: 'delete-word' };

/** The edit a key makes in the editor, or null: the one-line field's keys, and enter, ↑/↓, tab, ctrl-k. */
export function areaEditFor(input: string, key: EditKey & { return?: boolean; upArrow?: boolean; downArrow?: boolean }): AreaEdit | null {
  if (key.return) return { type: 'newline' };
  if (key.upArrow) return { type: 'up' };
  if (key.downArrow) return { type: 'down' };
  if (key.tab) return { type: 'insert', text: '  ' };
  if (key.ctrl && input === 'k') return { type: 'clear-after' };
  return lineEditFor(input, key);
}

export function textArea(text = ''): TextArea {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return { lines, row: lines.length - 1, col: lines[lines.length - 1].length };
}

export function areaText(a: TextArea): string {
  return a.lines.join('\n');
}

export function editArea(a: TextArea, e: AreaEdit): TextArea {
  const lines = [...a.lines];
  const cur = lines[a.row];
  switch (e.type) {
    case 'insert': {
      // a pasted escape sequence or other control character never gets into the SQL
      const parts = e.text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '').split('\n');
      const before = cur.slice(0, a.col);
      const after = cur.slice(a.col);
      if (parts.length === 1) {
        lines[a.row] = before + parts[0] + after;
        return { lines, row: a.row, col: a.col + parts[0].length };
      }
      const last = parts[parts.length - 1];
      lines.splice(a.row, 1, before + parts[0], ...parts.slice(1, -1), last + after);
      return { lines, row: a.row + parts.length - 1, col: last.length };
    }
    case 'newline': {
      const indent = /^ */.exec(cur)![0].slice(0, a.col);
      lines.splice(a.row, 1, cur.slice(0, a.col), indent + cur.slice(a.col));
      return { lines, row: a.row + 1, col: indent.length };
    }
    case 'backspace':
      if (a.col > 0) {
        const p = prev(cur, a.col);
        lines[a.row] = cur.slice(0, p) + cur.slice(a.col);
        return { lines, row: a.row, col: p };
      }
      if (a.row === 0) return a;
      lines.splice(a.row - 1, 2, lines[a.row - 1] + cur);
      return { lines, row: a.row - 1, col: a.lines[a.row - 1].length };
    case 'delete':
      if (a.col < cur.length) {
        lines[a.row] = cur.slice(0, a.col) + cur.slice(next(cur, a.col));
        return { lines, row: a.row, col: a.col };
      }
      if (a.row === lines.length - 1) return a;
      lines.splice(a.row, 2, cur + lines[a.row + 1]);
      return { lines, row: a.row, col: a.col };
    case 'left':
      if (a.col > 0) return { ...a, col: prev(cur, a.col) };
      return a.row > 0 ? { ...a, row: a.row - 1, col: a.lines[a.row - 1].length } : a;
    case 'right':
      if (a.col < cur.length) return { ...a, col: next(cur, a.col) };
      return a.row < a.lines.length - 1 ? { ...a, row: a.row + 1, col: 0 } : a;
    case 'up':
      return a.row > 0 ? { ...a, row: a.row - 1, col: Math.min(a.col, a.lines[a.row - 1].length) } : { ...a, col: 0 };
    case 'down':
      return a.row < a.lines.length - 1 ? { ...a, row: a.row + 1, col: Math.min(a.col, a.lines[a.row + 1].length) } : { ...a, col: cur.length };
    case 'home':
      return { ...a, col: 0 };
    case 'end':
      return { ...a, col: cur.length };
    case 'clear-before':
      lines[a.row] = cur.slice(a.col);
      return { lines, row: a.row, col: 0 };
    case 'clear-after':
      lines[a.row] = cur.slice(0, a.col);
      return { lines, row: a.row, col: a.col };
    case 'delete-word': {
      const before = cur.slice(0, a.col).replace(/\S+\s*$|\s+$/, '');
      lines[a.row] = before + cur.slice(a.col);
      return { lines, row: a.row, col: before.length };
    }
  }
}
