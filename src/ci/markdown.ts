// `check --format markdown`: the run as a Markdown summary (a CI job summary, a pull-request comment):
// the databases and how each went, then every finding once with the databases that have it.
import { table } from '../report/markdown.ts';
import { markdownCode as code, markdownText as inline } from '../util/untrusted-text.ts';
import { SEVERITIES, type Severity } from '../playbooks/types.ts';
import { TOOL_VERSION } from '../version.ts';
import { databaseKeys, failingFindings } from './outcome.ts';
import { groupFindings } from './group.ts';
import type { CheckOutcome } from './outcome.ts';

const HEADING: Record<Severity, string> = { critical: 'Critical', warning: 'Warnings', info: 'Information' };

export function markdownSummary(outcome: CheckOutcome): string {
  const dbs = outcome.databases;
  const keys = databaseKeys(dbs);
  const gateOnNew = outcome.baseline !== null;
  const out: string[] = [`# pgadvisor check — ${dbs.length} database${dbs.length === 1 ? '' : 's'}`, '', `pgadvisor ${TOOL_VERSION}${outcome.config.file ? `, config ${code(outcome.config.file)}` : ''}${gateOnNew ? `, new findings against ${code(outcome.baseline!)}` : ''}.`, ''];
  const rows = dbs.map((d) => {
    if (d.status === 'failed') return [keys.get(d), 'could not be checked', '', '', '', '', d.error ?? ''];
    const count = (s: Severity) => d.findings.filter((f) => f.severity === s).length;
    const failing = failingFindings(d, outcome.failOn, gateOnNew).length;
    const notes = [...(d.errors.length ? [`failed: ${d.errors.map((e) => `${e.playbook}/${e.check}`).join(', ')}`] : []), ...(d.suppressed.length ? [`${d.suppressed.length} ignored`] : [])];
    return [keys.get(d), failing ? `${failing} failing` : 'passed', count('critical'), count('warning'), count('info'), d.skipped.length, notes.join('; ')];
  });
  out.push(table(['database', 'result', 'critical', 'warning', 'info', 'skipped checks', 'notes'], rows), '');
  const groups = groupFindings(dbs);
  for (const s of [...SEVERITIES].reverse()) {
    const these = groups.filter((g) => g.severity === s);
    if (!these.length) continue;
    out.push(`## ${HEADING[s]} (${these.length})`, '');
    out.push(table(['finding', 'object', 'check', 'databases'], these.map((g) => [g.title, g.target, `${g.playbook}/${g.check}`, `${g.databases.length}: ${g.databases.join(', ')}`]), 100_000), '');
  }
  const expired = dbs.flatMap((d) => d.expired.map((e) => `- ${code(e.id)} on ${inline(keys.get(d)!)}: the ignore expired on ${e.expires} (${inline(e.reason)})`));
  if (expired.length) out.push('## Ignores that have expired', '', ...expired, '');
  const ignored = dbs.flatMap((d) => d.suppressed.map((s) => `- ${code(s.finding.id)} on ${inline(keys.get(d)!)}: ${inline(s.reason)}${s.expires ? ` (until ${s.expires})` : ''}`));
  if (ignored.length) out.push(`## Ignored by the config file (${ignored.length})`, '', ...ignored, '');
  return out.join('\n');
}
