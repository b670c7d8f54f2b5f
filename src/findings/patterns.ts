// Patterns, not walls: a check that fires on many objects is one entry (how many, the worst examples,
// the whole list behind it) rather than hundreds of rows. The TUI's overview and the report group the same way.
import { severityRank, type Finding, type Severity } from '../playbooks/types.ts';
import { byImpact } from './rank.ts';

/** A check with at least this many findings is shown as one pattern. */
export const PATTERN_MIN = 3;
/** Examples a pattern names. */
export const PATTERN_EXAMPLES = 3;

export interface Pattern<F extends Finding = Finding> {
  kind: 'pattern';
  /** `playbook/check` */
  key: string;
  playbook: string;
  check: string;
  /** every finding of the check, most important first */
  findings: F[];
  /** the worst few */
  examples: F[];
  counts: Record<Severity, number>;
  /** the highest severity among them */
  severity: Severity;
}

export interface Single<F extends Finding = Finding> {
  kind: 'finding';
  key: string;
  finding: F;
}

export type OverviewEntry<F extends Finding = Finding> = Pattern<F> | Single<F>;

/**
 * The findings as overview entries, most important first: a check with `min` or more findings becomes one
 * pattern, ranked where its worst finding would be; the others stay single findings.
 */
export function groupFindings<F extends Finding>(findings: readonly F[], min = PATTERN_MIN): OverviewEntry<F>[] {
  const byCheck = new Map<string, F[]>();
  for (const f of findings) {
    const k = `${f.playbook}/${f.check}`;
    const list = byCheck.get(k);
    if (list) list.push(f);
    else byCheck.set(k, [f]);
  }
  const entries: { lead: F; entry: OverviewEntry<F> }[] = [];
  for (const [key, list] of byCheck) {
    const ranked = [...list].sort(byImpact);
    if (ranked.length >= min) {
      const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
      for (const f of ranked) counts[f.severity]++;
      const severity = ranked.reduce<Severity>((s, f) => (severityRank(f.severity) > severityRank(s) ? f.severity : s), 'info');
      entries.push({
        lead: ranked[0],
        entry: { kind: 'pattern', key, playbook: ranked[0].playbook, check: ranked[0].check, findings: ranked, examples: ranked.slice(0, PATTERN_EXAMPLES), counts, severity },
      });
    } else {
      for (const f of ranked) entries.push({ lead: f, entry: { kind: 'finding', key: f.id, finding: f } });
    }
  }
  return entries.sort((a, b) => byImpact(a.lead, b.lead)).map((e) => e.entry);
}
