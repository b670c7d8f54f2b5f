// The whole screen as data, from the review's state and the terminal's size: which rows the sidebar, the
// pane, the docked box and the status bar get, what each shows, and what keys need to know of it
// (page sizes, scroll limits). Pure: the components only draw what this returns.
import type { Decision, RunResult, Severity } from '../playbooks/types.ts';
import { overlayChoices } from '../review/choices.ts';
import type { ViewMetrics } from '../review/controller.ts';
import type { MigrationReview } from '../review/migration-review.ts';
import { currentItems, decisionCounts, focusedItem, outline, OVERVIEW, viewTitles, type Item, type ReviewState, type Section } from '../review/state.ts';
import { bannerLine, messageLines, statusLine } from './chrome.ts';
import { blank, line, sqlLines, wrapSegs, type Line, type Seg } from './lines.ts';
import { layoutDetail, layoutOverview, layoutSection, SEVERITY_STYLE, shortSize, type Layout, type RiskOf } from './notebook.ts';
import { displayWidth, plural, printable, truncate } from './text.ts';
import { scrollTop } from './viewport.ts';
import { planLines } from './plan-view.ts';
import { next } from '../review/line-edit.ts';
import { lockEffect } from '../migration/locks.ts';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
export const NOTE_HEIGHT = 6;
export const QUIT_HEIGHT = 7;
/** the scratch cell editor: its border, a title row, the text rows, a key row */
export function editorHeight(bodyHeight: number): number {
  return Math.max(6, Math.min(14, Math.floor(bodyHeight / 2)));
}
/** rows under the migration review for its confirmation list */
export const REVIEW_FOOTER = 4;

export type Pane =
  | { kind: 'progress' }
  | { kind: 'help' }
  | { kind: 'picker'; picker: 'section' | 'export' }
  | { kind: 'statements'; choices: { label: string; value: string }[] }
  /** `first`: the index of the first row shown in the whole list */
  | { kind: 'lines'; header: Line; lines: Line[]; first: number; selected: number | null }
  | { kind: 'review'; header: Line; lines: Line[]; writable: boolean; building: boolean; error: string | null };

export interface Screen {
  columns: number;
  /** rows drawn: one short of the terminal (a full-height frame makes ink clear the scrollback on every key) */
  rows: number;
  tooSmall: boolean;
  banner: Line;
  side: { width: number; lines: Line[] } | null;
  main: { width: number; height: number; pane: Pane };
  dock: { kind: 'note' | 'quit'; height: number; width: number } | { kind: 'editor'; height: number; width: number; title: string; lines: Line[] } | null;
  /** message or filter line(s) above the status bar */
  bottom: Line[];
  status: Line;
  metrics: ViewMetrics;
  /** the first line shown of the current view's list, to remember for the next frame */
  top: number;
}

export interface ScreenInput {
  state: ReviewState;
  columns: number;
  rows: number;
  /** the first line each view showed last frame, by view */
  tops: ReadonlyMap<number, number>;
  risk: RiskOf;
  /** the server as the banner names it (version, provider) */
  server: string | null;
}

function sideWidth(columns: number): number {
  return columns >= 120 ? 30 : columns >= 100 ? 24 : 20;
}

// ---------------------------------------------------------------------------------------------
// memoized pieces: with 10,000 findings a key that only moves the cursor must not lay anything out again

const notesMemo = new WeakMap<Record<string, Decision>, Record<string, string>>();
let lastNotes: { key: string; notes: Record<string, string> } = { key: '', notes: {} };

/** Notes change the layout (a noted finding takes a second row); decision states do not. */
function notesOf(decisions: Record<string, Decision>): Record<string, string> {
  let n = notesMemo.get(decisions);
  if (n) return n;
  const entries = Object.entries(decisions).filter(([, d]) => d.note);
  const key = entries.map(([id, d]) => `${id}\u0000${d.note}`).sort().join('\u0001');
  if (key !== lastNotes.key) lastNotes = { key, notes: Object.fromEntries(entries.map(([id, d]) => [id, d.note])) };
  n = lastNotes.notes;
  notesMemo.set(decisions, n);
  return n;
}

function memo<T>(fn: (...args: unknown[]) => T): (...args: unknown[]) => T {
  let last: unknown[] | null = null;
  let value: T;
  return (...args) => {
    if (!last || last.length !== args.length || last.some((a, i) => a !== args[i])) {
      value = fn(...args);
      last = args;
    }
    return value;
  };
}

const listLayout = memo((items, view, data, width, notes, baseline, showSql, risk, filter) => {
  const d = data as RunResult;
  const input = { notes: notes as Record<string, string>, baseline: baseline as Record<string, Decision>, width: width as number, risk: risk as RiskOf };
  if (view === OVERVIEW) return layoutOverview(items as Item[], { ...input, total: d.findings.length, filter: filter as string });
  const section = outline(d)[(view as number) - 1];
  return layoutSection({ ...input, section, items: items as Item[], playbook: d.playbooks[(view as number) - 1], showSql: showSql as boolean, filtered: Boolean(filter) });
}) as (items: Item[], view: number, data: RunResult, width: number, notes: Record<string, string>, baseline: Record<string, Decision>, showSql: boolean, risk: RiskOf, filter: string) => Layout;

const detailLayout = memo((item, decisions, baseline, width, risk) =>
  layoutDetail(item as Item, { decisions: decisions as Record<string, Decision>, baseline: baseline as Record<string, Decision>, width: width as number, risk: risk as RiskOf }),
) as (item: Item, decisions: Record<string, Decision>, baseline: Record<string, Decision>, width: number, risk: RiskOf) => Line[];

// ---------------------------------------------------------------------------------------------
// the sidebar

function countSegs(counts: Record<Severity, number>, statuses: Section['statuses'] | null, cells: number, width: number): Seg[] {
  const full = (compact: boolean): Seg[] => {
    const segs: Seg[] = [];
    const add = (seg: Seg) => {
      if (segs.length) segs.push({ text: ' ' });
      segs.push(seg);
    };
    for (const sev of ['critical', 'warning', 'info'] as const) {
      const n = counts[sev];
      if (n) add({ text: compact ? `${n.toLocaleString('en-US')}${SEVERITY_STYLE[sev].label[0]}` : `${n.toLocaleString('en-US')} ${SEVERITY_STYLE[sev].label.toLowerCase()}`, color: SEVERITY_STYLE[sev].color });
    }
    if (!statuses) {
      if (!segs.length) add({ text: 'no findings', dim: true });
      return segs;
    }
    // "no findings" only when every cell ran: a skipped or failed cell checked nothing
    if (!segs.length && statuses.ok === cells) return [{ text: 'no findings', dim: true }];
    if (!segs.length) add({ text: '0 found', dim: true });
    if (statuses.error + statuses.timeout) add({ text: compact ? `${statuses.error + statuses.timeout}✗` : `${statuses.error + statuses.timeout} failed`, color: 'red' });
    if (statuses.cancelled) add({ text: compact ? `${statuses.cancelled}⊘` : `${statuses.cancelled} cancelled`, color: 'yellow' });
    if (statuses.skipped) add({ text: compact ? `${statuses.skipped} skip` : `${statuses.skipped} skipped`, dim: true });
    return segs;
  };
  const long = full(false);
  return long.reduce((n, s) => n + displayWidth(s.text), 0) <= width ? long : full(true);
}

const severityMemo = new WeakMap<RunResult, Record<Severity, number>>();

function severityCounts(data: RunResult): Record<Severity, number> {
  let counts = severityMemo.get(data);
  if (!counts) {
    counts = { info: 0, warning: 0, critical: 0 };
    for (const f of data.findings) counts[f.severity]++;
    severityMemo.set(data, counts);
  }
  return counts;
}

/** The sections with their counts, the current one marked: laid out again only when one of those changes. */
const sidebar = memo((data, view, width, height) => sidebarLines(data as RunResult | null, view as number, width as number, height as number)) as (data: RunResult | null, view: number, width: number, height: number) => Line[];

function sidebarLines(data: RunResult | null, view: number, width: number, height: number): Line[] {
  if (!data) return [];
  const sections = outline(data);
  const titles = viewTitles(data);
  const blocks: Line[][] = titles.map((title, v) => {
    const on = v === view;
    const head = wrapSegs([{ text: printable(title), bold: on, color: on ? 'cyan' : undefined }], width, '  ', on ? '▸ ' : '  ');
    if (on) head[0] = { ...head[0], segs: [{ text: '▸ ', color: 'cyan' }, ...head[0].segs.slice(1)] };
    if (v === OVERVIEW) return [...head, line([{ text: '  ' }, ...countSegs(severityCounts(data), null, 0, width - 2)])];
    const s = sections[v - 1];
    return [...head, line([{ text: '  ' }, ...countSegs(s.counts, s.statuses, s.items.filter((i) => i.kind === 'cell').length, width - 2)])];
  });
  const all = blocks.flat();
  if (all.length <= height) return all;
  // keep the current view's block in sight
  const start = blocks.slice(0, view).reduce((n, b) => n + b.length, 0);
  const top = Math.max(0, Math.min(start - Math.floor((height - blocks[view].length) / 2), all.length - height));
  return all.slice(top, top + height);
}

// ---------------------------------------------------------------------------------------------
// the migration review

function reviewLines(review: MigrationReview, width: number): Line[] {
  const out: Line[] = [];
  if (review.conflicts.length) {
    out.push(line([{ text: 'These accepted findings cannot all be applied; nothing can be written until one of each pair is changed:', color: 'red', bold: true }]));
    for (const c of review.conflicts) out.push(...wrapSegs([{ text: printable(c), color: 'red' }], width, '    ', '  • '));
    return out;
  }
  const statements = review.parts.reduce((n, p) => n + p.statements.length, 0);
  out.push(
    ...wrapSegs(
      [{ text: `${plural(statements, 'statement')} in ${plural(review.parts.length, 'part')}, from ${plural(review.accepted, 'accepted finding')}`, bold: true }, { text: ' — the rollback undoes them in reverse', dim: true }],
      width,
    ),
  );
  if (!review.parts.length) out.push(line([{ text: 'No accepted finding carries SQL: the migration file will say so, and the snapshot keeps the decisions.', dim: true }]));
  review.parts.forEach((p, i) => {
    out.push(blank(), ...wrapSegs([{ text: `part ${i + 1} of ${review.parts.length}`, bold: true, color: 'cyan' }, { text: ` · ${p.note}`, dim: true }], width, '    '));
    for (const s of p.statements) {
      const lock = s.lock === null ? 'no table lock' : s.lock === 'unknown' ? 'lock not known' : `${s.lock} (${lockEffect(s.lock)})`;
      const facts = [lock, ...(s.tableBytes !== null ? [`table ${shortSize(s.tableBytes)}`] : []), ...(s.rewrites === 'yes' ? ['rewrites the table'] : s.rewrites === 'maybe' ? ['may rewrite'] : []), ...(s.scans ? ['scans it'] : [])];
      out.push(...wrapSegs([{ text: printable(s.target), bold: true }, { text: `  ${printable(s.title)}`, dim: true }], width, '      ', '  '));
      out.push(...wrapSegs([{ text: facts.join(' · '), color: s.lock === 'ACCESS EXCLUSIVE' ? 'red' : s.lock === 'unknown' ? 'yellow' : undefined }], width, '      ', '    '));
      out.push(...sqlLines(`${s.sql};`, width, '    ', { color: 'cyan' }));
    }
  });
  if (review.advice.length) {
    out.push(blank(), line([{ text: `Accepted advice, not in the migration (${review.advice.length})`, bold: true }]));
    for (const a of review.advice) out.push(...wrapSegs([{ text: printable(a.title) }], width, '    ', '  • '));
  }
  if (review.irreversible.length) {
    out.push(blank(), line([{ text: `No rollback given for (${review.irreversible.length})`, bold: true, color: 'yellow' }]));
    for (const a of review.irreversible) out.push(...wrapSegs([{ text: printable(a.title) }], width, '    ', '  • '));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function filterLine(state: ReviewState, width: number): Line[] {
  if (state.overlay.kind !== 'filter') return [];
  const f = state.overlay.field;
  const shown = currentItems(state).length;
  const before = printable(f.text.slice(0, f.caret));
  const at = printable(f.text.slice(f.caret, f.caret + 1)) || ' ';
  const after = printable(f.text.slice(f.caret + 1));
  return [line([{ text: '/', bold: true, color: 'cyan' }, { text: before }, { text: at, inverse: true }, { text: after }, { text: truncate(`   ${plural(shown, 'match', 'matches')} here · enter keeps · Esc clears`, Math.max(0, width - displayWidth(before + at + after) - 1)), dim: true }])];
}

export function layoutScreen(input: ScreenInput): Screen {
  const { state, columns } = input;
  const rows = input.rows - 1;
  const tooSmall = columns < MIN_COLUMNS || input.rows < MIN_ROWS;
  const counts = decisionCounts(state);
  const bottom = state.overlay.kind === 'filter' ? filterLine(state, columns) : messageLines(state.message, columns);
  const bodyHeight = Math.max(1, rows - 2 - bottom.length);
  const side = state.data ? sideWidth(columns) : 0;
  const mainWidth = state.data ? Math.max(20, columns - side - 1) : columns;
  // the note box and the quit question dock under the pane, which stays in view
  const dock: Screen['dock'] =
    state.overlay.kind === 'note'
      ? { kind: 'note' as const, height: NOTE_HEIGHT, width: columns }
      : state.overlay.kind === 'quit-confirm'
        ? { kind: 'quit' as const, height: QUIT_HEIGHT, width: columns }
        : state.overlay.kind === 'editor'
          ? editorDock(state, columns, editorHeight(bodyHeight))
          : null;
  const mainHeight = bodyHeight - (dock?.height ?? 0);
  const paneLines = Math.max(1, mainHeight - 1);
  const textWidth = mainWidth - 2;
  const metrics: ViewMetrics = { pageItems: 1, pageLines: paneLines, maxScroll: 0, reviewMax: 0, tooSmall };
  const base = {
    columns,
    rows,
    tooSmall,
    banner: bannerLine(state.source, input.server),
    side: state.data ? { width: side, lines: sidebar(state.data, state.cursor.view, side, mainHeight) } : null,
    dock,
    bottom,
    status: statusLine(state.source, counts, state.dirty, columns - 8),
    metrics,
    top: input.tops.get(state.cursor.view) ?? 0,
  };
  const o = state.overlay;
  if (!state.data) return { ...base, main: { width: columns, height: mainHeight, pane: o.kind === 'help' ? { kind: 'help' } : { kind: 'progress' } } };
  if (o.kind === 'help') return { ...base, main: { width: mainWidth, height: mainHeight, pane: { kind: 'help' } } };
  if (o.kind === 'picker') return { ...base, main: { width: mainWidth, height: mainHeight, pane: { kind: 'picker', picker: o.picker } } };
  if (o.kind === 'statements') return { ...base, main: { width: mainWidth, height: mainHeight, pane: { kind: 'statements', choices: overlayChoices(state).map((c) => ({ ...c, label: truncate(printable(c.label), Math.max(10, mainWidth - 6)) })) } } };
  if (o.kind === 'plan') {
    const width = columns - 2;
    const height = bodyHeight - 1;
    const all = planLines(o.choice, o.outcome, o.error, width);
    const max = Math.max(0, all.length - height);
    const scroll = Math.min(o.scroll, max);
    const header = line([{ text: 'Plan', bold: true, color: 'cyan' }, { text: `  lines ${scroll + 1}–${Math.min(all.length, scroll + height)} of ${all.length}  j/k PgUp/PgDn scroll · y copies the statement · Esc back`, dim: true }]);
    return { ...base, side: null, metrics: { ...metrics, pageLines: height, reviewMax: max }, main: { width: columns, height: bodyHeight, pane: { kind: 'lines', header, lines: all.slice(scroll, scroll + height), first: scroll, selected: null } } };
  }
  if (o.kind === 'review') {
    const width = columns - 2;
    const height = bodyHeight - REVIEW_FOOTER - 1;
    const all = o.review ? reviewLines(o.review, width) : o.error ? [] : [line([{ text: 'building the migration…', dim: true }])];
    const max = Math.max(0, all.length - height);
    const scroll = Math.min(o.scroll, max);
    const header = line([{ text: 'Review before writing', bold: true, color: 'cyan' }, { text: `  lines ${all.length ? scroll + 1 : 0}–${Math.min(all.length, scroll + height)} of ${all.length}  PgUp/PgDn scroll · y copies the migration · Esc back`, dim: true }]);
    return {
      ...base,
      side: null,
      metrics: { ...metrics, pageLines: height, reviewMax: max },
      main: { width: columns, height: bodyHeight, pane: { kind: 'review', header, lines: all.slice(scroll, scroll + height), writable: overlayChoices(state).some((c) => c.value === 'write'), building: !o.review && !o.error, error: o.error } },
    };
  }

  const items = currentItems(state);
  const view = state.cursor.view;
  const title = viewTitles(state.data)[view] ?? '';
  const opened = state.cursor.opened ? focusedItem(state) : null;
  if (opened) {
    const width = columns - 2;
    const detail = detailLayout(opened, state.decisions, state.baseline, width, input.risk);
    const height = bodyHeight - (dock?.height ?? 0) - 1;
    const maxScroll = Math.max(0, detail.length - height);
    const scroll = Math.min(state.cursor.detailScroll, maxScroll);
    const header = line([
      { text: `‹ ${printable(title)} › `, color: 'cyan' },
      { text: opened.kind === 'finding' ? 'finding' : 'cell', bold: true },
      { text: `  lines ${scroll + 1}–${Math.min(detail.length, scroll + height)} of ${detail.length}`, dim: true },
      { text: opened.kind === 'finding' ? '  Esc back · a accept · r reject · u pending · c note · y/Y copy up/down' : '  Esc back · y copies the SQL', dim: true },
    ]);
    return {
      ...base,
      side: null,
      metrics: { ...metrics, pageLines: height, maxScroll },
      main: { width: columns, height: mainHeight, pane: { kind: 'lines', header, lines: detail.slice(scroll, scroll + height), first: scroll, selected: null } },
    };
  }

  const layout = listLayout(items, view, state.data, textWidth, notesOf(state.decisions), state.baseline, state.showSql, input.risk, state.filter);
  let top = input.tops.get(view) ?? 0;
  const i = Math.min(state.cursor.item, layout.itemStart.length - 1);
  if (i >= 0) top = scrollTop(top, layout.itemStart[i], layout.itemEnd[i], paneLines, layout.lines.length);
  else top = Math.min(top, Math.max(0, layout.lines.length - paneLines));
  let pageItems = 0;
  if (i >= 0) {
    const from = layout.itemStart[i];
    for (let k = i + 1; k < layout.itemStart.length && layout.itemStart[k] < from + paneLines; k++) pageItems++;
  }
  const focused = items[state.cursor.item];
  const hint =
    view === OVERVIEW
      ? focused?.kind === 'pattern'
        ? '  enter unfolds · a/r/u decide all · / filter · tab sections'
        : '  enter details · o notebook · a/r/u decide · / filter · tab sections'
      : focused?.kind === 'finding'
        ? '  enter details · a accept · r reject · u pending · / filter'
        : '  enter opens · s SQL · / filter · tab next section';
  const header = line([
    { text: printable(title), bold: true, color: 'cyan' },
    { text: items.length ? `  ${state.cursor.item + 1}/${items.length}` : '', dim: true },
    ...(state.filter ? [{ text: `  /${printable(state.filter)}`, color: 'yellow' }] : []),
    { text: hint, dim: true },
  ]);
  return {
    ...base,
    top,
    metrics: { ...metrics, pageItems: Math.max(1, pageItems) },
    main: { width: mainWidth, height: mainHeight, pane: { kind: 'lines', header, lines: layout.lines.slice(top, top + paneLines), first: top, selected: i >= 0 ? i : null } },
  };
}

/** The scratch cell editor docked under the notebook: the text with its caret, scrolled to keep it in view. */
function editorDock(state: ReviewState, columns: number, height: number): Screen['dock'] {
  const o = state.overlay;
  if (o.kind !== 'editor') return null;
  const rows = Math.max(1, height - 4);
  const width = columns - 4;
  const { lines, row, col } = o.area;
  const first = Math.max(0, Math.min(row - rows + 1, lines.length - rows));
  const out: Line[] = [];
  for (let r = first; r < Math.min(lines.length, first + rows); r++) {
    const text = lines[r];
    const num = { text: `${String(r + 1).padStart(3)} `, dim: true };
    if (r !== row) {
      out.push(line([num, { text: truncate(printable(text), width - 4) }]));
      continue;
    }
    // the caret's row scrolls sideways to keep the caret in view
    const from = Math.max(0, col - (width - 6));
    const before = printable(text.slice(from, col));
    const end = next(text, col);
    const at = printable(text.slice(col, end)) || ' ';
    const after = truncate(printable(text.slice(end)), Math.max(0, width - 5 - displayWidth(before)));
    out.push(line([num, { text: before }, { text: at, inverse: true }, { text: after }]));
  }
  const section = state.data?.playbooks.find((p) => p.id === o.playbook)?.title ?? o.playbook;
  const title = `${o.cellId ? 'Your cell' : 'A new cell'} in ${section}: read-only SQL, one statement`;
  return { kind: 'editor', height, width: columns, title, lines: out };
}
