// The lock a finding's `up` takes, stated in its evidence as `lock` — one shape for every check and analyzer,
// so a report can weigh each change by what it blocks and for how long.
import { LOCK_MODES as TABLE_LOCK_MODES, type LockMode as TableLockMode } from '../migration/locks.ts';

/** PostgreSQL's table-level lock modes, weakest first, after `none` for statements that lock no table. */
export const LOCK_MODES: readonly LockMode[] = ['none', ...TABLE_LOCK_MODES];
export type LockMode = 'none' | TableLockMode;

/** How long the strongest lock is held: a catalog change, a scan of the table, an index build, a rewrite. */
export const LOCK_HELD = ['brief', 'scan', 'build', 'rewrite'] as const;
export type LockHeld = (typeof LOCK_HELD)[number];

/** What each mode keeps from running on the locked relation while it is held (the documentation's conflict table). */
export const LOCK_BLOCKS: Record<LockMode, string> = {
  none: 'nothing: no table is locked',
  'ACCESS SHARE': 'only ACCESS EXCLUSIVE (DROP, TRUNCATE, most ALTER TABLE); reads and writes continue',
  'ROW SHARE': 'EXCLUSIVE and ACCESS EXCLUSIVE; reads and writes continue',
  'ROW EXCLUSIVE': 'CREATE INDEX (non-concurrent), CREATE TRIGGER and stronger locks; reads and writes continue',
  'SHARE UPDATE EXCLUSIVE': 'VACUUM (autovacuum too), ANALYZE, CREATE INDEX CONCURRENTLY and other schema changes; reads and writes continue',
  SHARE: 'INSERT, UPDATE, DELETE and VACUUM; reads continue',
  'SHARE ROW EXCLUSIVE': 'INSERT, UPDATE, DELETE (and nextval on a sequence) and VACUUM; reads continue',
  EXCLUSIVE: 'every write and SELECT … FOR UPDATE/SHARE; plain reads continue',
  'ACCESS EXCLUSIVE': 'every statement on the relation, plain SELECT included',
};

export interface LockEvidence {
  /** the strongest mode the statements take */
  mode: LockMode;
  /** the relations it is taken on, qualified and quoted as the server quotes them */
  on: string[];
  held: LockHeld;
  /** derived from mode */
  blocks: string;
  /** anything else worth knowing (weaker locks held longer, other relations touched) */
  note?: string;
}

/** Validates a `lock` object from a check row or an analyzer and adds `blocks`; throws a one-line message when it breaks the shape. */
export function normalizeLock(raw: unknown): LockEvidence {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('evidence.lock must be an object {mode, on, held}');
  const r = raw as Record<string, unknown>;
  const mode = r.mode as LockMode;
  if (!LOCK_MODES.includes(mode)) throw new Error(`evidence.lock.mode "${String(r.mode)}" is not one of ${LOCK_MODES.join(', ')}`);
  const held = r.held as LockHeld;
  if (!LOCK_HELD.includes(held)) throw new Error(`evidence.lock.held "${String(r.held)}" is not one of ${LOCK_HELD.join(', ')}`);
  const on = r.on == null ? [] : r.on;
  if (!Array.isArray(on) || on.some((x) => typeof x !== 'string')) throw new Error('evidence.lock.on must be a list of relation names');
  if (mode !== 'none' && on.length === 0) throw new Error(`evidence.lock names no relation for mode ${mode}`);
  const out: LockEvidence = { mode, on: on as string[], held, blocks: LOCK_BLOCKS[mode] };
  if (typeof r.note === 'string' && r.note) out.note = r.note;
  return out;
}

/** The `lock` evidence for analyzers, which build findings in TypeScript. */
export function lockOf(mode: LockMode, on: string[], held: LockHeld, note?: string): LockEvidence {
  return normalizeLock({ mode, on, held, note });
}
