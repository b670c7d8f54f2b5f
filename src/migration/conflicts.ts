// Accepted findings that cannot all be applied: caught before anything is written.
import type { Snapshot } from '../snapshot/schema.ts';

export class MigrationConflictError extends Error {
  override name = 'MigrationConflictError';
  constructor(readonly conflicts: string[]) {
    super(`conflicting accepted findings: ${conflicts.join('; ')}`);
  }
}

/** One line per conflict, in a stable order; empty when the accepted set is consistent. */
export function findConflicts(snapshot: Snapshot): string[] {
  const accepted = snapshot.findings
    .filter((f) => snapshot.decisions[f.id]?.state === 'accepted')
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: string[] = [];
  const droppedBy = new Map<string, string>();
  for (const f of accepted) {
    for (const obj of new Set(f.drops)) {
      if (f.keeps.includes(obj)) out.push(`${f.id} both drops and keeps ${obj}`);
      const first = droppedBy.get(obj);
      if (first !== undefined) out.push(`${first} and ${f.id} both drop ${obj}`);
      else droppedBy.set(obj, f.id);
    }
  }
  for (const f of accepted) {
    for (const obj of new Set(f.keeps)) {
      for (const other of accepted) {
        if (other.id !== f.id && other.drops.includes(obj)) out.push(`${other.id} drops ${obj}, which ${f.id} needs to keep`);
      }
    }
  }
  return out;
}
