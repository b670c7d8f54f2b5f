// The lines of a large file, read in 1 MiB blocks: each block is cut after its last newline byte (never inside
// a UTF-8 character), decoded at once and split with indexOf (or handed whole to a reader of its own). Line breaks are read as readline reads them
// (\n, \r\n, a lone \r); the last line counts without a final newline. `fn` gets each line synchronously.
import { open } from 'node:fs/promises';

const BLOCK = 1 << 20;

export async function eachLine(path: string, fn: (line: string) => void, signal?: AbortSignal): Promise<void> {
  await eachBlock(path, (text, last) => splitLines(text, fn, last), signal);
}

/** The file's text in blocks that end with a line break (`last`: the file's last piece, which may not). */
export async function eachBlock(path: string, fn: (text: string, last: boolean) => void, signal?: AbortSignal): Promise<void> {
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(BLOCK);
    let have = 0;
    for (;;) {
      signal?.throwIfAborted();
      // a line longer than the buffer: the buffer grows to hold it
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, have, buf.length - have, null);
      if (!bytesRead) break;
      const end = have + bytesRead;
      const nl = buf.lastIndexOf(10, end - 1);
      if (nl < 0) {
        have = end;
        continue;
      }
      fn(buf.toString('utf8', 0, nl + 1), false);
      buf.copy(buf, 0, nl + 1, end);
      have = end - nl - 1;
    }
    if (have) fn(buf.toString('utf8', 0, have), true);
  } finally {
    await handle.close();
  }
}

/** The lines of `text`, which ends with a line break unless it is the file's last piece (`last`). */
export function splitLines(text: string, fn: (line: string) => void, last: boolean): void {
  if (text.includes('\r')) {
    const lines = text.split(/\r\n|\n|\r/);
    // a text ending with a break leaves an empty piece after it
    const n = lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
    for (let i = 0; i < n; i++) fn(lines[i]);
    return;
  }
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) break;
    fn(text.slice(from, nl));
    from = nl + 1;
  }
  if (last && from < text.length) fn(text.slice(from));
}

/** A string of its own: a line is a slice of its block, and a slice keeps the whole block alive while it is held. */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
