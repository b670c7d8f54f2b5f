// From the session state to a snapshot document (for `w` and the autosave).
import type { Decision, RunResult } from '../playbooks/types.ts';
import { carryDecisions } from '../snapshot/carry.ts';
import { newSnapshot } from '../snapshot/io.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import type { ScratchCell } from '../notebook/scratch.ts';

export interface PersistOptions {
  toolVersion: string;
  demo: boolean;
  /** replay: the file the session was replayed from */
  derivedFrom?: string | null;
  /** replay: when the replay started (names the derived snapshot's files) */
  savedAt?: string | null;
  /** decisions carried in a replayed snapshot, kept as they were */
  baseline?: Snapshot['baseline'];
  /** live session with --baseline: carried again at every save, so only present findings keep them */
  carryFrom?: { snapshot: Snapshot; file: string } | null;
}

/** Only decisions on findings of this session go into the document. */
export function presentDecisions(data: RunResult, decisions: Record<string, Decision>): Record<string, Decision> {
  const out: Record<string, Decision> = {};
  for (const f of data.findings) if (decisions[f.id]) out[f.id] = decisions[f.id];
  return out;
}

// newSnapshot scrubs and validates every finding; with 10,000 of them that is worth doing once per
// session rather than at every autosave, so the decision-free document is kept and decisions swapped in.
const bases = new WeakMap<RunResult, { key: unknown[]; snapshot: Snapshot }>();

function baseSnapshot(data: RunResult, takenAt: string, opts: PersistOptions): Snapshot {
  const key = [takenAt, opts.toolVersion, opts.demo, opts.derivedFrom ?? null, opts.savedAt ?? null, opts.baseline ?? null];
  const cached = bases.get(data);
  if (cached && cached.key.every((k, i) => k === key[i])) return cached.snapshot;
  const snapshot = newSnapshot(data, {
    toolVersion: opts.toolVersion,
    takenAt,
    demo: opts.demo,
    decisions: {},
    derivedFrom: opts.derivedFrom ?? null,
    savedAt: opts.savedAt ?? null,
    baseline: opts.baseline ?? null,
  });
  bases.set(data, { key, snapshot });
  return snapshot;
}

export function buildSnapshot(data: RunResult, decisions: Record<string, Decision>, takenAt: string, opts: PersistOptions, scratch: readonly ScratchCell[] = []): Snapshot {
  // scratch cells of a section this run has (a --playbook subset may leave some out)
  const notes = scratch.filter((c) => data.playbooks.some((p) => p.id === c.playbook));
  const snapshot: Snapshot = { ...baseSnapshot(data, takenAt, opts), decisions: presentDecisions(data, decisions), ...(notes.length ? { notes: [...notes] } : {}) };
  return opts.carryFrom ? carryDecisions(opts.carryFrom.snapshot, snapshot, opts.carryFrom.file) : snapshot;
}
