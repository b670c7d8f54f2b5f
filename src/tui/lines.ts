// A screen line as data: styled segments, one terminal row each. The notebook is laid out into
// these first, so only the rows in view become ink elements.
import { shownSql, wrapSql } from './sql-wrap.ts';
import { displayWidth, printable, wrap } from './text.ts';

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  inverse?: boolean;
  /** filled in at render time from the decisions, so a decision never re-lays the notebook out */
  slot?: 'decision' | 'pattern';
}

export interface Line {
  segs: Seg[];
  /** index of the section item this row belongs to (cells and findings); none for prose */
  item?: number;
  /** the finding whose decision fills this row's slots */
  finding?: string;
  /** the findings of a pattern whose decisions fill its mark */
  pattern?: string[];
}

export const blank = (item?: number): Line => ({ segs: [], item });

export function line(segs: Seg[] | string, item?: number): Line {
  return { segs: typeof segs === 'string' ? [{ text: segs }] : segs, item };
}

export function lineText(l: Line): string {
  return l.segs.map((s) => s.text).join('');
}

/**
 * Word-wraps styled text; `indent` starts every row (the first may use `firstIndent`). A word is what
 * lies between spaces, even when its pieces differ in style ("(`code`)" never breaks inside).
 */
export function wrapSegs(segs: Seg[], width: number, indent = '', firstIndent = indent, item?: number): Line[] {
  const words: Seg[][] = [];
  let pendingSpace = true;
  for (const seg of segs) {
    for (const p of seg.text.split(/( +)/)) {
      if (p === '') continue;
      if (/^ +$/.test(p)) {
        pendingSpace = true;
        continue;
      }
      if (pendingSpace || !words.length) words.push([]);
      words[words.length - 1].push({ ...seg, text: p });
      pendingSpace = false;
    }
  }
  const avail = Math.max(1, width);
  const out: Line[] = [];
  let cur: Seg[] = [{ text: firstIndent }];
  let curWidth = displayWidth(firstIndent);
  let empty = true;
  const newLine = () => {
    out.push({ segs: cur, item });
    cur = [{ text: indent }];
    curWidth = displayWidth(indent);
    empty = true;
  };
  for (const word of words) {
    const w = word.reduce((n, s) => n + displayWidth(s.text), 0);
    // a word longer than a whole line starts right here and is cut; others move to the next line
    if (!empty && curWidth + 1 + w > avail && w <= avail - displayWidth(indent)) newLine();
    if (!empty) {
      cur.push({ text: ' ' });
      curWidth++;
    }
    for (const piece of word) {
      let text = piece.text;
      // a word longer than the line: cut hard
      while (curWidth + displayWidth(text) > avail && displayWidth(text) > 0) {
        const room = avail - curWidth;
        if (room <= 0) {
          newLine();
          continue;
        }
        const head = wrap(text, room)[0];
        cur.push({ ...piece, text: head });
        text = text.slice(head.length);
        newLine();
      }
      if (text) {
        cur.push({ ...piece, text });
        curWidth += displayWidth(text);
      }
      empty = false;
    }
  }
  if (!empty || out.length === 0) out.push({ segs: cur, item });
  return out;
}

/**
 * SQL (or other verbatim text) as rows: hostile names in Postgres's escape syntax (shownSql), broken only
 * between tokens (see wrapSql), each row made printable.
 */
export function sqlLines(text: string, width: number, indent: string, style: Omit<Seg, 'text'>, item?: number): Line[] {
  return wrapSql(shownSql(text), width - displayWidth(indent)).map((row) => ({ segs: [{ text: indent }, { ...style, text: printable(row) }], item }));
}
