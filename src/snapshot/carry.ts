// Carrying earlier decisions forward: `--baseline FILE` shows "rejected before (note)" next to a
// finding that was decided in an earlier snapshot, and lets the UI pre-fill that decision.
import type { Decision } from '../playbooks/types.ts';
import { diffSnapshots } from './diff.ts';
import { snapshotBaseName } from './io.ts';
import type { Snapshot } from './schema.ts';

/**
 * A copy of `current` whose `baseline` holds the baseline's decisions for the findings present in
 * both snapshots (by finding id), and what changed since the baseline (fixed, new and changed findings,
 * server changes) so a report of `current` can say it on its own. A finding the baseline itself only
 * carried (decided two sessions ago, untouched since) keeps that older decision. `current` is not modified.
 */
export function carryDecisions(baseline: Snapshot, current: Snapshot, file = `${snapshotBaseName(baseline)}.snapshot.json`): Snapshot {
  const present = new Set(current.findings.map((f) => f.id));
  const decisions: Record<string, Decision> = {};
  for (const id of [...present].sort()) {
    const d = baseline.decisions[id] ?? baseline.baseline?.decisions[id];
    if (d) decisions[id] = { ...d };
  }
  const diff = diffSnapshots(baseline, current);
  const changes = { fixed: diff.fixed, new: diff.new, changed: diff.changed, unchanged: diff.unchanged.length, server: diff.server };
  return { ...current, baseline: { file, takenAt: baseline.takenAt, decisions, changes } };
}
