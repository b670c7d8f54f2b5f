// The interactive session's state and every change to it: a pure reducer, no ink, no I/O.
// Times come in the actions (at: ISO string) so the same actions always give the same state.
import type { RunEvent } from '../playbooks/runner.ts';
import { CONNECTION_LOST, type CellRun, type CellStatus, type Decision, type DecisionState, type Finding, type RunResult, type Severity } from '../playbooks/types.ts';
import { terminalText } from '../util/untrusted-text.ts';

export type Source =
  | { kind: 'live'; display: string }
  | { kind: 'demo'; display: string }
  | { kind: 'replay'; file: string; database: string; takenAt: string; demo?: boolean };

export interface Progress {
  running: { playbook: string; cell: string; title: string }[];
  done: number;
  total: number;
  cancelling: boolean;
  /** what happens before the first cell starts (e.g. starting the embedded demo database) */
  status?: string;
}

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'note'; findingId: string; draft: string }
  | { kind: 'quit-confirm' };

export interface Cursor {
  section: number;
  /** selected item (cell or finding) in the section */
  item: number;
  /** key of the opened item, shown full-screen in the notebook pane */
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
  showSql: boolean;
  overlay: Overlay;
  /** decisions changed since the last write */
  dirty: boolean;
  lastSaved: SavedPaths | null;
  message: Message | null;
  source: Source;
  /** the run failed as a whole (not a cell): nothing to show */
  runError: string | null;
  /** the App unmounts when this turns true */
  quitting: boolean;
}

export type MoveTo = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end';

export type Action =
  | { type: 'run-started'; total: number }
  | { type: 'run-event'; event: RunEvent }
  | { type: 'run-finished'; data: RunResult }
  | { type: 'run-failed'; message: string }
  /** sections run again (after a lost connection): their results replace the old ones, decisions stay */
  | { type: 'rerun-started'; playbooks: string[] }
  | { type: 'run-merged'; data: RunResult }
  | { type: 'cancel-run' }
  /** page: items (or lines, in an opened item) per page; maxScroll: last scroll line of the opened item */
  | { type: 'move'; to: MoveTo; page?: number; maxScroll?: number }
  | { type: 'section'; by: 1 | -1 }
  | { type: 'open' }
  | { type: 'close' }
  | { type: 'decide'; state: DecisionState; at: string }
  | { type: 'edit-note' }
  | { type: 'note-draft'; draft: string }
  | { type: 'note-save'; at: string }
  | { type: 'toggle-sql' }
  | { type: 'help' }
  | { type: 'close-overlay' }
  | { type: 'quit' }
  | { type: 'quit-confirm' }
  | { type: 'quit-cancel' }
  | { type: 'saved'; paths: SavedPaths }
  | { type: 'error'; message: string }
  | { type: 'info'; lines: string[] };

export interface InitOptions {
  source: Source;
  data?: RunResult | null;
  decisions?: Record<string, Decision>;
  baseline?: Record<string, Decision>;
}

export function initialState(opts: InitOptions): ReviewState {
  const state: ReviewState = {
    data: null,
    progress: { running: [], done: 0, total: 0, cancelling: false },
    decisions: { ...(opts.decisions ?? {}) },
    baseline: { ...(opts.baseline ?? {}) },
    cursor: { section: 0, item: 0, opened: null, detailScroll: 0 },
    showSql: false,
    overlay: { kind: 'none' },
    dirty: false,
    lastSaved: null,
    message: null,
    source: opts.source,
    runError: null,
    quitting: false,
  };
  return opts.data ? withData(state, opts.data) : state;
}

// ---------------------------------------------------------------------------------------------
// The outline: a section per playbook; its items are its cells in notebook order, each check
// followed by its findings.

export type Item = { kind: 'cell'; key: string; run: CellRun } | { kind: 'finding'; key: string; finding: Finding };

export interface Section {
  id: string;
  title: string;
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
        items.push({ kind: 'finding', key: `finding:${f.id}`, finding: f });
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

export function currentSection(state: ReviewState): Section | null {
  return state.data ? (outline(state.data)[state.cursor.section] ?? null) : null;
}

/** The item keys act on: the opened one, else the selected one. */
export function focusedItem(state: ReviewState): Item | null {
  const section = currentSection(state);
  if (!section) return null;
  if (state.cursor.opened) return section.items.find((i) => i.key === state.cursor.opened) ?? null;
  return section.items[state.cursor.item] ?? null;
}

export function decisionOf(state: Pick<ReviewState, 'decisions'>, findingId: string): Decision {
  return state.decisions[findingId] ?? { state: 'pending', note: '', at: '' };
}

export function decisionCounts(state: ReviewState): Record<DecisionState, number> {
  const counts = { accepted: 0, rejected: 0, pending: 0 };
  for (const f of state.data?.findings ?? []) counts[state.decisions[f.id]?.state ?? 'pending']++;
  return counts;
}

// ---------------------------------------------------------------------------------------------

/** Baseline decisions fill the findings not decided yet in this session. */
function withData(state: ReviewState, data: RunResult): ReviewState {
  const decisions = { ...state.decisions };
  for (const f of data.findings) {
    const before = state.baseline[f.id];
    if (!decisions[f.id] && before && before.state !== 'pending') decisions[f.id] = { ...before };
  }
  return { ...state, data, decisions, cursor: { section: 0, item: 0, opened: null, detailScroll: 0 } };
}

/** The sections with cells that lost their connection: the ones R runs again. */
export function lostSections(data: RunResult | null): string[] {
  if (!data) return [];
  return data.playbooks.filter((p) => p.runs.some((r) => r.status === 'error' && r.reason?.startsWith(CONNECTION_LOST))).map((p) => p.id);
}

function withLostNotice(state: ReviewState): ReviewState {
  const lost = lostSections(state.data);
  if (!lost.length) return state;
  return {
    ...state,
    message: { tone: 'error', lines: [`connection lost in: ${lost.join(', ')} — R runs them again (decisions are kept)`] },
  };
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

function move(state: ReviewState, to: MoveTo, page = 10, maxScroll?: number): ReviewState {
  const section = currentSection(state);
  if (!section) return state;
  const c = state.cursor;
  const delta = step(to, Math.max(1, page));
  if (c.opened) {
    const hi = maxScroll ?? Number.MAX_SAFE_INTEGER;
    const next = clamp(Number.isFinite(delta) ? c.detailScroll + delta : delta > 0 ? hi : 0, 0, Math.max(0, hi));
    return next === c.detailScroll ? state : { ...state, cursor: { ...c, detailScroll: next } };
  }
  const last = Math.max(0, section.items.length - 1);
  const next = clamp(Number.isFinite(delta) ? c.item + delta : delta > 0 ? last : 0, 0, last);
  return next === c.item ? state : { ...state, cursor: { ...c, item: next } };
}

function decide(state: ReviewState, decision: DecisionState, at: string): ReviewState {
  const item = focusedItem(state);
  if (!item || item.kind !== 'finding') {
    return { ...state, message: { tone: 'error', lines: ['select a finding first (a accept, r reject, u pending act on findings)'] } };
  }
  const id = item.finding.id;
  const prev = decisionOf(state, id);
  const unchanged = prev.state === decision;
  const next: ReviewState = unchanged
    ? { ...state, message: null }
    : { ...state, decisions: { ...state.decisions, [id]: { state: decision, note: prev.note, at } }, dirty: true, message: null };
  // A rejection asks why; the note is what the next session shows as "rejected before".
  return decision === 'rejected' ? { ...next, overlay: { kind: 'note', findingId: id, draft: prev.note } } : next;
}

export function reducer(state: ReviewState, action: Action): ReviewState {
  switch (action.type) {
    case 'run-started':
      return { ...state, data: null, runError: null, progress: { running: [], done: 0, total: action.total, cancelling: false } };
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
    case 'run-finished': {
      const next = withData({ ...state, progress: { ...state.progress, running: [] } }, action.data);
      const cancelled = action.data.playbooks.some((pb) => pb.runs.some((r) => r.status === 'cancelled'));
      if (cancelled) return { ...next, message: { tone: 'info', lines: ['run cancelled: cells that did not finish are marked cancelled'] } };
      return withLostNotice(next);
    }
    case 'rerun-started':
      return { ...state, message: { tone: 'info', lines: [`running ${action.playbooks.join(', ')} again…`] } };
    case 'run-merged': {
      if (!state.data) return state;
      const again = new Set(action.data.playbooks.map((p) => p.id));
      const data: RunResult = {
        ...state.data,
        playbooks: state.data.playbooks.map((p) => action.data.playbooks.find((q) => q.id === p.id) ?? p),
        findings: [...state.data.findings.filter((f) => !again.has(f.playbook)), ...action.data.findings],
        skipped: [...state.data.skipped.filter((s) => !again.has(s.playbook)), ...action.data.skipped],
      };
      const merged = withLostNotice({ ...state, data, message: { tone: 'info', lines: [`ran ${[...again].join(', ')} again`] } });
      const section = Math.min(state.cursor.section, data.playbooks.length - 1);
      return { ...merged, cursor: { ...state.cursor, section, item: 0, opened: null, detailScroll: 0 } };
    }
    case 'run-failed':
      return { ...state, runError: action.message, progress: { ...state.progress, running: [] }, message: { tone: 'error', lines: [action.message] } };
    case 'cancel-run':
      if (state.data || state.runError || state.progress.cancelling) return state;
      return { ...state, progress: { ...state.progress, cancelling: true } };
    case 'move':
      return move(state, action.to, action.page, action.maxScroll);
    case 'section': {
      if (!state.data) return state;
      const n = outline(state.data).length;
      if (n === 0) return state;
      const section = (state.cursor.section + action.by + n) % n;
      return { ...state, cursor: { section, item: 0, opened: null, detailScroll: 0 } };
    }
    case 'open': {
      const section = currentSection(state);
      const item = section?.items[state.cursor.item];
      if (!item) return state;
      const opened = state.cursor.opened ? null : item.key;
      return { ...state, cursor: { ...state.cursor, opened, detailScroll: 0 } };
    }
    case 'close':
      return state.cursor.opened ? { ...state, cursor: { ...state.cursor, opened: null, detailScroll: 0 } } : state;
    case 'decide':
      return decide(state, action.state, action.at);
    case 'edit-note': {
      const item = focusedItem(state);
      if (!item || item.kind !== 'finding') return { ...state, message: { tone: 'error', lines: ['select a finding to write a note on'] } };
      return { ...state, overlay: { kind: 'note', findingId: item.finding.id, draft: decisionOf(state, item.finding.id).note } };
    }
    case 'note-draft':
      return state.overlay.kind === 'note' ? { ...state, overlay: { ...state.overlay, draft: action.draft } } : state;
    case 'note-save': {
      if (state.overlay.kind !== 'note') return state;
      const id = state.overlay.findingId;
      const prev = decisionOf(state, id);
      const note = state.overlay.draft.replace(/\s+/g, ' ').trim();
      if (note === prev.note) return { ...state, overlay: { kind: 'none' } };
      return { ...state, overlay: { kind: 'none' }, dirty: true, decisions: { ...state.decisions, [id]: { ...prev, note, at: action.at } } };
    }
    case 'toggle-sql':
      return { ...state, showSql: !state.showSql };
    case 'help':
      return { ...state, overlay: state.overlay.kind === 'help' ? { kind: 'none' } : { kind: 'help' } };
    case 'close-overlay':
      return state.overlay.kind === 'none' ? state : { ...state, overlay: { kind: 'none' } };
    case 'quit':
      return state.dirty ? { ...state, overlay: { kind: 'quit-confirm' } } : { ...state, quitting: true };
    case 'quit-confirm':
      return { ...state, overlay: { kind: 'none' }, quitting: true };
    case 'quit-cancel':
      return state.overlay.kind === 'quit-confirm' ? { ...state, overlay: { kind: 'none' } } : state;
    case 'saved':
      return {
        ...state,
        dirty: false,
        lastSaved: action.paths,
        message: { tone: 'info', lines: [`wrote snapshot  ${action.paths.snapshot}`, `      migration ${action.paths.migration}`, `      rollback  ${action.paths.rollback}`] },
      };
    case 'error':
      return { ...state, message: { tone: 'error', lines: [oneLine(action.message)] } };
    case 'info':
      return { ...state, message: action.lines.length ? { tone: 'info', lines: action.lines } : null };
  }
}

/** Messages are one line; a name inside may hold a line break, shown escaped rather than cut off. */
function oneLine(s: string): string {
  return terminalText(s.trim());
}
