// One report section per playbook: its verdict, its prose headline, its findings as patterns (a check that
// fires on many objects: the count, the worst examples, the full list folded) and single findings, what
// came back clean, the evidence tables of its probes and the checks it ran.
import { groupFindings, type OverviewEntry, type Pattern } from '../findings/patterns.ts';
import { cachedImpact } from '../findings/rank.ts';
import { riskOf } from '../findings/risk.ts';
import { lockEffect } from '../migration/locks.ts';
import { notesBlocks, notesOf } from './notes-section.ts';
import { resultBlocks } from './result-table.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { anchor, code, strong, type Block, type Mark, type Span, type Text } from './doc.ts';
import { clip, display } from './markdown.ts';
import { decisionLabel, decisionOf, SEVERITY_LABEL, type ReportFinding } from './model.ts';
import { formatBytes, formatDuration } from './units.ts';
import { VERDICT_LABEL, type SectionVerdict, type VerdictLevel } from './verdict.ts';

type Playbook = Snapshot['playbooks'][number];
type Run = Playbook['runs'][number];

export const VERDICT_MARK: Record<VerdictLevel, Mark> = { critical: 'critical', attention: 'attention', good: 'good', unknown: 'unknown' };

export function verdictSpan(level: VerdictLevel): Span {
  return { mark: VERDICT_MARK[level], label: VERDICT_LABEL[level] };
}

export function severitySpan(f: { severity: ReportFinding['severity'] }): Span {
  return { mark: f.severity, label: SEVERITY_LABEL[f.severity] };
}

export function playbookSection(s: Snapshot, v: SectionVerdict, n: number, extra: Block[] = []): Block[] {
  const p = v.playbook;
  const out: Block[] = [{ t: 'heading', level: 2, text: `${n}. ${p.title}`, id: anchor(n) }];
  out.push({ t: 'para', text: [strong('Verdict'), ': ', verdictSpan(v.level), ` — ${v.reason}.`] });
  const headline = p.blocks.find((b) => b.type === 'prose');
  if (headline && headline.type === 'prose') out.push({ t: 'prose', markdown: demoteHeadings(withoutTitleHeading(headline.text, p.title)) });
  else if (p.summary) out.push({ t: 'para', text: p.summary });
  out.push(...extra);

  let sub = 0;
  const all = s.findings.filter((f) => f.playbook === p.id);
  out.push({ t: 'heading', level: 3, text: `${n}.${++sub} Findings`, id: anchor(n, sub) });
  if (!all.length) out.push({ t: 'para', text: 'No findings in this section.' });
  groupFindings(all).forEach((e, i) => out.push(...entryBlocks(s, e, `${n}.${sub}.${i + 1}`)));

  if (v.clean.length || v.skipped.length || v.failed.length) {
    out.push({ t: 'heading', level: 3, text: `${n}.${++sub} Already good`, id: anchor(n, sub) });
    if (v.clean.length) out.push({ t: 'list', items: v.clean.map((r): Text => [{ mark: 'good', label: 'Clean' }, ' ', r.title, ': none found']) });
    else out.push({ t: 'para', text: 'No check in this section came back clean.' });
    if (v.failed.length) {
      out.push({ t: 'para', text: 'Failed, so their problems are not in this report:' });
      out.push({ t: 'list', items: v.failed.map((r): Text => [{ mark: 'attention', label: 'Failed' }, ' ', r.title, `: ${r.status}${r.reason ? ` (${r.reason})` : ''}`]) });
    }
    if (v.skipped.length) {
      out.push({ t: 'para', text: 'Not checked on this server:' });
      out.push({ t: 'list', items: v.skipped.map((r): Text => [{ mark: 'unknown', label: 'Skipped' }, ' ', r.title, `: ${r.reason ?? 'no reason given'}`]) });
    }
  }

  const evidence = p.runs.filter((r) => r.kind !== 'check');
  if (evidence.length) {
    out.push({ t: 'heading', level: 3, text: `${n}.${++sub} Evidence`, id: anchor(n, sub) });
    for (const r of evidence) out.push(...runTable(r));
  }

  const notes = notesOf(s, p.id);
  if (notes.length) {
    out.push({ t: 'heading', level: 3, text: `${n}.${++sub} Engineer's notes`, id: anchor(n, sub) });
    out.push({ t: 'para', text: `Statements the engineer ran in this section during the review (read-only), with their last result.` }, ...notesBlocks(notes));
  }

  const checks = p.runs.filter((r) => r.kind !== 'probe');
  if (checks.length) {
    out.push({ t: 'heading', level: 3, text: `${n}.${++sub} Checks`, id: anchor(n, sub) });
    out.push({
      t: 'table',
      head: ['Check', 'Status', 'Findings', 'Time (ms)'],
      numeric: [false, false, true, true],
      rows: checks.map((r) => [r.title, statusText(r), String(all.filter((f) => f.check === r.cell).length), String(Math.round(r.durationMs))]),
    });
  }
  return out;
}

function statusText(r: Run): string {
  return r.status === 'ok' ? 'ok' : `${r.status}: ${r.reason ?? ''}`.trim();
}

function runTable(r: Run): Block[] {
  return [{ t: 'heading', level: 4, text: r.title }, ...resultBlocks(r)];
}

function entryBlocks(s: Snapshot, e: OverviewEntry<ReportFinding>, num: string): Block[] {
  return e.kind === 'pattern' ? patternBlocks(s, e, num) : findingBlocks(s, e.finding, num, 4);
}

export function checkTitle(s: Snapshot, playbook: string, check: string): string {
  return s.playbooks.find((p) => p.id === playbook)?.runs.find((r) => r.cell === check)?.title ?? check;
}

export function countsText(counts: Pattern['counts']): string {
  return (['critical', 'warning', 'info'] as const)
    .filter((sev) => counts[sev])
    .map((sev) => `${counts[sev]} ${sev}`)
    .join(', ');
}

export function decisionsText(s: Snapshot, list: ReportFinding[]): string {
  const n = { accepted: 0, rejected: 0, pending: 0 };
  for (const f of list) n[decisionOf(s, f.id).state]++;
  return (['accepted', 'rejected', 'pending'] as const)
    .filter((k) => n[k])
    .map((k) => `${n[k]} ${k}`)
    .join(', ');
}

/** What is at stake in one finding, from its evidence: statement time, else the size it concerns. */
export function stakeText(f: ReportFinding): string {
  const i = cachedImpact(f);
  const parts: string[] = [];
  if (i.timeMs !== null) parts.push(`${formatDuration(i.timeMs)} of statement time`);
  if (i.bytes !== null) parts.push(formatBytes(i.bytes));
  return parts.join(', ');
}

function patternBlocks(s: Snapshot, e: Pattern<ReportFinding>, num: string): Block[] {
  const title = checkTitle(s, e.playbook, e.check);
  const out: Block[] = [
    { t: 'heading', level: 4, text: [`${num} `, severitySpan(e), ` pattern: ${title} (${e.findings.length} findings)`] },
    {
      t: 'para',
      text: [
        `${e.findings.length} objects (${countsText(e.counts)}; decisions: ${decisionsText(s, e.findings)}). `,
        `The worst ${e.examples.length} by severity, statement time and size are shown in full; the whole list is folded below. The migration keeps one statement per object.`,
      ],
    },
  ];
  e.examples.forEach((f, i) => out.push(...findingBlocks(s, f, `${num}.${i + 1}`, 5)));
  out.push({
    t: 'details',
    summary: `All ${e.findings.length} findings of this pattern`,
    body: [
      {
        t: 'table',
        head: ['#', 'Severity', 'Target', 'Finding', 'At stake', 'Decision'],
        rows: e.findings.map((f, i) => [String(i + 1), SEVERITY_LABEL[f.severity], [code(f.target)], f.title, stakeText(f), decisionLabel(decisionOf(s, f.id).state)]),
      },
    ],
  });
  return out;
}

function lockText(f: ReportFinding): Text | null {
  if (!f.up) return null;
  const r = riskOf(f);
  const mode = r.lock === 'unknown' ? 'unknown lock' : r.lock === null ? 'no table lock' : r.lock;
  const held = r.held ? `, held for ${r.held === 'brief' ? 'a catalog change' : r.held === 'scan' ? 'a scan of the table' : r.held === 'build' ? 'an index build' : 'a rewrite of the table'}` : '';
  const on = r.on.length ? ` on ${r.on.join(', ')}` : '';
  const effect = r.lock === 'unknown' ? '' : ` (${lockEffect(r.lock)})`;
  const from = r.lockFrom === 'evidence' ? 'stated by the check' : 'read from the SQL';
  return `${mode}${held}${on}${effect}; ${from}`;
}

function findingBlocks(s: Snapshot, f: ReportFinding, num: string, level: 4 | 5): Block[] {
  const d = decisionOf(s, f.id);
  const rows: [string, Text][] = [
    ['Target', code(f.target)],
    ['Finding id', code(f.id)],
    ['Why', f.rationale],
  ];
  const ev = Object.keys(f.evidence)
    .filter((k) => k !== 'lock')
    .sort();
  if (ev.length) rows.push(['Evidence', ev.flatMap((k, i): Span[] => [...(i ? [' · '] : []), `${k} `, code(clip(display(f.evidence[k]), 160))])]);
  const stake = stakeText(f);
  if (stake) rows.push(['At stake', stake]);
  const lock = lockText(f);
  if (lock) rows.push(['Lock', lock]);
  rows.push(['Decision', `${decisionLabel(d.state)}${d.note ? ` — ${d.note}` : ''}`]);
  const before = s.baseline?.decisions[f.id];
  if (before && !s.decisions[f.id]) rows.push([`Decided before (${s.baseline!.file})`, `${decisionLabel(before.state)}${before.note ? ` — ${before.note}` : ''}`]);
  if (!f.up) rows.push(['Fix', 'advice only, no SQL to apply']);
  const out: Block[] = [{ t: 'heading', level, text: [`${num} `, severitySpan(f), `: ${f.title}`] }, { t: 'fields', rows }];
  if (f.up) out.push({ t: 'para', text: 'Apply:' }, { t: 'code', lang: 'sql', text: f.up });
  if (f.down) out.push({ t: 'para', text: 'Undo:' }, { t: 'code', lang: 'sql', text: f.down });
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
