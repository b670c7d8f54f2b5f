// A screen line as data: styled segments, one terminal row each. The notebook is laid out into
// these first, so only the rows in view become ink elements.
import { displayWidth, printable, wrap } from './text.ts';

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  inverse?: boolean;
  /** filled in at render time from the decisions, so a decision never re-lays the notebook out */
  slot?: 'decision';
}

export interface Line {
  segs: Seg[];
  /** index of the section item this row belongs to (cells and findings); none for prose */
  item?: number;
  /** the finding whose decision fills this row's slots */
  finding?: string;
}

export const blank = (item?: number): Line => ({ segs: [], item });

export function line(segs: Seg[] | string, item?: number): Line {
  return { segs: typeof segs === 'string' ? [{ text: segs }] : segs, item };
}

export function lineText(l: Line): string {
  return l.segs.map((s) => s.text).join('');
}

/** Word-wraps styled tokens; `indent` starts every row (the first may use `firstIndent`). */
export function wrapSegs(segs: Seg[], width: number, indent = '', firstIndent = indent, item?: number): Line[] {
  type Tok = { seg: Seg; space: boolean };
  const toks: Tok[] = [];
  let pendingSpace = false;
  for (const seg of segs) {
    const parts = seg.text.split(/( +)/);
    for (const p of parts) {
      if (p === '') continue;
      if (/^ +$/.test(p)) {
        pendingSpace = true;
        continue;
      }
      toks.push({ seg: { ...seg, text: p }, space: pendingSpace });
      pendingSpace = false;
    }
  }
  const out: Line[] = [];
  let cur: Seg[] = [{ text: firstIndent }];
  let curWidth = displayWidth(firstIndent);
  let empty = true;
  const avail = () => Math.max(1, width);
  for (const t of toks) {
    const w = displayWidth(t.seg.text);
    const gap = !empty && t.space ? 1 : 0;
    if (!empty && curWidth + gap + w > avail()) {
      out.push({ segs: cur, item });
      cur = [{ text: indent }];
      curWidth = displayWidth(indent);
      empty = true;
    }
    if (!empty && t.space) {
      cur.push({ text: ' ' });
      curWidth++;
    }
    if (curWidth + w > avail()) {
      // a word longer than the line: cut hard
      const pieces = wrap(t.seg.text, Math.max(1, avail() - curWidth));
      for (let i = 0; i < pieces.length - 1; i++) {
        cur.push({ ...t.seg, text: pieces[i] });
        out.push({ segs: cur, item });
        cur = [{ text: indent }];
        curWidth = displayWidth(indent);
      }
      cur.push({ ...t.seg, text: pieces[pieces.length - 1] });
      curWidth += displayWidth(pieces[pieces.length - 1]);
    } else {
      cur.push(t.seg);
      curWidth += w;
    }
    empty = false;
  }
  if (!empty || out.length === 0) out.push({ segs: cur, item });
  return out;
}

/** Verbatim text (SQL) broken at spaces to fit, keeping each source line's indentation. */
export function verbatim(text: string, width: number, indent: string, style: Omit<Seg, 'text'>, item?: number): Line[] {
  const out: Line[] = [];
  for (const source of text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').split('\n')) {
    const raw = printable(source);
    const lead = /^ */.exec(raw)![0];
    const body = raw.slice(lead.length);
    const room = Math.max(8, width - displayWidth(indent) - lead.length);
    const pieces = body === '' ? [''] : wrap(body, room);
    pieces.forEach((p, i) => out.push({ segs: [{ text: indent + lead + (i ? '  ' : '') }, { ...style, text: p }], item }));
  }
  return out;
}
