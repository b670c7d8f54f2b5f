// Index names for proposals: deterministic, in the Postgres style, within the 63-byte limit and
// clear of the relations a schema already has; and the size a new index will take.
import { createHash } from 'node:crypto';

export const MAX_IDENTIFIER_BYTES = 63;

export { quoteIdent, qualified } from '../index-spec.ts';

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character. */
export function truncateBytes(s: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * `<table>_<part>_<part>_idx`, as Postgres names indexes itself; when that exceeds 63 bytes the
 * stem is cut and an 8-hex hash of the full name keeps it unique and stable. `taken` holds the
 * relation names already used in the schema: a clash gets `_2`, `_3` … so that
 * CREATE INDEX IF NOT EXISTS can never silently skip because of an unrelated relation.
 */
export function indexName(table: string, parts: string[], taken: ReadonlySet<string> = new Set()): string {
  const full = `${table}_${parts.join('_')}_idx`;
  const fit = (name: string, suffix: string) => {
    if (Buffer.byteLength(name + suffix, 'utf8') <= MAX_IDENTIFIER_BYTES) return name + suffix;
    const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
    const tail = `_${hash}_idx${suffix}`;
    return truncateBytes(name.replace(/_idx$/, ''), MAX_IDENTIFIER_BYTES - Buffer.byteLength(tail, 'utf8')) + tail;
  };
  let name = fit(full, '');
  for (let n = 2; taken.has(name); n++) name = fit(full, `_${n}`);
  return name;
}

/**
 * Estimated btree size: per entry an 8-byte tuple header + 4-byte line pointer + the MAXALIGNed
 * key widths, pages filled to the default fillfactor 90 %, plus one metapage.
 */
export function estimateIndexBytes(rows: number, keyWidths: number[], blockSize = 8192): number {
  const align = (n: number) => Math.ceil(n / 8) * 8;
  const entry = align(8 + keyWidths.reduce((a, b) => a + b, 0)) + 4;
  const perPage = Math.max(1, Math.floor(((blockSize - 24 - 16) * 0.9) / entry));
  return (Math.ceil(Math.max(rows, 1) / perPage) + 1) * blockSize;
}
