// What applying a finding risks: the lock its `up` takes, how long that lock is held (a catalog change, a
// scan, an index build, a rewrite), the size of the table it touches. The lock comes from the finding's
// evidence when the check states it (`evidence.lock`), else from the parse tree of its `up`.
import type { Finding } from '../playbooks/types.ts';
import { combinedLock, LOCK_MODES, statementLock, type LockMode, type StatementLock } from '../migration/locks.ts';
import { splitStatements, type StmtNode } from '../migration/statements.ts';
import { impactOf, parseSize } from './rank.ts';

/** How long the strongest lock is held: a catalog change, a scan of the table, an index build, a rewrite. */
export type Held = 'brief' | 'scan' | 'build' | 'rewrite';
const HELD: readonly Held[] = ['brief', 'scan', 'build', 'rewrite'];

export interface Risk {
  /** null: takes no table lock; 'unknown': neither the evidence nor the parser can tell */
  lock: LockMode | null | 'unknown';
  /** where the lock came from */
  lockFrom: 'evidence' | 'parse' | 'none';
  rewrites: 'yes' | 'maybe' | 'no';
  scans: boolean;
  /** how long the lock is held; null when nothing is applied or nothing can tell */
  held: Held | null;
  /** the relations locked, as the evidence or the statements name them */
  on: string[];
  /** bytes of the table (or index) the finding concerns, when the evidence says */
  tableBytes: number | null;
}

/** What the lock of a statement that parsed is held for, from its parse tree. */
export function heldOf(node: StmtNode, lock: StatementLock): Held {
  const type = Object.keys(node)[0];
  if (lock.rewrites === 'yes') return 'rewrite';
  if (type === 'IndexStmt' || type === 'ReindexStmt') return 'build';
  if (lock.scans) return 'scan';
  return 'brief';
}

/** The relation a statement changes, as `schema.name` from its parse tree; null when it names none. */
export function statementRelation(node: StmtNode): string | null {
  const type = Object.keys(node)[0];
  const rel = node[type]?.relation;
  if (!rel || typeof rel.relname !== 'string') return null;
  return rel.schemaname ? `${rel.schemaname}.${rel.relname}` : rel.relname;
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
export function evidenceLock(evidence: Record<string, unknown>): StatedLock | null {
  const v = evidence.lock;
  const direct = lockMode(v);
  if (direct !== undefined) return { mode: direct };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const mode = lockMode(o.mode ?? o.level ?? o.lock);
    if (mode === undefined) return null;
    const out: StatedLock = { mode };
    const rw = o.rewrites ?? o.rewrite;
    if (typeof rw === 'boolean') out.rewrites = rw ? 'yes' : 'no';
    else if (rw === 'maybe' || rw === 'yes' || rw === 'no') out.rewrites = rw;
    if (typeof o.scans === 'boolean') out.scans = o.scans;
    if (HELD.includes(o.held as Held)) {
      out.held = o.held as Held;
      if (out.held === 'rewrite') out.rewrites = 'yes';
      if (out.held === 'scan' || out.held === 'build') out.scans ??= true;
    }
    if (Array.isArray(o.on)) out.on = o.on.filter((x): x is string => typeof x === 'string');
    return out;
  }
  return null;
}

type StatedLock = Partial<StatementLock> & { held?: Held; on?: string[] };

function tableBytes(f: Pick<Finding, 'evidence'>): number | null {
  const e = f.evidence;
  for (const k of ['table_bytes', 'total_bytes']) if (typeof e[k] === 'number') return e[k] as number;
  return parseSize(e.table_size) ?? impactOf(f).bytes;
}

/** The parse trees of an `up` (null when it does not parse). */
function upNodes(up: string): StmtNode[] | null {
  try {
    return splitStatements(up, 'up').map((s) => s.node);
  } catch {
    return null;
  }
}

const HELD_RANK: Record<Held, number> = { brief: 0, scan: 1, build: 2, rewrite: 3 };

export function riskOf(f: Pick<Finding, 'evidence' | 'up'>): Risk {
  const bytes = tableBytes(f);
  const stated = evidenceLock(f.evidence);
  const rewritesStated = typeof f.evidence.rewrites_table === 'boolean' ? (f.evidence.rewrites_table ? 'yes' : 'no') : null;
  if (!f.up) return { lock: null, lockFrom: 'none', rewrites: 'no', scans: false, held: null, on: [], tableBytes: bytes };
  const nodes = upNodes(f.up);
  const parsed = nodes ? combinedLock(nodes) : null;
  const lock = stated && stated.mode !== undefined ? stated.mode : parsed?.known ? parsed.mode : parsed && parsed.mode ? parsed.mode : 'unknown';
  const parsedHeld = nodes?.length
    ? nodes.map((n) => heldOf(n, statementLock(n))).reduce((a, b) => (HELD_RANK[b] > HELD_RANK[a] ? b : a))
    : null;
  const rewrites = stated?.rewrites ?? rewritesStated ?? parsed?.rewrites ?? 'no';
  const on = stated?.on?.length ? stated.on : [...new Set((nodes ?? []).map(statementRelation).filter((r): r is string => r !== null))];
  return {
    lock,
    lockFrom: stated && stated.mode !== undefined ? 'evidence' : 'parse',
    rewrites,
    scans: stated?.scans ?? parsed?.scans ?? false,
    held: stated?.held ?? (rewrites === 'yes' ? 'rewrite' : parsedHeld),
    on,
    tableBytes: bytes,
  };
}

const risks = new WeakMap<object, Risk>();

export function cachedRisk(f: Finding): Risk {
  let r = risks.get(f);
  if (!r) risks.set(f, (r = riskOf(f)));
  return r;
}
