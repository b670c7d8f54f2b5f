// The engineer's own cells ("scratch cells"): SQL typed in the TUI, kept with the section it was typed in,
// run on the same read-only path as every notebook cell — its own read-only transaction, the session's
// statement and lock timeouts, the pgadvisor marker — and rolled back rather than committed, so even a
// set_config(…, false) leaves nothing behind. A statement that would write goes to the server, which refuses
// it; it is never run anywhere else. What would change the session itself is refused before it is sent.
import { CancelledError } from '../db/read-only.ts';
import { clean } from '../db/errors.ts';
import type { Row } from '../playbooks/types.ts';

/** Rows of a scratch cell's result kept (shown and saved); the count says how many there were. */
export const SCRATCH_ROW_CAP = 200;

export interface ScratchRun {
  status: 'ok' | 'error' | 'timeout' | 'cancelled';
  /** the server's error, the refusal, or why it stopped */
  reason: string | null;
  /** ISO time the run started */
  ranAt: string;
  durationMs: number;
  columns: string[];
  rows: Row[];
  rowCount: number;
  truncated: boolean;
}

export interface ScratchCell {
  /** unique within the review: `scratch-<n>` */
  id: string;
  /** the playbook (section) it was written in */
  playbook: string;
  sql: string;
  createdAt: string;
  editedAt: string;
  /** the last run, or null before the first */
  run: ScratchRun | null;
}

/** What runs a scratch cell: ReadOnlyDb.scratch. */
export interface ScratchDb {
  scratch(sql: string, signal?: AbortSignal): Promise<{ columns: string[]; rows: Row[] }>;
  readonly options: { statementTimeoutMs: number };
}

// Statements that act on the session or the transaction rather than read: they would end the read-only
// transaction, outlive it (PREPARE, a SET behind a transaction-mode pooler) or cannot run through it.
const SESSION_STATEMENT = /^(set|reset|begin|start|commit|end|rollback|abort|discard|savepoint|release|prepare|deallocate|execute|listen|unlisten|notify|lock|do|call|copy|vacuum|analyze|checkpoint|cluster|reindex|load)\b/i;

/** The SQL without leading comments and whitespace. */
function leading(sql: string): string {
  let s = sql;
  for (;;) {
    const t = s.replace(/^\s+/, '');
    if (t.startsWith('--')) s = t.replace(/^--[^\n]*\n?/, '');
    else if (t.startsWith('/*')) {
      const end = t.indexOf('*/');
      s = end < 0 ? '' : t.slice(end + 2);
    } else return t;
  }
}

/** Why a scratch cell's SQL is not sent, or null. Writes are the server's to refuse. */
export function scratchRefusal(sql: string): string | null {
  const head = leading(sql);
  if (!head.replace(/;\s*$/, '').trim()) return 'nothing to run: the cell is empty';
  const m = SESSION_STATEMENT.exec(head);
  if (m) return `not sent: ${m[1].toUpperCase()} acts on the session or its transaction; a scratch cell is one read-only query (SELECT, EXPLAIN, SHOW, TABLE, VALUES, WITH …)`;
  return null;
}

/** Runs one scratch cell; the result is the cell's, an error included (never thrown, but for a lost connection). */
export async function runScratch(db: ScratchDb, sql: string, opts: { signal?: AbortSignal; now?: () => Date } = {}): Promise<ScratchRun> {
  const ranAt = (opts.now?.() ?? new Date()).toISOString();
  const empty = { columns: [], rows: [], rowCount: 0, truncated: false };
  const refused = scratchRefusal(sql);
  if (refused) return { status: 'error', reason: refused, ranAt, durationMs: 0, ...empty };
  const started = performance.now();
  const took = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const { columns, rows } = await db.scratch(sql.trim().replace(/;\s*$/, ''), opts.signal);
    return { status: 'ok', reason: null, ranAt, durationMs: took(), columns, rows: rows.slice(0, SCRATCH_ROW_CAP), rowCount: rows.length, truncated: rows.length > SCRATCH_ROW_CAP };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (err instanceof CancelledError || (opts.signal?.aborted && e.code === '57014')) return { status: 'cancelled', reason: 'cancelled (the server-side query was cancelled)', ranAt, durationMs: took(), ...empty };
    if (e.code === '57014') return { status: 'timeout', reason: `timed out after statement_timeout ${db.options.statementTimeoutMs / 1000} s`, ranAt, durationMs: took(), ...empty };
    const code = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? ` (SQLSTATE ${e.code})` : '';
    return { status: 'error', reason: `${clean(e.message ?? String(err))}${code}`, ranAt, durationMs: took(), ...empty };
  }
}
