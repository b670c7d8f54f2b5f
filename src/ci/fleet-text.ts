// The combined text summary of a run over several databases: one line per database, then each finding
// once with the databases that have it. Catalog text goes through printable(): one line, no escapes.
import { SEVERITIES } from '../playbooks/types.ts';
import { terminalText as printable } from '../util/untrusted-text.ts';
import { TOOL_VERSION } from '../version.ts';
import { groupFindings } from './group.ts';
import type { CheckOutcome, DatabaseOutcome } from './outcome.ts';

const MARK = { critical: 'CRIT', warning: 'WARN', info: 'INFO' } as const;
const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function fleetText(outcome: CheckOutcome, jobs: number): string {
  const dbs = outcome.databases;
  const failed = dbs.filter((d) => d.status === 'failed');
  const out: string[] = [`pgadvisor ${TOOL_VERSION} — ${n(dbs.length, 'database')} (${dbs.length - failed.length} checked, ${failed.length} failed), ${n(jobs, 'job')}`, ''];
  const width = Math.max(...dbs.map((d) => printable(d.target).length));
  for (const d of dbs) out.push(`  ${d.status === 'ok' ? 'ok    ' : 'FAILED'}  ${printable(d.target).padEnd(width)}  ${databaseLine(d)}`);
  const groups = groupFindings(dbs);
  const total = dbs.reduce((sum, d) => sum + d.findings.length, 0);
  out.push('', `## Findings across databases (${n(groups.length, 'distinct finding')}, ${total} in all)`);
  for (const g of groups) {
    const isNew = outcome.baseline !== null && g.newIn > 0 ? `  [new in ${g.newIn}]` : '';
    out.push(`  ${MARK[g.severity]}  ${printable(g.target)}  ${printable(g.title)}  (${g.playbook}/${g.check})${isNew}`);
    out.push(`        ${n(g.databases.length, 'database')}: ${g.databases.map(printable).join(', ')}`);
  }
  const expired = dbs.flatMap((d) => d.expired.map((e) => ({ d, e })));
  if (expired.length) {
    out.push('', '## Ignores that have expired (reported again)');
    for (const { d, e } of expired) out.push(`  ${printable(e.id)} on ${printable(d.database)}: expired ${e.expires} (${printable(e.reason)})`);
  }
  const suppressed = dbs.reduce((sum, d) => sum + d.suppressed.length, 0);
  if (suppressed) out.push('', `${n(suppressed, 'finding')} ignored by ${outcome.config.file} (see --format json for the list)`);
  return out.join('\n') + '\n';
}

function databaseLine(d: DatabaseOutcome): string {
  if (d.status === 'failed') return printable(d.error ?? 'failed');
  const by = SEVERITIES.map((s) => `${d.findings.filter((f) => f.severity === s).length} ${s}`).reverse().join(', ');
  const parts = [`${n(d.findings.length, 'finding')} (${by})`];
  if (d.newIds) parts.push(`${d.findings.filter((f) => d.newIds!.has(f.id)).length} new`);
  if (d.skipped.length) parts.push(`${d.skipped.length} skipped`);
  if (d.errors.length) parts.push(`${n(d.errors.length, 'check')} failed: ${d.errors.map((e) => `${e.playbook}/${e.check}`).join(', ')}`);
  if (d.saved) parts.push(`snapshot ${d.saved.snapshot}`);
  return parts.join('; ');
}
