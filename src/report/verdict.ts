// The verdict of each section (critical / needs attention / good / not assessed), what is already good
// (the checks that ran and found nothing), and the key findings of the whole report: patterns and
// findings ranked by severity and what is at stake (src/findings), the same order the TUI's overview uses.
import { groupFindings, type OverviewEntry } from '../findings/patterns.ts';
import { cachedImpact } from '../findings/rank.ts';
import type { Severity } from '../playbooks/types.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { decisionOf, type ReportFinding } from './model.ts';

type Playbook = Snapshot['playbooks'][number];
type Run = Playbook['runs'][number];

export type VerdictLevel = 'critical' | 'attention' | 'good' | 'unknown';

export const VERDICT_LABEL: Record<VerdictLevel, string> = {
  critical: 'Critical',
  attention: 'Needs attention',
  good: 'Good',
  unknown: 'Not assessed',
};

export interface SectionVerdict {
  playbook: Playbook;
  level: VerdictLevel;
  /** one line: why this verdict */
  reason: string;
  /** the section's findings that were not rejected, grouped into patterns and ranked */
  entries: OverviewEntry<ReportFinding>[];
  counts: Record<Severity, number>;
  rejected: number;
  /** checks that ran and found nothing */
  clean: Run[];
  /** checks the server could not run (version, extension, privilege), with the reason */
  skipped: Run[];
  /** checks that failed (error, timeout, cancelled) */
  failed: Run[];
}

const isCheck = (r: Run) => r.kind !== 'probe';

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function sectionVerdict(s: Snapshot, p: Playbook): SectionVerdict {
  const mine = s.findings.filter((f) => f.playbook === p.id);
  const live = mine.filter((f) => decisionOf(s, f.id).state !== 'rejected');
  const entries = groupFindings(live);
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of live) counts[f.severity]++;
  const checks = p.runs.filter(isCheck);
  const found = new Set(mine.map((f) => f.check));
  const clean = checks.filter((r) => r.status === 'ok' && !found.has(r.cell));
  const skipped = checks.filter((r) => r.status === 'skipped');
  const failed = checks.filter((r) => r.status === 'error' || r.status === 'timeout' || r.status === 'cancelled');
  const ran = checks.filter((r) => r.status === 'ok');

  const issues = (sev: Severity) => entries.filter((e) => (e.kind === 'pattern' ? e.counts[sev] > 0 : e.finding.severity === sev)).length;
  const failedText = failed.length ? `; ${plural(failed.length, 'check')} failed, so some problems may be missing` : '';
  let level: VerdictLevel;
  let reason: string;
  if (counts.critical) {
    level = 'critical';
    reason = `${plural(counts.critical, 'critical finding')} in ${plural(issues('critical'), 'issue')}` + (counts.warning ? `, and ${plural(counts.warning, 'warning')}` : '') + failedText;
  } else if (counts.warning || failed.length) {
    level = 'attention';
    reason = counts.warning ? `${plural(counts.warning, 'warning')} in ${plural(issues('warning'), 'issue')}${failedText}` : `no warnings${failedText}`;
  } else if (!ran.length) {
    level = 'unknown';
    reason = checks.length ? 'no check could run on this server (see the skipped checks)' : 'this section has no checks';
  } else {
    level = 'good';
    reason = counts.info
      ? `no warnings; ${plural(counts.info, 'informational note')}`
      : `every check that ran came back clean (${plural(ran.length, 'check')})`;
  }
  if (skipped.length && level !== 'unknown') reason += `; ${plural(skipped.length, 'check')} skipped`;
  const rejected = mine.length - live.length;
  if (rejected) reason += `; ${plural(rejected, 'finding')} rejected`;
  return { playbook: p, level, reason, entries, counts, rejected, clean, skipped, failed };
}

/** How many entries the executive summary lists. */
export const KEY_FINDINGS = 10;

export interface KeyFinding {
  entry: OverviewEntry<ReportFinding>;
  section: Playbook;
  /** the statement time or bytes at stake, from the evidence, when known */
  timeMs: number | null;
  bytes: number | null;
}

/**
 * The report's key findings: every section's entries (patterns count once, whatever their size) ranked
 * together by severity, then statement time, then bytes — the core's order — the first KEY_FINDINGS.
 */
export function keyFindings(s: Snapshot, verdicts: SectionVerdict[]): KeyFinding[] {
  const sections = new Map(verdicts.map((v) => [v.playbook.id, v.playbook]));
  const live = s.findings.filter((f) => decisionOf(s, f.id).state !== 'rejected' && sections.has(f.playbook));
  return groupFindings(live)
    .slice(0, KEY_FINDINGS)
    .map((entry) => {
      const list = entry.kind === 'pattern' ? entry.findings : [entry.finding];
      const impacts = list.map(cachedImpact);
      const lead = impacts[0];
      const timeMs = entry.kind === 'pattern' ? sumKnown(impacts.map((i) => i.timeMs)) : lead.timeMs;
      return { entry, section: sections.get(list[0].playbook)!, timeMs, bytes: lead.bytes };
    });
}

function sumKnown(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}
