// The front of the report: what was inspected, the verdict of each section, the key findings ranked by
// impact, what is already good, what changed since the baseline, and the database's facts and settings.
import { SEVERITIES, type Severity } from '../playbooks/types.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import type { ChartSpec } from './charts-spec.ts';
import { code, strong, type Block, type Text } from './doc.ts';
import { decisionLabel, decisionOf, SEVERITY_LABEL } from './model.ts';
import { checkTitle, countsText, decisionsText, severitySpan, stakeText, verdictSpan } from './playbook-section.ts';
import { formatBytes, formatDuration, formatSetting } from './units.ts';
import { keyFindings, type SectionVerdict } from './verdict.ts';

export function stamp(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function headerBlocks(s: Snapshot): Block[] {
  const checks = s.playbooks.reduce((a, p) => a + p.runs.filter((r) => r.kind !== 'probe').length, 0);
  const out: Block[] = [
    { t: 'heading', level: 1, text: `PostgreSQL health check: ${s.server.database}` },
    {
      t: 'fields',
      rows: [
        ['Date', stamp(s.takenAt)],
        ['Database', `${s.server.database} on ${s.server.product}`],
        ['Analysis scope', `${s.playbooks.length} playbooks, ${checks} checks, ${s.findings.length} findings, ${s.skipped.length} check${s.skipped.length === 1 ? "" : "s"} skipped`],
        ['Tool', `pgadvisor ${s.tool.version}`],
      ],
    },
  ];
  if (s.demo) out.push({ t: 'note', text: 'This report was made from the embedded demo database, not from a real server.' });
  if (s.derivedFrom) out.push({ t: 'note', text: ['Decisions revised in a replay of ', code(s.derivedFrom), '.'] });
  if (s.baseline) out.push({ t: 'note', text: ['Compared with the earlier snapshot ', code(s.baseline.file), ` (taken ${stamp(s.baseline.takenAt)}); its decisions are carried forward.`] });
  return out;
}

export function summaryBlocks(s: Snapshot, verdicts: SectionVerdict[], firstSection: number): Block[] {
  const out: Block[] = [{ t: 'heading', level: 2, text: 'Executive summary', id: 'summary' }];
  const states = { accepted: 0, rejected: 0, pending: 0 };
  for (const f of s.findings) states[decisionOf(s, f.id).state]++;
  const order = [...SEVERITIES].reverse();
  const count = (sev: Severity) => s.findings.filter((f) => f.severity === sev).length;
  out.push({
    t: 'para',
    text: s.findings.length
      ? `${s.findings.length} findings (${order.map((sev) => `${count(sev)} ${sev}`).join(', ')}) in ${verdicts.reduce((a, v) => a + v.entries.length, 0)} patterns and single findings. Decisions: ${states.accepted} accepted, ${states.rejected} rejected, ${states.pending} pending.`
      : 'No findings: every check that ran came back clean.',
  });

  out.push({ t: 'heading', level: 3, text: 'Verdict by section', id: 'verdicts' });
  out.push({
    t: 'table',
    head: ['Section', 'Verdict', 'Why', 'Critical', 'Warning', 'Info'],
    numeric: [false, false, false, true, true, true],
    rows: verdicts.map((v, i) => [`${firstSection + i}. ${v.playbook.title}`, [verdictSpan(v.level)], v.reason, ...order.map((sev) => String(v.counts[sev]))]),
  });
  out.push({ t: 'chart', chart: findingsChart(s, verdicts) });

  const keys = keyFindings(s, verdicts);
  if (keys.length) {
    out.push({ t: 'heading', level: 3, text: 'Key findings, ranked by impact', id: 'key-findings' });
    out.push({
      t: 'para',
      text: 'Severity first, then the statement time and the size at stake; a check that fires on many objects counts once, as a pattern. Rejected findings are left out.',
    });
    out.push({
      t: 'list',
      ordered: true,
      items: keys.map((k): Text => {
        const sectionNo = firstSection + verdicts.findIndex((v) => v.playbook.id === k.section.id);
        const at = [k.timeMs !== null ? `${formatDuration(k.timeMs)} of statement time` : '', k.bytes !== null ? formatBytes(k.bytes) : ''].filter(Boolean).join(', ');
        if (k.entry.kind === 'pattern') {
          const e = k.entry;
          const worst = e.examples.map((f) => f.target);
          return [
            severitySpan(e),
            ' ',
            strong(`${checkTitle(s, e.playbook, e.check)}`),
            ` — ${e.findings.length} objects (${countsText(e.counts)}), section ${sectionNo}; worst: `,
            ...worst.flatMap((t, i) => [...(i ? [', '] : []), code(t)]),
            at ? `; largest at stake: ${at}` : '',
            `; decisions: ${decisionsText(s, e.findings)}.`,
          ];
        }
        const f = k.entry.finding;
        const stake = stakeText(f);
        return [
          severitySpan(f),
          ' ',
          strong(f.title),
          ' (',
          code(f.target),
          `), section ${sectionNo}${stake ? `; at stake: ${stake}` : ''}; ${decisionLabel(decisionOf(s, f.id).state).toLowerCase()}.`,
        ];
      }),
    });
  }

  const good = verdicts.filter((v) => v.clean.length);
  out.push({ t: 'heading', level: 3, text: 'Already good', id: 'good' });
  if (!good.length) out.push({ t: 'para', text: 'No check came back clean.' });
  else {
    out.push({ t: 'para', text: 'Checks that ran on this database and found nothing:' });
    out.push({
      t: 'list',
      items: good.map((v): Text => [{ mark: 'good', label: 'Good' }, ' ', strong(v.playbook.title), ': ', v.clean.map((r) => r.title).join('; ')]),
    });
  }
  const notChecked = verdicts.filter((v) => v.skipped.length || v.failed.length);
  if (notChecked.length) {
    out.push({
      t: 'para',
      text: `Not assessed: ${notChecked.map((v) => `${v.playbook.title} (${[v.skipped.length ? `${v.skipped.length} skipped` : '', v.failed.length ? `${v.failed.length} failed` : ''].filter(Boolean).join(', ')})`).join('; ')} — see each section and the skipped checks.`,
    });
  }
  if (s.baseline?.changes) out.push(...baselineBlocks(s));
  return out;
}

function findingsChart(s: Snapshot, verdicts: SectionVerdict[]): ChartSpec {
  return {
    id: 'chart-findings',
    title: 'Findings by section and severity',
    description: 'For each section, the number of findings at each severity (rejected ones left out).',
    unit: 'count',
    rows: verdicts.flatMap((v) => (['critical', 'warning', 'info'] as const).map((sev) => ({ label: v.playbook.title, series: SEVERITY_LABEL[sev], value: v.counts[sev] }))),
    series: [
      { name: 'Critical', color: 'critical' },
      { name: 'Warning', color: 'warning' },
      { name: 'Info', color: 'info' },
    ],
  };
}

function baselineBlocks(s: Snapshot): Block[] {
  const b = s.baseline!;
  const c = b.changes!;
  const out: Block[] = [{ t: 'heading', level: 3, text: 'Changes since the baseline', id: 'baseline' }];
  out.push({
    t: 'para',
    text: [`Since `, code(b.file), ` (taken ${stamp(b.takenAt)}): ${c.fixed.length} fixed, ${c.new.length} new, ${c.changed.length} changed, ${c.unchanged} unchanged.`],
  });
  const summary = (list: typeof c.fixed) =>
    list.map((f) => [[severitySpan(f)], checkTitle(s, f.playbook, f.check), [code(f.target)], f.title] as Text[]);
  const table = (title: string, list: typeof c.fixed): Block[] => {
    if (!list.length) return [];
    const t: Block = { t: 'table', head: ['Severity', 'Check', 'Target', 'Finding'], rows: summary(list) };
    return [{ t: 'para', text: strong(`${title} (${list.length})`) }, list.length > 15 ? { t: 'details', summary: `${list.length} findings`, body: [t] } : t];
  };
  out.push(...table('Fixed since the baseline', c.fixed), ...table('New since the baseline', c.new));
  if (c.changed.length) {
    const rows = c.changed.flatMap((f) => f.fields.map((x) => [[code(f.target)], x.field, clipValue(x.before), clipValue(x.after)] as Text[]));
    const t: Block = { t: 'table', head: ['Target', 'What changed', 'Before', 'Now'], rows };
    out.push({ t: 'para', text: strong(`Changed (${c.changed.length})`) }, rows.length > 15 ? { t: 'details', summary: `${rows.length} changes`, body: [t] } : t);
  }
  const sv = c.server;
  const server: Text[] = [];
  if (sv.database) server.push(`database ${sv.database.before} → ${sv.database.after} (a different database)`);
  if (sv.version) server.push(`version ${sv.version.before} → ${sv.version.after}`);
  for (const x of sv.settings) server.push(`setting ${x.name}: ${x.before === null ? 'unset' : formatSetting(x.name, x.before)} → ${x.after === null ? 'unset' : formatSetting(x.name, x.after)}`);
  for (const x of sv.extensions) server.push(`extension ${x.name}: ${x.before ?? 'absent'} → ${x.after ?? 'removed'}`);
  if (server.length) out.push({ t: 'para', text: strong('Server changes') }, { t: 'list', items: server });
  return out;
}

function clipValue(v: unknown): string {
  const t = v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v);
  return t.length > 100 ? t.slice(0, 99) + '…' : t;
}

export function factsBlocks(s: Snapshot): Block[] {
  const v = s.server;
  const privileges = (Object.keys(v.privileges) as (keyof typeof v.privileges)[]).filter((k) => v.privileges[k]);
  const rows: [string, string][] = [
    ['Server', v.product],
    ['Version', `${v.version} (${v.versionNum})`],
    ['Database', v.database],
    ['Inspected as', v.user],
    ['Privileges', privileges.length ? privileges.join(', ') : 'none beyond the defaults (some checks may be skipped)'],
    ['Role', v.inRecovery ? 'standby (in recovery)' : 'primary'],
    ['Extensions', v.extensions.map((e) => `${e.name} ${e.version}`).join(', ') || 'none'],
    ['Statistics since', v.statsReset ?? 'never reset'],
    ['Server started', v.postmasterStart ?? 'unknown'],
  ];
  const out: Block[] = [{ t: 'heading', level: 2, text: 'Database facts', id: 'facts' }, { t: 'table', head: ['Fact', 'Value'], rows: rows.map(([k, x]) => [k, x]) }];
  const settings = Object.keys(v.settings).sort();
  if (settings.length) {
    out.push({ t: 'heading', level: 3, text: 'Settings', id: 'settings' });
    out.push({ t: 'table', head: ['Setting', 'Value'], rows: settings.map((k) => [[code(k)], formatSetting(k, v.settings[k])]) });
  }
  return out;
}

