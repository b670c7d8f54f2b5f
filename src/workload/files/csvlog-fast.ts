// csvlog records read straight from the file's blocks: PostgreSQL writes csvlog plainly (fields separated by
// commas, text fields in double quotes with "" for a quote, a record per line except where a quoted field holds
// line breaks), so a record is a few indexOf calls. Anything else (a carriage return, a quote out of place, a
// quote left open at the end) is not read here: the reader says so and the file is read again through
// csv-parse, which gives the same records and skips what it cannot read.
import { eachBlock } from './lines.ts';

/** Thrown when the file holds something the plain reading leaves to csv-parse. */
export class NotPlainCsv extends Error {}

/** Each record with the line it ends on (as csv-parse's info.lines counts). */
export async function eachCsvRecord(path: string, fn: (line: number, fields: string[]) => void, signal?: AbortSignal): Promise<void> {
  let carry = '';
  let line = 1;
  let first = true;
  await eachBlock(
    path,
    (block, last) => {
      let text = carry ? carry + block : block;
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      if (text.includes('\r')) throw new NotPlainCsv();
      let pos = 0;
      while (pos < text.length) {
        const r = readRecord(text, pos, last);
        if (r === null) break;
        line += r.newlines;
        fn(line - 1, r.fields);
        pos = r.end;
      }
      carry = text.slice(pos);
      if (last && carry) throw new NotPlainCsv();
    },
    signal,
  );
  if (carry) throw new NotPlainCsv();
}

/** The record at `pos` (through its line break), or null when it goes on in the next block. */
function readRecord(text: string, pos: number, last: boolean): { fields: string[]; end: number; newlines: number } | null {
  const fields: string[] = [];
  let newlines = 0;
  for (;;) {
    if (text.charCodeAt(pos) === 34) {
      // a quoted field: up to the quote not doubled
      let close = text.indexOf('"', pos + 1);
      let doubled = false;
      while (close >= 0 && text.charCodeAt(close + 1) === 34) {
        doubled = true;
        close = text.indexOf('"', close + 2);
      }
      if (close < 0) {
        if (last) throw new NotPlainCsv();
        return null;
      }
      let value = text.slice(pos + 1, close);
      for (let nl = value.indexOf('\n'); nl >= 0; nl = value.indexOf('\n', nl + 1)) newlines++;
      if (doubled) value = value.replaceAll('""', '"');
      fields.push(value);
      pos = close + 1;
    } else {
      let end = pos;
      for (let c = text.charCodeAt(end); end < text.length && c !== 44 && c !== 10; c = text.charCodeAt(++end)) if (c === 34) throw new NotPlainCsv();
      fields.push(text.slice(pos, end));
      pos = end;
    }
    const c = text.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 10) return { fields, end: pos + 1, newlines: newlines + 1 };
    if (pos >= text.length) {
      if (!last) return null;
      return { fields, end: pos, newlines: newlines + 1 };
    }
    throw new NotPlainCsv();
  }
}
