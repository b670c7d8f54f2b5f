// One report section per playbook: its prose headline, the evidence tables of its probe cells,
// the checks it ran, and its findings with their decisions and SQL.
import type { Snapshot } from '../snapshot/schema.ts';
import { clip, display, sqlBlock, table } from './markdown.ts';
import { markdownCode, markdownProse, markdownText } from '../util/untrusted-text.ts';
import { byImportance, decisionOf, decisionLabel, SEVERITY_LABEL, type ReportFinding } from './model.ts';

type Playbook = Snapshot['playbooks'][number];
type Run = Playbook['runs'][number];

/** Rows of each evidence table shown in the report; the snapshot keeps more. */
export const REPORT_ROWS_PER_CELL = 25;

export function playbookSection(s: Snapshot, p: Playbook, n: number): string[] {
  const out: string[] = [`## ${n}. ${markdownText(p.title)}`, ''];
  const headline = p.blocks.find((b) => b.type === 'prose');
  if (headline && headline.type === 'prose') out.push(markdownProse(demoteHeadings(withoutTitleHeading(headline.text, p.title))), '');
  else if (p.summary) out.push(markdownText(p.summary), '');

  const evidence = p.runs.filter((r) => r.kind !== 'check');
  let sub = 0;
  if (evidence.length) {
    out.push(`### ${n}.${++sub} Evidence`, '');
    for (const r of evidence) out.push(...runTable(r), '');
  }

  const checks = p.runs.filter((r) => r.kind !== 'probe');
  const findings = s.findings.filter((f) => f.playbook === p.id).sort(byImportance);
  if (checks.length) {
    out.push(`### ${n}.${++sub} Checks`, '');
    out.push(
      table(
        ['Check', 'Status', 'Findings', 'Time (ms)'],
        checks.map((r) => [r.title, statusText(r), findings.filter((f) => f.check === r.cell).length, Math.round(r.durationMs)]),
      ),
      '',
    );
  }

  out.push(`### ${n}.${++sub} Findings`, '');
  if (!findings.length) out.push('No findings in this section.', '');
  findings.forEach((f, i) => out.push(...findingBlock(s, f, `${n}.${sub}.${i + 1}`), ''));
  return out;
}

function statusText(r: Run): string {
  return r.status === 'ok' ? 'ok' : `${r.status}: ${r.reason ?? ''}`.trim();
}

function runTable(r: Run): string[] {
  const out = [`#### ${markdownText(r.title)}`, ''];
  if (r.status !== 'ok') {
    out.push(`*${markdownText(r.status)}*: ${markdownText(r.reason ?? 'no reason given')}`);
    return out;
  }
  if (!r.rows.length) {
    out.push('No rows.');
    return out;
  }
  const columns = r.columns.length ? r.columns : Object.keys(r.rows[0]);
  const shown = r.rows.slice(0, REPORT_ROWS_PER_CELL);
  out.push(table(columns, shown.map((row) => columns.map((c) => row[c]))));
  if (r.rowCount > shown.length) {
    const kept = r.truncated && r.rows.length < r.rowCount ? ` (the snapshot keeps ${r.rows.length})` : '';
    out.push('', `Showing ${shown.length} of ${r.rowCount} rows${kept}.`);
  }
  return out;
}

function findingBlock(s: Snapshot, f: ReportFinding, num: string): string[] {
  const d = decisionOf(s, f.id);
  const out = [
    `#### ${num} ${SEVERITY_LABEL[f.severity]}: ${markdownText(f.title)}`,
    '',
    `- **Target**: ${markdownCode(f.target)}`,
    `- **Finding id**: ${markdownCode(f.id)}`,
    `- **Why**: ${markdownText(f.rationale)}`,
  ];
  const ev = Object.keys(f.evidence).sort();
  if (ev.length) out.push(`- **Evidence**: ${ev.map((k) => `${markdownText(k)} ${markdownCode(clip(display(f.evidence[k]), 160))}`).join(' · ')}`);
  out.push(`- **Decision**: ${decisionLabel(d.state)}${d.note ? ` — ${markdownText(d.note)}` : ''}`);
  const before = s.baseline?.decisions[f.id];
  if (before && !s.decisions[f.id]) out.push(`- **Decided before** (${markdownText(s.baseline!.file)}): ${decisionLabel(before.state)}${before.note ? ` — ${markdownText(before.note)}` : ''}`);
  if (f.up) out.push('', 'Apply:', '', sqlBlock(f.up));
  else out.push('- **Fix**: advice only, no SQL to apply');
  if (f.down) out.push('', 'Undo:', '', sqlBlock(f.down));
  return out;
}

/** A notebook usually opens with `# Title`; the report's own section heading already says it. */
function withoutTitleHeading(text: string, title: string): string {
  const m = /^#{1,6}\s+(.*)\n?/.exec(text);
  return m && m[1].trim().toLowerCase() === title.trim().toLowerCase() ? text.slice(m[0].length).trimStart() : text;
}

/** Notebook prose keeps its Markdown, but its headings must not outrank the report's own. */
function demoteHeadings(text: string): string {
  return text.replace(/^(#{1,6})(\s)/gm, (_m, hashes: string, sp: string) => `${'#'.repeat(Math.min(6, hashes.length + 3))}${sp}`);
}
