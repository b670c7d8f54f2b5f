// What `w` shows before it writes: the migration as it will be written, part by part, each statement with
// the lock it takes and the size of its table, and the conflicts that would stop the write.
import type { FindingRef } from '../migration/build.ts';
import type { LockMode } from '../migration/locks.ts';
import type { Phase } from '../migration/statements.ts';
import type { Snapshot } from '../snapshot/schema.ts';

export interface ReviewStatement {
  findingId: string;
  title: string;
  target: string;
  sql: string;
  lock: LockMode | null | 'unknown';
  rewrites: 'yes' | 'maybe' | 'no';
  scans: boolean;
  tableBytes: number | null;
}

export interface ReviewPart {
  phase: Phase;
  /** how the part runs (in a transaction or not, and why) */
  note: string;
  statements: ReviewStatement[];
}

export interface MigrationReview {
  parts: ReviewPart[];
  /** accepted findings without SQL */
  advice: FindingRef[];
  /** applied findings the rollback cannot undo */
  irreversible: FindingRef[];
  /** one line each; a review with conflicts cannot be written */
  conflicts: string[];
  /** the migration file's text, for y */
  up: string;
  accepted: number;
}

/** Builds the review (loads the parser: call it when `w` is pressed, not at start-up). */
export async function reviewMigration(snapshot: Snapshot, name: string): Promise<MigrationReview> {
  const [{ buildMigration, findConflicts }, { phaseNote }, { splitStatements }, { statementLock }, { riskOf }] = await Promise.all([
    import('../migration/build.ts'),
    import('../migration/render.ts'),
    import('../migration/statements.ts'),
    import('../migration/locks.ts'),
    import('../findings/risk.ts'),
  ]);
  const accepted = snapshot.findings.filter((f) => snapshot.decisions[f.id]?.state === 'accepted').length;
  const conflicts = findConflicts(snapshot);
  if (conflicts.length) return { parts: [], advice: [], irreversible: [], conflicts, up: '', accepted };
  const m = buildMigration(snapshot, { name });
  const byId = new Map(snapshot.findings.map((f) => [f.id, f]));
  const parts = m.parts.map((p) => ({
    phase: p.phase,
    note: phaseNote(p.phase),
    statements: p.statements.map((s): ReviewStatement => {
      const f = byId.get(s.findingId)!;
      const risk = riskOf(f);
      const own = splitStatements(s.sql, s.findingId)[0];
      const lock = own ? statementLock(own.node) : null;
      // the finding's stated lock wins for its own statements; the parser speaks for the rest
      const mode = risk.lockFrom === 'evidence' ? risk.lock : lock?.known ? lock.mode : risk.lock;
      return { findingId: s.findingId, title: s.title, target: f.target, sql: s.sql, lock: mode, rewrites: lock?.rewrites === 'no' ? risk.rewrites : (lock?.rewrites ?? risk.rewrites), scans: lock?.scans ?? risk.scans, tableBytes: risk.tableBytes };
    }),
  }));
  return { parts, advice: m.advice, irreversible: m.irreversible, conflicts: [], up: m.up, accepted };
}
