// What applying a finding risks: the lock its `up` takes, the size of the table it touches, whether it
// rewrites or scans that table. The lock comes from the finding's evidence when the check states it
// (`evidence.lock`), else from the parse tree of its `up`.
import type { Finding } from '../playbooks/types.ts';
import { combinedLock, LOCK_MODES, type LockMode, type StatementLock } from '../migration/locks.ts';
import { splitStatements } from '../migration/statements.ts';
import { impactOf, parseSize } from './rank.ts';

export interface Risk {
  /** null: takes no table lock; 'unknown': neither the evidence nor the parser can tell */
  lock: LockMode | null | 'unknown';
  /** where the lock came from */
  lockFrom: 'evidence' | 'parse' | 'none';
  rewrites: 'yes' | 'maybe' | 'no';
  scans: boolean;
  /** bytes of the table (or index) the finding concerns, when the evidence says */
  tableBytes: number | null;
}

function lockMode(v: unknown): LockMode | null | undefined {
  if (typeof v !== 'string') return undefined;
  // "SHARE UPDATE EXCLUSIVE", "share_update_exclusive" or pg_locks' "ShareUpdateExclusiveLock"
  const name = v
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase()
    .replace(/_/g, ' ')
    .replace(/\s+LOCK$/, '')
    .replace(/\s+/g, ' ');
  if (name === '' || name === 'NONE') return null;
  return (LOCK_MODES as readonly string[]).includes(name) ? (name as LockMode) : undefined;
}

/** `evidence.lock` as a check states it: a mode ("SHARE UPDATE EXCLUSIVE", "ShareUpdateExclusiveLock") or `{ mode|level, rewrites, scans }`. */
export function evidenceLock(evidence: Record<string, unknown>): Partial<StatementLock> | null {
  const v = evidence.lock;
  const direct = lockMode(v);
  if (direct !== undefined) return { mode: direct };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const mode = lockMode(o.mode ?? o.level ?? o.lock);
    if (mode === undefined) return null;
    const out: Partial<StatementLock> = { mode };
    const rw = o.rewrites ?? o.rewrite;
    if (typeof rw === 'boolean') out.rewrites = rw ? 'yes' : 'no';
    else if (rw === 'maybe' || rw === 'yes' || rw === 'no') out.rewrites = rw;
    if (typeof o.scans === 'boolean') out.scans = o.scans;
    // the notebooks' shape (src/playbooks/locks.ts): how long the lock is held says whether it rewrites or scans
    if (o.held === 'rewrite') out.rewrites = 'yes';
    if (o.held === 'scan') out.scans = true;
    return out;
  }
  return null;
}

function tableBytes(f: Pick<Finding, 'evidence'>): number | null {
  const e = f.evidence;
  for (const k of ['table_bytes', 'total_bytes']) if (typeof e[k] === 'number') return e[k] as number;
  return parseSize(e.table_size) ?? impactOf(f).bytes;
}

/** The parse tree's verdict on an `up` (null when it does not parse). */
export function upLock(up: string): StatementLock | null {
  try {
    return combinedLock(splitStatements(up, 'up').map((s) => s.node));
  } catch {
    return null;
  }
}

export function riskOf(f: Pick<Finding, 'evidence' | 'up'>): Risk {
  const bytes = tableBytes(f);
  const stated = evidenceLock(f.evidence);
  const rewritesStated = typeof f.evidence.rewrites_table === 'boolean' ? (f.evidence.rewrites_table ? 'yes' : 'no') : null;
  if (!f.up) return { lock: null, lockFrom: 'none', rewrites: 'no', scans: false, tableBytes: bytes };
  const parsed = upLock(f.up);
  const lock = stated && stated.mode !== undefined ? stated.mode : parsed?.known ? parsed.mode : parsed && parsed.mode ? parsed.mode : 'unknown';
  return {
    lock,
    lockFrom: stated && stated.mode !== undefined ? 'evidence' : 'parse',
    rewrites: stated?.rewrites ?? rewritesStated ?? parsed?.rewrites ?? 'no',
    scans: stated?.scans ?? parsed?.scans ?? false,
    tableBytes: bytes,
  };
}

const risks = new WeakMap<object, Risk>();

export function cachedRisk(f: Finding): Risk {
  let r = risks.get(f);
  if (!r) risks.set(f, (r = riskOf(f)));
  return r;
}
