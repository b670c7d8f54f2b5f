// Small shared facts about findings and decisions, as the report presents them.
import { severityRank, type Decision, type Severity } from '../playbooks/types.ts';
import type { Snapshot } from '../snapshot/schema.ts';

export type ReportFinding = Snapshot['findings'][number];

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

/** Most severe first, then by id: the same snapshot always lists in the same order. */
export function byImportance(a: ReportFinding, b: ReportFinding): number {
  return severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** This session's decision; a finding nobody decided is pending. */
export function decisionOf(s: Snapshot, id: string): Decision {
  return s.decisions[id] ?? { state: 'pending', note: '', at: '' };
}

export function decisionLabel(state: Decision['state']): string {
  return state === 'accepted' ? 'Accepted' : state === 'rejected' ? 'Rejected' : 'Pending';
}
