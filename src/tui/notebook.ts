// Lays a section out as screen lines: prose, cells (status, SQL, results) and findings.
// Pure: the pane renders only the rows in view, so a section of 10,000 findings stays fluid.
import type { CellRun, Decision, Finding, PlaybookResult, Severity } from '../playbooks/types.ts';
import type { Item, Section } from '../review/state.ts';
import { blank, line, verbatim, wrapSegs, type Line, type Seg } from './lines.ts';
import { markdownLines } from './markdown.ts';
import { tableLines } from './table.ts';
import { cellText, plural, printable } from './text.ts';

export const SEVERITY_STYLE: Record<Severity, { label: string; color: string }> = {
  critical: { label: 'CRIT', color: 'red' },
  warning: { label: 'WARN', color: 'yellow' },
  info: { label: 'INFO', color: 'blue' },
};

export const DECISION_STYLE: Record<Decision['state'], { label: string; mark: string; color: string }> = {
  accepted: { label: '✓ accepted', mark: '[✓]', color: 'green' },
  rejected: { label: '✗ rejected', mark: '[✗]', color: 'red' },
  pending: { label: '· pending', mark: '[ ]', color: 'gray' },
};

const PREVIEW_ROWS = 5;

export interface LayoutInput {
  section: Section;
  playbook: PlaybookResult;
  /** notes by finding id: a note gets its own row under the finding */
  notes: Record<string, string>;
  baseline: Record<string, Decision>;
  showSql: boolean;
  width: number;
}

export interface Layout {
  lines: Line[];
  /** first and one-past-last line of each item */
  itemStart: number[];
  itemEnd: number[];
}

const STATUS: Record<Exclude<CellRun['status'], 'ok'>, { label: string; color: string }> = {
  skipped: { label: '⊘ skipped', color: 'yellow' },
  error: { label: '✗ error', color: 'red' },
  timeout: { label: '⏱ timeout', color: 'red' },
  cancelled: { label: '⊘ cancelled', color: 'yellow' },
};

export function statusSegs(run: CellRun): Seg[] {
  if (run.status !== 'ok') return [{ text: STATUS[run.status].label, color: STATUS[run.status].color }];
  const ms = `${run.durationMs < 10 ? run.durationMs.toFixed(1) : Math.round(run.durationMs)} ms`;
  return [{ text: `✓ ok · ${plural(run.rowCount, 'row')} · ${ms}`, color: 'green' }];
}

/** Why a cell did not run (or failed), in full: a skip is never silent. */
function reasonLines(run: CellRun, width: number, indent: string, item?: number): Line[] {
  if (run.status === 'ok' || !run.reason) return [];
  return wrapSegs([{ text: printable(run.reason), color: STATUS[run.status].color }], width, indent, indent, item);
}

const KIND: Record<CellRun['kind'], string> = { probe: 'probe', check: 'check', analyzer: 'analyzer' };

function cellLines(run: CellRun, index: number, findingCount: number, input: LayoutInput): Line[] {
  const w = input.width;
  const out: Line[] = [
    line([{ text: `${KIND[run.kind]} `, dim: true }, { text: printable(run.title), bold: true }, { text: '  ' }, ...statusSegs(run)], index),
  ];
  out.push(...reasonLines(run, w, '    ', index));
  if (input.showSql && run.sql) out.push(...verbatim(run.sql.trim(), w, '    ', { color: 'cyan' }, index));
  if (run.status === 'ok') {
    if (run.kind === 'check') {
      out.push(line([{ text: '    ' }, findingCount ? { text: `${plural(findingCount, 'finding')}:`, dim: true } : { text: '✓ nothing found', color: 'green' }], index));
    } else if (run.columns.length) {
      out.push(...tableLines(run.columns, run.rows, { width: w, maxRows: PREVIEW_ROWS, indent: '    ', item: index, total: run.rowCount }));
    }
  }
  return out;
}

function decisionBadge(d: Decision | undefined, short = false): Seg {
  const s = DECISION_STYLE[d?.state ?? 'pending'];
  return { text: short ? s.mark : s.label, color: s.color, bold: d?.state === 'accepted' || d?.state === 'rejected' };
}

function beforeText(before: Decision | undefined): string | null {
  if (!before || before.state === 'pending') return null;
  return `${before.state} before${before.note ? `: ${before.note}` : ''}`;
}

function findingLines(f: Finding, index: number, input: LayoutInput): Line[] {
  const sev = SEVERITY_STYLE[f.severity];
  const out: Line[] = [
    {
      item: index,
      finding: f.id,
      segs: [
        { text: '  ' },
        { text: '', slot: 'decision' },
        { text: ' ' },
        { text: sev.label, color: sev.color, bold: true },
        { text: ' ' },
        { text: printable(f.title) },
        { text: '  ' + printable(f.target), dim: true },
      ],
    },
  ];
  const note = input.notes[f.id];
  const prior = input.baseline[f.id];
  const extra: Seg[] = [];
  if (note) extra.push({ text: `“${printable(note)}”`, color: 'yellow' });
  if (prior && prior.state !== 'pending') {
    const same = Boolean(note) && prior.note === note;
    extra.push({ text: `${note ? ' · ' : ''}${printable(same ? `${prior.state} before` : beforeText(prior)!)}`, dim: true, color: 'yellow' });
  }
  if (extra.length) out.push(line([{ text: '      ' }, ...extra], index));
  return out;
}

/** The row with its decision badge and note filled in. */
export function resolveLine(l: Line, decisions: Record<string, Decision>): Line {
  if (!l.finding) return l;
  const d = decisions[l.finding];
  return {
    ...l,
    segs: l.segs.map((s) => {
      return s.slot === 'decision' ? decisionBadge(d, true) : s;
    }),
  };
}

/** Prose blocks go right before the cell that follows them in the notebook. */
function proseBefore(playbook: PlaybookResult): { byCell: Map<string, string[]>; trailing: string[] } {
  const byCell = new Map<string, string[]>();
  let pending: string[] = [];
  for (const b of playbook.blocks) {
    if (b.type === 'prose') pending.push(b.text);
    else {
      byCell.set(b.cellId, pending);
      pending = [];
    }
  }
  return { byCell, trailing: pending };
}

export function layoutSection(input: LayoutInput): Layout {
  const { section, playbook, width } = input;
  const lines: Line[] = [];
  const itemStart: number[] = [];
  const itemEnd: number[] = [];
  const prose = proseBefore(playbook);
  const addProse = (texts: string[] | undefined) => {
    for (const t of texts ?? []) {
      const md = markdownLines(t, width);
      if (!md.length) continue;
      lines.push(...md, blank());
    }
  };
  if (playbook.summary) lines.push(line([{ text: printable(playbook.summary), dim: true }]), blank());
  const findingsPerCell = new Map<string, number>();
  for (const it of section.items) if (it.kind === 'finding') findingsPerCell.set(it.finding.check, (findingsPerCell.get(it.finding.check) ?? 0) + 1);
  section.items.forEach((it, i) => {
    if (it.kind === 'cell') {
      if (i > 0) lines.push(blank());
      addProse(prose.byCell.get(it.run.cell));
    }
    itemStart[i] = lines.length;
    if (it.kind === 'cell') lines.push(...cellLines(it.run, i, findingsPerCell.get(it.run.cell) ?? 0, input));
    else lines.push(...findingLines(it.finding, i, input));
    itemEnd[i] = lines.length;
  });
  if (prose.trailing.length) {
    lines.push(blank());
    addProse(prose.trailing);
  }
  if (!section.items.length) lines.push(line([{ text: 'This playbook has no cells.', dim: true }]));
  return { lines, itemStart, itemEnd };
}

// ---------------------------------------------------------------------------------------------
// An opened item, full width

export interface DetailInput {
  decisions: Record<string, Decision>;
  baseline: Record<string, Decision>;
  width: number;
}

function heading(text: string, color?: string): Line {
  return line([{ text, bold: true, color }]);
}

function findingDetail(f: Finding, input: DetailInput): Line[] {
  const w = input.width;
  const sev = SEVERITY_STYLE[f.severity];
  const d = input.decisions[f.id];
  const out: Line[] = [
    ...wrapSegs([{ text: sev.label, color: sev.color, bold: true }, { text: ' ' }, { text: printable(f.title), bold: true }], w),
    ...wrapSegs([{ text: 'target ', dim: true }, { text: printable(f.target) }], w, '  '),
    ...wrapSegs([{ text: 'id ', dim: true }, { text: printable(f.id), dim: true }], w, '  '),
    line([{ text: 'decision ', dim: true }, decisionBadge(d), ...(d?.at ? [{ text: `  ${d.at}`, dim: true }] : [])]),
  ];
  if (d?.note) out.push(...wrapSegs([{ text: 'note ', dim: true }, { text: printable(d.note) }], w, '  '));
  const before = beforeText(input.baseline[f.id]);
  if (before) out.push(...wrapSegs([{ text: printable(before), color: 'yellow' }], w, '  '));
  out.push(blank(), heading('Why'), ...markdownLines(f.rationale, w, '  '));
  const evidence = Object.entries(f.evidence);
  if (evidence.length) {
    out.push(blank(), heading('Evidence'));
    for (const [k, v] of evidence) out.push(...wrapSegs([{ text: `${printable(k)}: `, dim: true }, { text: cellText(v) }], w, '      ', '  '));
  }
  out.push(blank());
  if (f.up) {
    out.push(heading('Up — applies the fix', 'green'), ...verbatim(f.up, w, '  ', {}));
    out.push(blank(), heading('Down — undoes it', 'yellow'), ...(f.down ? verbatim(f.down, w, '  ', {}) : [line([{ text: '  (no down SQL)', dim: true }])]));
  } else {
    out.push(line([{ text: 'Advice only: no SQL goes into the migration for this finding.', dim: true }]));
  }
  if (f.drops.length) out.push(blank(), ...wrapSegs([{ text: 'drops ', dim: true }, { text: f.drops.map(printable).join(', ') }], w, '  '));
  if (f.keeps.length) out.push(...wrapSegs([{ text: 'keeps ', dim: true }, { text: f.keeps.map(printable).join(', ') }], w, '  '));
  return out;
}

function cellDetail(run: CellRun, width: number): Line[] {
  const out: Line[] = [
    ...wrapSegs([{ text: `${KIND[run.kind]} `, dim: true }, { text: printable(run.title), bold: true }], width),
    line([{ text: '  ' }, ...statusSegs(run)]),
    ...reasonLines(run, width, '  '),
  ];
  // the evidence first: the SQL that produced it can be long (scroll on for it)
  if (run.columns.length) {
    out.push(blank(), heading(run.truncated ? `Result (first ${run.rows.length} of ${run.rowCount} rows)` : 'Result'));
    out.push(...tableLines(run.columns, run.rows, { width, indent: '  ', total: run.rowCount, expand: true }));
  }
  if (run.sql) out.push(blank(), heading('SQL'), ...verbatim(run.sql.trim(), width, '  ', { color: 'cyan' }));
  return out;
}

export function layoutDetail(item: Item, input: DetailInput): Line[] {
  return item.kind === 'finding' ? findingDetail(item.finding, input) : cellDetail(item.run, input.width);
}
