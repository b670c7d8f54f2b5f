// A one-line text field edited key by key (the note box, the filter line). Handled here rather than by an
// input component so that keys arriving together in one read are applied in order, whatever they open.
export interface Field {
  text: string;
  caret: number;
}

export type LineEdit =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  /** ctrl-u: everything before the caret */
  | { type: 'clear-before' }
  /** ctrl-w: the word before the caret */
  | { type: 'delete-word' };

// Positions are in UTF-16 units; moves and deletions step over surrogate pairs whole.
const isLow = (s: string, i: number) => i > 0 && i < s.length && /[\udc00-\udfff]/.test(s[i]) && /[\ud800-\udbff]/.test(s[i - 1]);
export const prev = (s: string, i: number) => Math.max(0, i - (isLow(s, i - 1) ? 2 : 1));
export const next = (s: string, i: number) => Math.min(s.length, i + (isLow(s, i + 1) ? 2 : 1));

/** The subset of ink's Key a text field reads. */
export interface EditKey {
  backspace?: boolean;
  delete?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  home?: boolean;
  end?: boolean;
  tab?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

/** The edit a key makes in a one-line field, or null: the shell's keys (ctrl-a/e home/end, ctrl-u, ctrl-w). */
export function lineEditFor(input: string, key: EditKey): LineEdit | null {
  if (key.backspace) return { type: 'backspace' };
  if (key.delete) return { type: 'delete' };
  if (key.leftArrow) return { type: 'left' };
  if (key.rightArrow) return { type: 'right' };
  if (key.home || (key.ctrl && input === 'a')) return { type: 'home' };
  if (key.end || (key.ctrl && input === 'e')) return { type: 'end' };
  if (key.ctrl && input === 'u') return { type: 'clear-before' };
  if (key.ctrl && input === 'w') return { type: 'delete-word' };
  return !key.ctrl && !key.meta && !key.tab && input ? { type: 'insert', text: input } : null;
}

export function editLine(f: Field, e: LineEdit): Field {
  const { text, caret } = f;
  switch (e.type) {
    case 'insert': {
      // control characters never get into a note: a pasted newline or tab becomes a space
      const clean = e.text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
      return { text: text.slice(0, caret) + clean + text.slice(caret), caret: caret + clean.length };
    }
    case 'backspace': {
      if (caret === 0) return f;
      const p = prev(text, caret);
      return { text: text.slice(0, p) + text.slice(caret), caret: p };
    }
    case 'delete':
      return caret >= text.length ? f : { text: text.slice(0, caret) + text.slice(next(text, caret)), caret };
    case 'left':
      return { text, caret: prev(text, caret) };
    case 'right':
      return { text, caret: next(text, caret) };
    case 'home':
      return { text, caret: 0 };
    case 'end':
      return { text, caret: text.length };
    case 'clear-before':
      return { text: text.slice(caret), caret: 0 };
    case 'delete-word': {
      const before = text.slice(0, caret).replace(/\S+\s*$/, '');
      return { text: before + text.slice(caret), caret: before.length };
    }
  }
}
