// The state of a review (the TUI over a run or a snapshot) and its one reducer. Pure: no ink, no files, no
// database. The effects (running, autosaving, writing, copying, quitting) live in controller.ts.
import type { RunEvent } from '../playbooks/runner.ts';
import { CONNECTION_LOST, type CellRun, type CellStatus, type Decision, type DecisionState, type Finding, type RunResult, type Severity } from '../playbooks/types.ts';
import { terminalText } from '../util/untrusted-text.ts';
import type { MigrationReview } from './migration-review.ts';
import { editLine, type Field as TextField, type LineEdit } from './line-edit.ts';
import { overviewItems, sectionItems, withScratch, type Item } from './views.ts';
import type { ScratchCell, ScratchRun } from '../notebook/scratch.ts';
import type { ExplainOutcome } from '../explain/explain.ts';
import type { ExplainChoice } from './explain-targets.ts';
import { areaText, editArea, textArea, type AreaEdit, type TextArea } from './text-area.ts';

export type { Item };

export type Source =
  | { kind: 'live'; display: string }
  | { kind: 'demo'; display: string }
  | { kind: 'replay'; file: string; database: string; takenAt: string; demo?: boolean };

export interface Progress {
  running: { playbook: string; cell: string; title: string }[];
  done: number;
  total: number;
  /** a run (the first, or R's) is in flight */
  active: boolean;
  /** Esc pressed: the run is being cancelled */
  cancelling: boolean;
  /** what the run is doing before its first cell (starting the demo database) */
  status?: string;
}

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  /**
   * The note box, for one finding or every finding of a pattern. `undo` holds the decisions as they were when
   * the box came with a rejection: Esc puts them back, so leaving the box undoes the rejection.
   */
  | { kind: 'note'; ids: string[]; label: string; field: TextField; undo: { decisions: Record<string, Decision | undefined>; dirty: boolean } | null }
  | { kind: 'quit-confirm'; code: number }
  | { kind: 'filter'; field: TextField; before: string }
  /** `choice`: the highlighted line of its confirmation list (overlayChoices) */
  | { kind: 'review'; review: MigrationReview | null; scroll: number; error: string | null; choice: number }
  | { kind: 'picker'; picker: 'section' | 'export'; choice: number }
  /** p found several statements: which one to plan */
  | { kind: 'statements'; choices: ExplainChoice[]; choice: number }
  /** the plan of one statement (outcome null while it is being made) */
  | { kind: 'plan'; choice: ExplainChoice; outcome: ExplainOutcome | null; error: string | null; scroll: number }
  /** the scratch cell editor: a new cell (cellId null) or one being edited, in the section `playbook` */
  | { kind: 'editor'; cellId: string | null; playbook: string; area: TextArea };

/** The views: 0 is the overview of every finding, then one per playbook. */
export const OVERVIEW = 0;

export interface Cursor {
  view: number;
  /** selected item of the view */
  item: number;
  /** key of the opened item, shown full width */
  opened: string | null;
  /** first line shown of the opened item */
  detailScroll: number;
}

export interface SavedPaths {
  snapshot: string;
  migration: string;
  rollback: string;
}

export interface Message {
  tone: 'info' | 'error';
  lines: string[];
}

export interface ReviewState {
  data: RunResult | null;
  progress: Progress;
  decisions: Record<string, Decision>;
  /** decisions of the baseline snapshot, by finding id */
  baseline: Record<string, Decision>;
  cursor: Cursor;
  /** the selected item of each view, by view index: coming back to a view finds it where it was */
  positions: Record<number, string>;
  /** patterns of the overview shown unfolded, by key */
  unfolded: Record<string, true>;
  /** the text every list is filtered by ('' for none) */
  filter: string;
  showSql: boolean;
  overlay: Overlay;
  /** decisions changed since the last write */
  dirty: boolean;
  lastSaved: SavedPaths | null;
  message: Message | null;
  source: Source;
  /** the run failed as a whole (not a cell): nothing to show */
  runError: string | null;
  /** set when the review ends; the exit code (130 after ctrl-c) */
  quitting: { code: number } | null;
  /** the engineer's own cells, each in the section it was written in, in the order written */
  scratch: ScratchCell[];
  /** the scratch cell whose query is running (Esc cancels it) */
  scratchRunning: string | null;
}

export type MoveTo = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end';

export type Action =
  | { type: 'run-started'; total: number }
  | { type: 'run-event'; event: RunEvent }
  | { type: 'run-finished'; data: RunResult }
  | { type: 'run-failed'; message: string }
  /** sections run again: their results replace the old ones, decisions stay */
  | { type: 'rerun-started'; playbooks: string[] }
  | { type: 'run-merged'; data: RunResult }
  | { type: 'rerun-failed'; message: string }
  | { type: 'cancel-run' }
  /** page: items (or lines, in an opened item) per page; maxScroll: last scroll line of the opened item */
  | { type: 'move'; to: MoveTo; page?: number; maxScroll?: number }
  | { type: 'view'; by: 1 | -1 }
  | { type: 'view-to'; view: number; item?: string }
  /** n / N: the next or previous item matching the filter, across views */
  | { type: 'match'; by: 1 | -1 }
  | { type: 'open' }
  | { type: 'close' }
  /** from an overview row to the finding in its section's notebook */
  | { type: 'show-in-notebook' }
  | { type: 'decide'; state: DecisionState; at: string }
  | { type: 'edit-note' }
  | { type: 'edit'; edit: LineEdit }
  | { type: 'note-save'; at: string }
  | { type: 'note-cancel' }
  | { type: 'filter-start' }
  | { type: 'filter-done' }
  | { type: 'filter-clear' }
  | { type: 'toggle-sql' }
  | { type: 'help' }
  | { type: 'picker'; picker: 'section' | 'export' }
  /** the highlighted line of the open list moves `by` lines, around its `count` */
  | { type: 'choice-move'; by: number; count: number }
  | { type: 'close-overlay' }
  | { type: 'review-started' }
  | { type: 'review-ready'; review: MigrationReview }
  | { type: 'review-failed'; message: string }
  | { type: 'review-scroll'; to: MoveTo; page: number; max: number }
  | { type: 'quit'; code?: number }
  | { type: 'quit-confirm' }
  | { type: 'quit-cancel' }
  | { type: 'saved'; paths: SavedPaths }
  | { type: 'error'; message: string }
  | { type: 'info'; lines: string[] }
  /** e: a new scratch cell in the section in view; E (id set): edit that one */
  | { type: 'scratch-edit'; id?: string }
  | { type: 'area-edit'; edit: AreaEdit }
  /** the editor's text kept as cell `id` (new or edited), the editor closed, the cell selected */
  | { type: 'scratch-save'; id: string; at: string }
  | { type: 'scratch-run-started'; id: string }
  | { type: 'scratch-run-done'; id: string; run: ScratchRun }
  | { type: 'scratch-delete'; id: string }
  | { type: 'explain-choose'; choices: ExplainChoice[] }
  | { type: 'plan-started'; choice: ExplainChoice }
  /** for `choice`: ignored once its plan is closed or another one opened */
  | { type: 'plan-ready'; choice: ExplainChoice; outcome: ExplainOutcome }
  | { type: 'plan-failed'; choice: ExplainChoice; message: string }
  | { type: 'plan-scroll'; to: MoveTo; page: number; max: number };

export interface InitOptions {
  source: Source;
  data?: RunResult | null;
  /** decisions as they were saved (replay): not unsaved */
  decisions?: Record<string, Decision>;
  /** decisions restored from an autosave or snapshot (--resume): unsaved until written */
  restored?: Record<string, Decision>;
  baseline?: Record<string, Decision>;
  /** scratch cells of a replayed or resumed snapshot */
  scratch?: ScratchCell[];
}

export function initialState(opts: InitOptions): ReviewState {
  const restored = opts.restored ?? {};
  const state: ReviewState = {
    data: null,
    progress: { running: [], done: 0, total: 0, active: false, cancelling: false },
    decisions: { ...(opts.decisions ?? {}), ...restored },
    baseline: { ...(opts.baseline ?? {}) },
    cursor: { view: OVERVIEW, item: 0, opened: null, detailScroll: 0 },
    positions: {},
    unfolded: {},
    filter: '',
    showSql: false,
    overlay: { kind: 'none' },
    dirty: Object.values(restored).some((d) => d.state !== 'pending' || d.note !== ''),
    lastSaved: null,
    message: null,
    source: opts.source,
    runError: null,
    quitting: null,
    scratch: opts.scratch ?? [],
    scratchRunning: null,
  };
  return opts.data ? withData(state, opts.data) : state;
}

// ---------------------------------------------------------------------------------------------
// The outline: a section per playbook; its items are its cells in notebook order, each check
// followed by its findings.

export interface Section {
  id: string;
  title: string;
  /** every cell and finding, unfiltered */
  items: Item[];
  counts: Record<Severity, number>;
  /** cells by how they ended: a section whose cells did not all run has not been fully checked */
  statuses: Record<CellStatus, number>;
}

const outlines = new WeakMap<RunResult, Section[]>();

/** Sections of the data (cached per data object, so 10,000 findings are grouped once). */
export function outline(data: RunResult): Section[] {
  const cached = outlines.get(data);
  if (cached) return cached;
  const byCell = new Map<string, Finding[]>();
  for (const f of data.findings) {
    const k = `${f.playbook}\u0000${f.check}`;
    const list = byCell.get(k);
    if (list) list.push(f);
    else byCell.set(k, [f]);
  }
  const sections = data.playbooks.map((p): Section => {
    const items: Item[] = [];
    const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
    const statuses: Record<CellStatus, number> = { ok: 0, skipped: 0, error: 0, timeout: 0, cancelled: 0 };
    const placed = new Set<string>();
    const addCell = (run: CellRun) => {
      if (placed.has(run.cell)) return;
      placed.add(run.cell);
      statuses[run.status]++;
      items.push({ kind: 'cell', key: `cell:${p.id}/${run.cell}`, run });
      for (const f of byCell.get(`${p.id}\u0000${run.cell}`) ?? []) {
        items.push({ kind: 'finding', key: `finding:${f.id}`, finding: f, depth: 0 });
        counts[f.severity]++;
      }
    };
    const runs = new Map(p.runs.map((r) => [r.cell, r]));
    for (const b of p.blocks) if (b.type === 'cell' && runs.has(b.cellId)) addCell(runs.get(b.cellId)!);
    for (const r of p.runs) addCell(r);
    return { id: p.id, title: p.title, items, counts, statuses };
  });
  outlines.set(data, sections);
  return sections;
}

/** The titles of the views: the overview, then each playbook's. */
export function viewTitles(data: RunResult | null): string[] {
  return ['Overview', ...(data?.playbooks.map((p) => p.title) ?? [])];
}

export function viewCount(state: Pick<ReviewState, 'data'>): number {
  return state.data ? state.data.playbooks.length + 1 : 0;
}

/** The items the view lists, filtered. */
export function itemsOf(state: Pick<ReviewState, 'data' | 'filter' | 'unfolded'> & Partial<Pick<ReviewState, 'scratch' | 'scratchRunning'>>, view: number): Item[] {
  if (!state.data) return [];
  if (view === OVERVIEW) return overviewItems(state.data, state.unfolded, state.filter);
  const section = outline(state.data)[view - 1];
  return section ? withScratch(sectionItems(section, state.filter), section.id, state.scratch ?? NO_SCRATCH, state.filter, state.scratchRunning ?? null) : [];
}

const NO_SCRATCH: ScratchCell[] = [];

/** The scratch cell an item shows, or null. */
export function scratchOf(item: Item | null): ScratchCell | null {
  return item?.kind === 'cell' && item.scratch ? item.scratch : null;
}

/** The section (playbook id) of the view, or null on the overview. */
export function viewPlaybook(state: Pick<ReviewState, 'data'>, view: number): string | null {
  return view === OVERVIEW ? null : (state.data?.playbooks[view - 1]?.id ?? null);
}

export function currentItems(state: ReviewState): Item[] {
  return itemsOf(state, state.cursor.view);
}

/** The item keys act on: the opened one, else the selected one. */
export function focusedItem(state: ReviewState): Item | null {
  const items = currentItems(state);
  if (state.cursor.opened) return items.find((i) => i.key === state.cursor.opened) ?? openedOutside(state);
  return items[state.cursor.item] ?? null;
}

/** An opened finding the filter no longer lists stays open. */
function openedOutside(state: ReviewState): Item | null {
  const key = state.cursor.opened;
  if (!key || !state.data) return null;
  for (const s of outline(state.data)) for (const i of s.items) if (i.key === key) return i;
  return null;
}

export function decisionOf(state: Pick<ReviewState, 'decisions'>, findingId: string): Decision {
  return state.decisions[findingId] ?? { state: 'pending', note: '', at: '' };
}

const countsMemo = new WeakMap<Record<string, Decision>, { data: RunResult | null; counts: Record<DecisionState, number> }>();

/** Findings by decision (once per decisions object: the status bar asks at every frame). */
export function decisionCounts(state: Pick<ReviewState, 'data' | 'decisions'>): Record<DecisionState, number> {
  const hit = countsMemo.get(state.decisions);
  if (hit && hit.data === state.data) return hit.counts;
  const counts = { accepted: 0, rejected: 0, pending: 0 };
  for (const f of state.data?.findings ?? []) counts[state.decisions[f.id]?.state ?? 'pending']++;
  countsMemo.set(state.decisions, { data: state.data, counts });
  return counts;
}

// ---------------------------------------------------------------------------------------------

/** Baseline decisions fill the findings not decided yet in this review. */
function withData(state: ReviewState, data: RunResult): ReviewState {
  const decisions = { ...state.decisions };
  for (const f of data.findings) {
    const before = state.baseline[f.id];
    if (!decisions[f.id] && before && before.state !== 'pending') decisions[f.id] = { ...before };
  }
  return { ...state, data, decisions, positions: {}, cursor: { view: OVERVIEW, item: 0, opened: null, detailScroll: 0 } };
}

/** Sections R runs again: those with cells that lost their connection or were cancelled. */
export function rerunnableSections(data: RunResult | null): string[] {
  if (!data) return [];
  const broken = (r: CellRun) => r.status === 'cancelled' || (r.status === 'error' && Boolean(r.reason?.startsWith(CONNECTION_LOST)));
  return data.playbooks.filter((p) => p.runs.some(broken)).map((p) => p.id);
}

function lostSections(data: RunResult | null): string[] {
  if (!data) return [];
  return data.playbooks.filter((p) => p.runs.some((r) => r.status === 'error' && r.reason?.startsWith(CONNECTION_LOST))).map((p) => p.id);
}

function withRunNotice(state: ReviewState): ReviewState {
  const cancelled = state.data?.playbooks.some((pb) => pb.runs.some((r) => r.status === 'cancelled'));
  if (cancelled) return { ...state, message: { tone: 'info', lines: ['run cancelled: cells that did not finish are marked cancelled — R runs them again'] } };
  const lost = lostSections(state.data);
  if (!lost.length) return state;
  return { ...state, message: { tone: 'error', lines: [`connection lost in: ${lost.join(', ')} — R runs them again (decisions are kept)`] } };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

function step(to: MoveTo, page: number): number {
  switch (to) {
    case 'up':
      return -1;
    case 'down':
      return 1;
    case 'pageUp':
      return -page;
    case 'pageDown':
      return page;
    case 'home':
      return -Infinity;
    case 'end':
      return Infinity;
  }
}

function scrolled(current: number, to: MoveTo, page: number, max: number): number {
  const delta = step(to, Math.max(1, page));
  return clamp(Number.isFinite(delta) ? current + delta : delta > 0 ? max : 0, 0, Math.max(0, max));
}

function move(state: ReviewState, to: MoveTo, page = 10, maxScroll?: number): ReviewState {
  const c = state.cursor;
  if (c.opened) {
    const next = scrolled(c.detailScroll, to, page, maxScroll ?? Number.MAX_SAFE_INTEGER);
    return next === c.detailScroll ? state : { ...state, cursor: { ...c, detailScroll: next } };
  }
  const items = currentItems(state);
  const next = scrolled(c.item, to, page, Math.max(0, items.length - 1));
  return next === c.item ? state : { ...state, cursor: { ...c, item: next } };
}

/** Leaves the current view for `view`, remembering where the cursor was and finding where it was there. */
function toView(state: ReviewState, view: number, itemKey?: string): ReviewState {
  const here = currentItems(state)[state.cursor.item];
  const positions = here ? { ...state.positions, [state.cursor.view]: here.key } : state.positions;
  const next = { ...state, positions };
  const items = itemsOf(next, view);
  const want = itemKey ?? positions[view];
  const found = want ? items.findIndex((i) => i.key === want) : -1;
  return { ...next, cursor: { view, item: Math.max(0, found), opened: null, detailScroll: 0 } };
}

/** Keeps the selection on the same item when the list changes under it (filter, fold). */
function keepSelection(before: ReviewState, after: ReviewState): ReviewState {
  const key = currentItems(before)[before.cursor.item]?.key;
  const items = currentItems(after);
  const i = key ? items.findIndex((x) => x.key === key) : -1;
  const item = i >= 0 ? i : clamp(after.cursor.item, 0, Math.max(0, items.length - 1));
  return { ...after, cursor: { ...after.cursor, item } };
}

/** The findings a decision key acts on: the focused finding, or every finding of the focused pattern. */
function targets(state: ReviewState): { ids: string[]; label: string } | null {
  const item = focusedItem(state);
  if (item?.kind === 'finding') return { ids: [item.finding.id], label: `${item.finding.target} — ${item.finding.title}` };
  if (item?.kind === 'pattern') return { ids: item.pattern.findings.map((f) => f.id), label: `${item.pattern.findings.length} findings of ${item.title}` };
  return null;
}

function decide(state: ReviewState, decision: DecisionState, at: string): ReviewState {
  const t = targets(state);
  if (!t) return { ...state, message: { tone: 'error', lines: ['select a finding first (a accept, r reject, u pending act on findings)'] } };
  const decisions = { ...state.decisions };
  const undo: Record<string, Decision | undefined> = {};
  let changed = false;
  for (const id of t.ids) {
    const prev = decisionOf(state, id);
    undo[id] = state.decisions[id];
    if (prev.state !== decision) {
      decisions[id] = { state: decision, note: prev.note, at };
      changed = true;
    }
  }
  const message: Message | null = t.ids.length > 1 ? { tone: 'info', lines: [`${decision} ${t.ids.length} findings`] } : null;
  const next: ReviewState = changed ? { ...state, decisions, dirty: true, message } : { ...state, message };
  if (decision !== 'rejected') return next;
  // A rejection asks why; the note is what the next review shows as "rejected before". Esc takes it back.
  const note = t.ids.length === 1 ? decisionOf(state, t.ids[0]).note : '';
  return { ...next, overlay: { kind: 'note', ids: t.ids, label: t.label, field: { text: note, caret: note.length }, undo: changed ? { decisions: undo, dirty: state.dirty } : null } };
}

/** n / N: with a filter every list holds only matches, so the next match is the next item, or the first of the next view that has one. */
function nextMatch(state: ReviewState, by: 1 | -1): ReviewState {
  if (!state.data) return state;
  if (!state.filter) return { ...state, message: { tone: 'info', lines: ['no filter: / sets one, then n and N move between its matches'] } };
  const i = state.cursor.item + by;
  if (i >= 0 && i < currentItems(state).length) return { ...state, cursor: { ...state.cursor, item: i, opened: null, detailScroll: 0 } };
  const views = viewCount(state);
  for (let k = 1; k < views; k++) {
    const view = (state.cursor.view + by * k + views) % views;
    const items = itemsOf(state, view);
    if (!items.length) continue;
    const moved = toView(state, view, items[by > 0 ? 0 : items.length - 1].key);
    return { ...moved, message: { tone: 'info', lines: [`matches in ${viewTitles(state.data)[view]}`] } };
  }
  return { ...state, message: { tone: 'info', lines: [`no other match for “${state.filter}”`] } };
}

export function reducer(state: ReviewState, action: Action): ReviewState {
  switch (action.type) {
    case 'run-started':
      return { ...state, data: null, runError: null, progress: { running: [], done: 0, total: action.total, active: true, cancelling: false }, message: null };
    case 'run-event': {
      const e = action.event;
      const p = state.progress;
      if (e.type === 'status') return { ...state, progress: { ...p, status: e.text } };
      if (e.type === 'cell-start') {
        return { ...state, progress: { ...p, status: undefined, running: [...p.running, { playbook: e.playbook, cell: e.cell, title: e.title }] } };
      }
      const running = p.running.filter((r) => !(r.playbook === e.run.playbook && r.cell === e.run.cell));
      return { ...state, progress: { ...p, running, done: p.done + 1 } };
    }
    case 'run-finished':
      return withRunNotice(withData({ ...state, progress: { ...state.progress, running: [], active: false, cancelling: false } }, action.data));
    case 'rerun-started':
      return { ...state, progress: { running: [], done: 0, total: 0, active: true, cancelling: false }, message: { tone: 'info', lines: [`running ${action.playbooks.join(', ')} again… (Esc cancels)`] } };
    case 'run-merged': {
      if (!state.data) return state;
      const again = new Set(action.data.playbooks.map((p) => p.id));
      const data: RunResult = {
        ...state.data,
        playbooks: state.data.playbooks.map((p) => action.data.playbooks.find((q) => q.id === p.id) ?? p),
        findings: [...state.data.findings.filter((f) => !again.has(f.playbook)), ...action.data.findings],
        skipped: [...state.data.skipped.filter((s) => !again.has(s.playbook)), ...action.data.skipped],
      };
      const merged = withRunNotice({ ...state, data, progress: { ...state.progress, running: [], active: false, cancelling: false }, message: { tone: 'info', lines: [`ran ${[...again].join(', ')} again`] } });
      const view = Math.min(state.cursor.view, data.playbooks.length);
      return { ...merged, cursor: { view, item: 0, opened: null, detailScroll: 0 } };
    }
    case 'rerun-failed':
      return { ...state, progress: { ...state.progress, running: [], active: false, cancelling: false }, message: { tone: 'error', lines: [oneLine(action.message)] } };
    case 'run-failed':
      return { ...state, runError: action.message, progress: { ...state.progress, running: [], active: false, cancelling: false }, message: { tone: 'error', lines: [action.message, 'R tries again, q quits'] } };
    case 'cancel-run':
      if (!state.progress.active || state.progress.cancelling) return state;
      return { ...state, progress: { ...state.progress, cancelling: true } };
    case 'move':
      return move(state, action.to, action.page, action.maxScroll);
    case 'view': {
      const n = viewCount(state);
      if (n === 0) return state;
      return toView(state, (state.cursor.view + action.by + n) % n);
    }
    case 'view-to': {
      if (action.view < 0 || action.view >= viewCount(state)) return state;
      return { ...toView(state, action.view, action.item), overlay: state.overlay.kind === 'picker' ? { kind: 'none' } : state.overlay };
    }
    case 'match':
      return nextMatch(state, action.by);
    case 'open': {
      const item = currentItems(state)[state.cursor.item];
      if (state.cursor.opened) return { ...state, cursor: { ...state.cursor, opened: null, detailScroll: 0 } };
      if (!item) return state;
      if (item.kind === 'pattern') {
        const unfolded = { ...state.unfolded };
        if (unfolded[item.key]) delete unfolded[item.key];
        else unfolded[item.key] = true;
        return { ...state, unfolded };
      }
      return { ...state, cursor: { ...state.cursor, opened: item.key, detailScroll: 0 } };
    }
    case 'close':
      return state.cursor.opened ? { ...state, cursor: { ...state.cursor, opened: null, detailScroll: 0 } } : state;
    case 'show-in-notebook': {
      const item = focusedItem(state);
      if (!state.data || !item || item.kind !== 'finding' || state.cursor.view !== OVERVIEW) return state;
      const view = state.data.playbooks.findIndex((p) => p.id === item.finding.playbook) + 1;
      if (view <= 0) return state;
      const filtered = itemsOf(state, view).some((i) => i.key === item.key);
      return toView(filtered ? state : { ...state, filter: '' }, view, item.key);
    }
    case 'decide':
      return decide(state, action.state, action.at);
    case 'edit-note': {
      const t = targets(state);
      if (!t) return { ...state, message: { tone: 'error', lines: ['select a finding to write a note on'] } };
      const note = t.ids.length === 1 ? decisionOf(state, t.ids[0]).note : '';
      return { ...state, overlay: { kind: 'note', ids: t.ids, label: t.label, field: { text: note, caret: note.length }, undo: null } };
    }
    case 'edit': {
      const o = state.overlay;
      if (o.kind === 'note') return { ...state, overlay: { ...o, field: editLine(o.field, action.edit) } };
      if (o.kind === 'filter') {
        const field = editLine(o.field, action.edit);
        return keepSelection(state, { ...state, filter: field.text, overlay: { ...o, field } });
      }
      return state;
    }
    case 'note-save': {
      if (state.overlay.kind !== 'note') return state;
      const note = state.overlay.field.text.replace(/\s+/g, ' ').trim();
      const decisions = { ...state.decisions };
      let changed = false;
      for (const id of state.overlay.ids) {
        const prev = decisionOf(state, id);
        if (prev.note === note) continue;
        decisions[id] = { ...prev, note, at: action.at };
        changed = true;
      }
      return changed ? { ...state, overlay: { kind: 'none' }, dirty: true, decisions } : { ...state, overlay: { kind: 'none' } };
    }
    case 'note-cancel': {
      const o = state.overlay;
      if (o.kind !== 'note') return state;
      if (!o.undo) return { ...state, overlay: { kind: 'none' } };
      const decisions = { ...state.decisions };
      for (const [id, d] of Object.entries(o.undo.decisions)) {
        if (d) decisions[id] = d;
        else delete decisions[id];
      }
      return { ...state, decisions, dirty: o.undo.dirty, overlay: { kind: 'none' }, message: { tone: 'info', lines: ['rejection taken back'] } };
    }
    case 'filter-start':
      return { ...state, overlay: { kind: 'filter', field: { text: state.filter, caret: state.filter.length }, before: state.filter } };
    case 'filter-done': {
      if (state.overlay.kind !== 'filter') return state;
      const items = currentItems(state);
      const message: Message | null = state.filter ? { tone: 'info', lines: [`${items.length} in this list match “${state.filter}” · n/N next/previous match · / changes it · Esc clears it`] } : null;
      return { ...state, overlay: { kind: 'none' }, message };
    }
    case 'filter-clear':
      return keepSelection(state, { ...state, filter: '', overlay: { kind: 'none' }, message: null });
    case 'toggle-sql':
      return { ...state, showSql: !state.showSql };
    case 'help':
      return { ...state, overlay: state.overlay.kind === 'help' ? { kind: 'none' } : { kind: 'help' } };
    case 'picker':
      return { ...state, overlay: { kind: 'picker', picker: action.picker, choice: action.picker === 'section' ? state.cursor.view : 0 } };
    case 'choice-move': {
      const o = state.overlay;
      if ((o.kind !== 'picker' && o.kind !== 'statements' && o.kind !== 'review') || action.count < 1) return state;
      return { ...state, overlay: { ...o, choice: (((o.choice + action.by) % action.count) + action.count) % action.count } };
    }
    case 'close-overlay':
      return state.overlay.kind === 'none' ? state : { ...state, overlay: { kind: 'none' } };
    case 'review-started':
      return { ...state, overlay: { kind: 'review', review: null, scroll: 0, error: null, choice: 0 } };
    case 'review-ready':
      return state.overlay.kind === 'review' ? { ...state, overlay: { ...state.overlay, review: action.review, error: null } } : state;
    case 'review-failed':
      return state.overlay.kind === 'review' ? { ...state, overlay: { ...state.overlay, error: oneLine(action.message) } } : state;
    case 'review-scroll':
      return state.overlay.kind === 'review' ? { ...state, overlay: { ...state.overlay, scroll: scrolled(state.overlay.scroll, action.to, action.page, action.max) } } : state;
    case 'quit': {
      const code = action.code ?? 0;
      return state.dirty ? { ...state, overlay: { kind: 'quit-confirm', code } } : { ...state, quitting: { code } };
    }
    case 'quit-confirm':
      return { ...state, overlay: { kind: 'none' }, quitting: { code: state.overlay.kind === 'quit-confirm' ? state.overlay.code : 0 } };
    case 'quit-cancel':
      return state.overlay.kind === 'quit-confirm' ? { ...state, overlay: { kind: 'none' } } : state;
    case 'saved':
      return {
        ...state,
        dirty: false,
        lastSaved: action.paths,
        overlay: state.overlay.kind === 'review' ? { kind: 'none' } : state.overlay,
        message: { tone: 'info', lines: [`wrote snapshot  ${action.paths.snapshot}`, `      migration ${action.paths.migration}`, `      rollback  ${action.paths.rollback}`] },
      };
    case 'error':
      return { ...state, message: { tone: 'error', lines: [oneLine(action.message)] } };
    case 'scratch-edit': {
      if (action.id) {
        const cell = state.scratch.find((c) => c.id === action.id);
        return cell ? { ...state, overlay: { kind: 'editor', cellId: cell.id, playbook: cell.playbook, area: textArea(cell.sql) } } : state;
      }
      const playbook = viewPlaybook(state, state.cursor.view);
      if (!playbook) return { ...state, message: { tone: 'info', lines: ['e adds a cell of your own to a section: tab to one first'] } };
      return { ...state, overlay: { kind: 'editor', cellId: null, playbook, area: textArea('') } };
    }
    case 'area-edit':
      return state.overlay.kind === 'editor' ? { ...state, overlay: { ...state.overlay, area: editArea(state.overlay.area, action.edit) } } : state;
    case 'scratch-save': {
      if (state.overlay.kind !== 'editor') return state;
      const { cellId, playbook, area } = state.overlay;
      const sql = areaText(area).replace(/\s+$/, '');
      const closed = { ...state, overlay: { kind: 'none' } as Overlay };
      if (!sql.trim()) {
        // an empty new cell is no cell; an edited one emptied is deleted
        return cellId ? reducer(closed, { type: 'scratch-delete', id: cellId }) : closed;
      }
      const old = state.scratch.find((c) => c.id === (cellId ?? action.id));
      const scratch = old
        ? state.scratch.map((c) => (c.id === old.id ? (old.sql === sql ? c : { ...c, sql, editedAt: action.at, run: null }) : c)) // a result belongs to the SQL that gave it
        : [...state.scratch, { id: action.id, playbook, sql, createdAt: action.at, editedAt: action.at, run: null }];
      const next = { ...closed, scratch, dirty: true };
      const view = (next.data?.playbooks.findIndex((p) => p.id === playbook) ?? -1) + 1;
      if (view <= 0) return next;
      const key = `scratch:${old?.id ?? action.id}`;
      const moved = toView(next, view, key);
      return { ...moved, cursor: { ...moved.cursor, opened: null, detailScroll: 0 } };
    }
    case 'explain-choose':
      return { ...state, overlay: { kind: 'statements', choices: action.choices, choice: 0 } };
    case 'plan-started':
      return { ...state, overlay: { kind: 'plan', choice: action.choice, outcome: null, error: null, scroll: 0 } };
    case 'plan-ready':
      return state.overlay.kind === 'plan' && state.overlay.choice === action.choice ? { ...state, overlay: { ...state.overlay, outcome: action.outcome } } : state;
    case 'plan-failed':
      return state.overlay.kind === 'plan' && state.overlay.choice === action.choice ? { ...state, overlay: { ...state.overlay, error: oneLine(action.message) } } : state;
    case 'plan-scroll':
      return state.overlay.kind === 'plan' ? { ...state, overlay: { ...state.overlay, scroll: scrolled(state.overlay.scroll, action.to, action.page, action.max) } } : state;
    case 'scratch-run-started':
      return { ...state, scratchRunning: action.id, message: { tone: 'info', lines: ['running your cell… (Esc cancels it)'] } };
    case 'scratch-run-done': {
      const scratch = state.scratch.map((c) => (c.id === action.id ? { ...c, run: action.run } : c));
      const r = action.run;
      const line = r.status === 'ok' ? `your cell ran: ${r.rowCount.toLocaleString('en-US')} row${r.rowCount === 1 ? '' : 's'} in ${Math.round(r.durationMs)} ms (enter shows the result)` : `your cell ${r.status === 'error' ? 'failed' : r.status === 'timeout' ? 'timed out' : 'was cancelled'}: ${r.reason ?? ''}`;
      return { ...state, scratch, scratchRunning: state.scratchRunning === action.id ? null : state.scratchRunning, dirty: true, message: { tone: r.status === 'ok' ? 'info' : 'error', lines: [oneLine(line)] } };
    }
    case 'scratch-delete': {
      if (!state.scratch.some((c) => c.id === action.id)) return state;
      const scratch = state.scratch.filter((c) => c.id !== action.id);
      const after = { ...state, scratch, dirty: true, cursor: state.cursor.opened === `scratch:${action.id}` ? { ...state.cursor, opened: null, detailScroll: 0 } : state.cursor };
      const items = itemsOf(after, after.cursor.view);
      return { ...after, cursor: { ...after.cursor, item: clamp(after.cursor.item, 0, Math.max(0, items.length - 1)) }, message: { tone: 'info', lines: ['your cell was deleted'] } };
    }
    case 'info':
      return { ...state, message: action.lines.length ? { tone: 'info', lines: action.lines } : null };
  }
}

/** Messages are one line; a name inside may hold a line break, shown escaped rather than cut off. */
function oneLine(s: string): string {
  return terminalText(s.trim());
}
