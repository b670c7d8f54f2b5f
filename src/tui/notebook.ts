// Lays a view out as screen lines: the overview's ranked findings and patterns, a section's prose, cells
// and findings, an opened item. Pure: the pane renders only the rows in view, so 10,000 findings stay fluid.
import type { Risk } from '../findings/risk.ts';
import { lockEffect, type LockMode } from '../migration/locks.ts';
import type { CellRun, Decision, Finding, PlaybookResult, Severity } from '../playbooks/types.ts';
import type { Item, Section } from '../review/state.ts';
import { evidenceLines } from './evidence.ts';
import { blank, line, sqlLines, wrapSegs, type Line, type Seg } from './lines.ts';
import { markdownLines } from './markdown.ts';
import { tableLines } from './table.ts';
import { displayWidth, plural, printable, truncate } from './text.ts';

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

/** The risk of a finding, once the parser is loaded (null until then). */
export type RiskOf = ((f: Finding) => Risk) | null;

export interface RowInput {
  /** notes by finding id: a note gets its own row under the finding */
  notes: Record<string, string>;
  baseline: Record<string, Decision>;
  width: number;
  risk: RiskOf;
}

export interface LayoutInput extends RowInput {
  section: Section;
  /** the section's items as listed (filtered) */
  items: Item[];
  playbook: PlaybookResult;
  showSql: boolean;
  /** a filter is on: the list of matches without the prose around them */
  filtered: boolean;
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

function cellLines(run: CellRun, index: number, findingCount: number, input: LayoutInput, yours = false): Line[] {
  const w = input.width;
  const out: Line[] = [line([{ text: yours ? '✎ yours ' : `${KIND[run.kind]} `, dim: !yours, color: yours ? 'magenta' : undefined }, { text: printable(run.title), bold: true }, { text: '  ' }, ...statusSegs(run)], index)];
  if (yours && run.sql && !input.showSql) out.push(...sqlLines(run.sql.trim(), w, '    ', { color: 'cyan' }, index));
  out.push(...reasonLines(run, w, '    ', index));
  if (input.showSql && run.sql) out.push(...sqlLines(run.sql.trim(), w, '    ', { color: 'cyan' }, index));
  if (run.status === 'ok' && !input.filtered) {
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

// ---------------------------------------------------------------------------------------------
// Finding rows: the decision, the severity, the object (never cut), the title (cut first), the risk.

const LOCK_SHORT: Record<LockMode, string> = {
  'ACCESS SHARE': 'AccessShare',
  'ROW SHARE': 'RowShare',
  'ROW EXCLUSIVE': 'RowExcl',
  'SHARE UPDATE EXCLUSIVE': 'ShareUpdExcl',
  SHARE: 'Share',
  'SHARE ROW EXCLUSIVE': 'ShareRowExcl',
  EXCLUSIVE: 'Exclusive',
  'ACCESS EXCLUSIVE': 'AccessExcl',
};

const LOCK_COLOR = (mode: Risk['lock']): string | undefined =>
  mode === 'ACCESS EXCLUSIVE' || mode === 'EXCLUSIVE' ? 'red' : mode === 'SHARE' || mode === 'SHARE ROW EXCLUSIVE' ? 'yellow' : mode === 'unknown' ? 'yellow' : 'green';

/** "776 kB", "1.2 GB": sizes in a fixed short form for the risk column. */
export function shortSize(bytes: number | null): string {
  if (bytes === null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export const RISK_WIDE = 28;
export const RISK_NARROW = 12;

/** The risk column: lock, and where there is room the table's size and whether it rewrites. */
export function riskSegs(f: Finding, risk: RiskOf, width: number): Seg[] {
  if (!f.up) return [{ text: 'advice', dim: true }];
  if (!risk) return [{ text: '…', dim: true }];
  const r = risk(f);
  const lock = r.lock === null ? 'no lock' : r.lock === 'unknown' ? 'lock ?' : LOCK_SHORT[r.lock];
  const segs: Seg[] = [{ text: lock, color: LOCK_COLOR(r.lock) }];
  if (width >= RISK_WIDE) {
    const size = shortSize(r.tableBytes);
    if (size) segs.push({ text: size.padStart(8), dim: true });
    if (r.rewrites !== 'no') segs.push({ text: r.rewrites === 'yes' ? ' rewrite' : ' rewrite?', color: r.rewrites === 'yes' ? 'red' : 'yellow' });
    else if (r.scans) segs.push({ text: ' scan', dim: true });
  } else if (r.rewrites !== 'no') segs.push({ text: r.rewrites === 'yes' ? ' ⟳' : ' ⟳?', color: 'red' });
  return segs;
}

function segsWidth(segs: Seg[]): number {
  return segs.reduce((n, s) => n + displayWidth(s.text), 0);
}

/** Hard-wraps an identifier that is wider than the row: cut into rows, never shortened. */
function splitWidth(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (displayWidth(cur + ch) > width && cur) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur || !out.length) out.push(cur);
  return out;
}

/** One finding as list rows: `[ ] WARN object  title…  risk`; a note or "rejected before" on the next row. */
export function findingRowLines(f: Finding, index: number, input: RowInput, depth = 0): Line[] {
  const sev = SEVERITY_STYLE[f.severity];
  const lead = ' '.repeat(depth * 2);
  const prefix: Seg[] = [{ text: lead }, { text: '[ ]', slot: 'decision' }, { text: ' ' }, { text: sev.label, color: sev.color, bold: true }, { text: ' ' }];
  const prefixWidth = displayWidth(lead) + 9;
  const riskWidth = input.width - prefixWidth >= 70 ? RISK_WIDE : RISK_NARROW;
  const risk = riskSegs(f, input.risk, riskWidth);
  const room = input.width - prefixWidth - riskWidth - 1;
  const target = printable(f.target);
  const title = printable(f.title);
  const targetWidth = displayWidth(target);
  const out: Line[] = [];
  const riskCell = (used: number): Seg[] => [{ text: ' '.repeat(Math.max(1, input.width - riskWidth - used)) }, ...risk];
  const cont = ' '.repeat(prefixWidth);
  if (targetWidth + 2 + Math.min(12, displayWidth(title)) <= room) {
    const t = truncate(title, room - targetWidth - 2);
    const segs: Seg[] = [...prefix, { text: target, bold: true }, { text: '  ' + t, dim: false }];
    out.push({ item: index, finding: f.id, segs: [...segs, ...riskCell(segsWidth(segs))] });
  } else {
    // the object takes the row (and more rows when it is that long); the title and the risk go below it
    for (const [i, p] of splitWidth(target, input.width - prefixWidth).entries()) out.push({ item: index, finding: i === 0 ? f.id : undefined, segs: [...(i === 0 ? prefix : [{ text: cont }]), { text: p, bold: true }] });
    const segs: Seg[] = [{ text: cont }, { text: truncate(title, room) }];
    out.push({ item: index, segs: [...segs, ...riskCell(segsWidth(segs))] });
  }
  const note = input.notes[f.id];
  const prior = input.baseline[f.id];
  const extra: Seg[] = [];
  if (note) extra.push({ text: `“${printable(note)}”`, color: 'yellow' });
  if (prior && prior.state !== 'pending') {
    const same = Boolean(note) && prior.note === note;
    extra.push({ text: `${note ? ' · ' : ''}${printable(same ? `${prior.state} before` : beforeText(prior)!)}`, dim: true, color: 'yellow' });
  }
  if (extra.length) out.push(...wrapSegs(extra, input.width, cont, cont, index));
  return out;
}

/** A pattern: how many objects one check found, by severity, and the worst of them. */
export function patternRowLines(item: Extract<Item, { kind: 'pattern' }>, index: number, input: RowInput): Line[] {
  const p = item.pattern;
  const sev = SEVERITY_STYLE[p.severity];
  const counts = (['critical', 'warning', 'info'] as const)
    .filter((s) => p.counts[s])
    .map((s) => `${p.counts[s].toLocaleString('en-US')} ${SEVERITY_STYLE[s].label.toLowerCase()}`)
    .join(' ');
  const head: Seg[] = [
    { text: '[ ]', slot: 'pattern' },
    { text: ' ' },
    { text: sev.label, color: sev.color, bold: true },
    { text: ` ${item.open ? '▾' : '▸'} ` },
    { text: `${p.findings.length.toLocaleString('en-US')} × `, bold: true },
    { text: printable(item.title), bold: true },
    { text: `  ${counts}`, dim: true },
  ];
  const out: Line[] = [{ item: index, pattern: p.findings.map((f) => f.id), segs: head }];
  if (item.open) {
    out.push(line([{ text: '         worst first below · enter folds', dim: true }], index));
    return out;
  }
  // as many of the worst as fit on one row
  const room = input.width - 9;
  const names = p.examples.map((f) => printable(f.target));
  let text = 'worst: ' + truncate(names[0] ?? '', room - 7);
  for (const n of names.slice(1)) {
    if (displayWidth(text) + 2 + displayWidth(n) + 5 > room) break;
    text += ', ' + n;
  }
  if (p.findings.length > 1) text += ', …';
  out.push(line([{ text: '         ' }, { text: text, dim: true }], index));
  return out;
}

const patternMemo = new WeakMap<string[], { decisions: Record<string, Decision>; accepted: number; rejected: number }>();

function patternCounts(ids: string[], decisions: Record<string, Decision>): { accepted: number; rejected: number } {
  const hit = patternMemo.get(ids);
  if (hit && hit.decisions === decisions) return hit;
  let accepted = 0;
  let rejected = 0;
  for (const id of ids) {
    const st = decisions[id]?.state;
    if (st === 'accepted') accepted++;
    else if (st === 'rejected') rejected++;
  }
  patternMemo.set(ids, { decisions, accepted, rejected });
  return { accepted, rejected };
}

/** The row with its decision badge filled in (one finding, or a pattern's mix). */
export function resolveLine(l: Line, decisions: Record<string, Decision>): Line {
  if (l.finding) {
    const d = decisions[l.finding];
    return { ...l, segs: l.segs.map((s) => (s.slot === 'decision' ? decisionBadge(d, true) : s)) };
  }
  if (l.pattern) {
    const { accepted, rejected } = patternCounts(l.pattern, decisions);
    const n = l.pattern.length;
    const mark: Seg =
      accepted === n ? decisionBadge({ state: 'accepted', note: '', at: '' }, true) : rejected === n ? decisionBadge({ state: 'rejected', note: '', at: '' }, true) : accepted + rejected ? { text: '[~]', color: 'yellow', bold: true } : decisionBadge(undefined, true);
    return { ...l, segs: l.segs.map((s) => (s.slot === 'pattern' ? mark : s)) };
  }
  return l;
}

// ---------------------------------------------------------------------------------------------
// The overview

export function layoutOverview(items: Item[], input: RowInput & { total: number; filter: string }): Layout {
  const lines: Line[] = [];
  const itemStart: number[] = [];
  const itemEnd: number[] = [];
  const shown = items.filter((i) => i.kind !== 'cell').length;
  lines.push(
    ...wrapSegs(
      [
        { text: input.filter ? `${plural(shown, 'row')} match “${printable(input.filter)}”` : `${plural(input.total, 'finding')}, most severe and largest first`, dim: true },
        { text: ' · a check that fires 3 times or more is one pattern', dim: true },
      ],
      input.width,
    ),
  );
  const riskWidth = input.width - 9 >= 70 ? RISK_WIDE : RISK_NARROW;
  lines.push(line([{ text: '    SEV  OBJECT  finding', dim: true }, { text: ' '.repeat(Math.max(1, input.width - 25 - riskWidth)) }, { text: 'LOCK'.padEnd(riskWidth), dim: true }]));
  items.forEach((it, i) => {
    itemStart[i] = lines.length;
    if (it.kind === 'pattern') lines.push(...patternRowLines(it, i, input));
    else if (it.kind === 'finding') lines.push(...findingRowLines(it.finding, i, input, it.depth));
    itemEnd[i] = lines.length;
  });
  if (!items.length) lines.push(line([{ text: input.filter ? 'nothing matches the filter (Esc clears it)' : 'No findings: every check that ran came back clean.', dim: true }]));
  return { lines, itemStart, itemEnd };
}

// ---------------------------------------------------------------------------------------------
// A section

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
  const { section, playbook, width, items, filtered } = input;
  const lines: Line[] = [];
  const itemStart: number[] = [];
  const itemEnd: number[] = [];
  const prose = proseBefore(playbook);
  const addProse = (texts: string[] | undefined) => {
    if (filtered) return;
    for (const t of texts ?? []) {
      const md = markdownLines(t, width);
      if (!md.length) continue;
      lines.push(...md, blank());
    }
  };
  if (playbook.summary && !filtered) lines.push(...wrapSegs([{ text: printable(playbook.summary), dim: true }], width), blank());
  const findingsPerCell = new Map<string, number>();
  for (const it of section.items) if (it.kind === 'finding') findingsPerCell.set(it.finding.check, (findingsPerCell.get(it.finding.check) ?? 0) + 1);
  items.forEach((it, i) => {
    if (it.kind === 'cell') {
      if (i > 0 && !filtered) lines.push(blank());
      addProse(prose.byCell.get(it.run.cell));
    }
    itemStart[i] = lines.length;
    if (it.kind === 'cell') lines.push(...cellLines(it.run, i, findingsPerCell.get(it.run.cell) ?? 0, input, Boolean(it.scratch)));
    else if (it.kind === 'finding') lines.push(...findingRowLines(it.finding, i, input));
    itemEnd[i] = lines.length;
  });
  if (prose.trailing.length && !filtered) {
    lines.push(blank());
    addProse(prose.trailing);
  }
  if (!items.length) lines.push(line([{ text: filtered ? 'nothing in this section matches the filter (n: next match elsewhere · Esc clears)' : 'This playbook has no cells.', dim: true }]));
  return { lines, itemStart, itemEnd };
}

// ---------------------------------------------------------------------------------------------
// An opened item, full width

export interface DetailInput {
  decisions: Record<string, Decision>;
  baseline: Record<string, Decision>;
  width: number;
  risk: RiskOf;
}

function heading(text: string, color?: string): Line {
  return line([{ text, bold: true, color }]);
}

function riskLines(f: Finding, input: DetailInput): Line[] {
  if (!f.up) return [];
  if (!input.risk) return [line([{ text: '  risk ', dim: true }, { text: '…', dim: true }])];
  const r = input.risk(f);
  const lock = r.lock === null ? 'no table lock' : r.lock === 'unknown' ? 'not known (the statement kind is not one pgadvisor reads)' : `${r.lock} (${lockEffect(r.lock)})`;
  const parts: Seg[] = [{ text: 'lock ', dim: true }, { text: lock, color: LOCK_COLOR(r.lock) }, { text: r.lockFrom === 'evidence' ? '  stated by the check' : '  read from the up SQL', dim: true }];
  const out = wrapSegs(parts, input.width, '    ', '  ');
  const facts: string[] = [];
  if (r.tableBytes !== null) facts.push(`table ${shortSize(r.tableBytes)}`);
  facts.push(r.rewrites === 'yes' ? 'rewrites the table' : r.rewrites === 'maybe' ? 'may rewrite the table (depends on the types)' : 'no rewrite');
  if (r.scans) facts.push('scans the table under the lock');
  out.push(...wrapSegs([{ text: 'cost ', dim: true }, { text: facts.join(' · ') }], input.width, '    ', '  '));
  return out;
}

function findingDetail(f: Finding, input: DetailInput): Line[] {
  const w = input.width;
  const sev = SEVERITY_STYLE[f.severity];
  const d = input.decisions[f.id];
  const out: Line[] = [
    ...wrapSegs([{ text: sev.label, color: sev.color, bold: true }, { text: ' ' }, { text: printable(f.target), bold: true }], w),
    ...wrapSegs([{ text: printable(f.title) }], w, '  ', '  '),
    ...wrapSegs([{ text: 'id ', dim: true }, { text: printable(f.id), dim: true }], w, '  ', '  '),
    line([{ text: '  decision ', dim: true }, decisionBadge(d), ...(d?.at ? [{ text: `  ${d.at}`, dim: true }] : [])]),
    ...riskLines(f, input),
  ];
  if (d?.note) out.push(...wrapSegs([{ text: 'note ', dim: true }, { text: printable(d.note) }], w, '    ', '  '));
  const before = beforeText(input.baseline[f.id]);
  if (before) out.push(...wrapSegs([{ text: printable(before), color: 'yellow' }], w, '  ', '  '));
  out.push(blank(), heading('Why'), ...markdownLines(f.rationale, w, '  '));
  if (Object.keys(f.evidence).length) out.push(blank(), heading('Evidence'), ...evidenceLines(f.evidence, w));
  out.push(blank());
  if (f.up) {
    out.push(heading('Up — applies the fix   (y copies it)', 'green'), ...sqlLines(f.up, w, '  ', {}));
    out.push(blank(), heading('Down — undoes it   (Y copies it)', 'yellow'), ...(f.down ? sqlLines(f.down, w, '  ', {}) : [line([{ text: '  (no down SQL)', dim: true }])]));
  } else {
    out.push(line([{ text: 'Advice only: no SQL goes into the migration for this finding.', dim: true }]));
  }
  if (f.drops.length) out.push(blank(), ...wrapSegs([{ text: 'drops ', dim: true }, { text: f.drops.map(printable).join(', ') }], w, '  ', '  '));
  if (f.keeps.length) out.push(...wrapSegs([{ text: 'keeps ', dim: true }, { text: f.keeps.map(printable).join(', ') }], w, '  ', '  '));
  return out;
}

function cellDetail(run: CellRun, width: number, yours = false): Line[] {
  const out: Line[] = [
    ...wrapSegs([{ text: yours ? 'your cell ' : `${KIND[run.kind]} `, dim: !yours, color: yours ? 'magenta' : undefined }, { text: printable(run.title), bold: true }], width),
    line([{ text: '  ' }, ...statusSegs(run)]),
    ...reasonLines(run, width, '  '),
    ...(yours ? [line([{ text: '  E edits · ctrl-r runs it again · p plans it · D deletes it', dim: true }])] : []),
  ];
  // the evidence first: the SQL that produced it can be long (scroll on for it)
  if (run.columns.length) {
    out.push(blank(), heading(run.truncated ? `Result (first ${run.rows.length} of ${run.rowCount} rows)` : 'Result'));
    out.push(...tableLines(run.columns, run.rows, { width, indent: '  ', total: run.rowCount, expand: true }));
  }
  if (run.sql) out.push(blank(), heading('SQL   (y copies it)'), ...sqlLines(run.sql.trim(), width, '  ', { color: 'cyan' }));
  return out;
}

export function layoutDetail(item: Item, input: DetailInput): Line[] {
  if (item.kind === 'finding') return findingDetail(item.finding, input);
  if (item.kind === 'cell') return cellDetail(item.run, input.width, Boolean(item.scratch));
  return [];
}
