// The review's effects, beside its reducer: running the playbooks (and again after a cancel or a lost
// connection), cancelling, autosaving, reviewing and writing the migration (never over the replayed file),
// exporting, copying, quitting. Knows nothing of ink: the TUI subscribes to it and hands it key presses.
import path from 'node:path';
import type { RunEvent } from '../playbooks/runner.ts';
import type { Decision, RunResult } from '../playbooks/types.ts';
import { snapshotBaseName } from '../snapshot/io.ts';
import { autosave, saveSession, sessionPaths } from '../snapshot/save.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { ensureDir, writeFileAtomically } from '../util/atomic.ts';
import { overlayChoices } from './choices.ts';
import { commandFor, splitKeys, type Command, type KeyState } from './keymap.ts';
import { lineEditFor } from './line-edit.ts';
import { areaEditFor } from './text-area.ts';
import { reviewMigration } from './migration-review.ts';
import { buildSnapshot, type PersistOptions } from './persist.ts';
import { runScratch, type ScratchCell, type ScratchDb } from '../notebook/scratch.ts';
import { explainStatement, type ExplainDb } from '../explain/explain.ts';
import { explainChoices, type ExplainChoice } from './explain-targets.ts';
import { focusedItem, initialState, OVERVIEW, reducer, scratchOf, rerunnableSections, type Action, type ReviewState, type SavedPaths, type Source } from './state.ts';

export interface LiveRun {
  /** cells that will run (for "12 of 40 done") */
  total: number;
  start(onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<RunResult>;
  /** runs these sections again on a fresh connection from the pool */
  rerun?(playbooks: string[], onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<RunResult>;
}

export interface ReviewOptions extends PersistOptions {
  source: Source;
  /** replay: the snapshot's data */
  data?: RunResult;
  /** the snapshot's takenAt (replay: the original's; savedAt then names the derived files) */
  takenAt?: string;
  /** replay: the original file, never overwritten */
  protect?: string;
  run?: LiveRun;
  /** decisions as saved in the replayed snapshot */
  decisions?: Record<string, Decision>;
  /** decisions restored by --resume: unsaved until written */
  restored?: Record<string, Decision>;
  outDir: string;
  /** shown at start (e.g. an autosave that could be resumed) */
  notice?: string[];
  now?: () => Date;
  /** puts text on the terminal's clipboard (OSC 52); a file under outDir gets it too */
  clipboard?: (text: string) => void;
  /** scratch cells of the replayed or resumed snapshot */
  scratch?: ScratchCell[];
  /** the live session's read-only database (null until connected; absent in a replay) */
  database?: () => (ScratchDb & ExplainDb) | null;
  /** the constants the workload saw for a statement (by queryid), in memory only: EXPLAIN plans with them */
  samples?: (queryid: string) => readonly (string | null)[] | null;
}

export interface ReviewResult {
  saved: SavedPaths | null;
  autosaved: string | null;
  /** the process's exit status: 0, or 130 when the review ended with ctrl-c */
  code: number;
}

/** What a key needs to know of the screen: how far a page goes and how far the opened item scrolls. */
export interface ViewMetrics {
  /** items one page down from the selection */
  pageItems: number;
  /** lines of an opened item or the migration review per page */
  pageLines: number;
  /** last scroll line of the opened item */
  maxScroll: number;
  /** last scroll line of the migration review */
  reviewMax: number;
  /** the terminal is too small to show the review: only quitting works */
  tooSmall: boolean;
}

const FALLBACK_METRICS: ViewMetrics = { pageItems: 10, pageLines: 10, maxScroll: Number.MAX_SAFE_INTEGER, reviewMax: Number.MAX_SAFE_INTEGER, tooSmall: false };

/** Autosave once the keys pause; a big review (serializing 10,000 findings takes a moment) waits longer. */
export function autosaveDelay(findings: number): number {
  return Math.min(3000, 500 + Math.floor(findings / 10));
}

/** The file a copy also goes to, so it is never lost where the terminal ignores OSC 52. */
export const CLIPBOARD_FILE = 'clipboard.sql';

export class ReviewController {
  private state: ReviewState;
  private readonly listeners = new Set<() => void>();
  private readonly opts: ReviewOptions;
  private readonly now: () => Date;
  private takenAt: string | null;
  private abort = new AbortController();
  private running: Promise<unknown> | null = null;
  private saving = false;
  private autosaveTimer: NodeJS.Timeout | null = null;
  private autosaved: string | null = null;
  private finished = false;
  private resolveDone!: (r: ReviewResult) => void;
  /** resolves once the review has ended (after the last autosave) */
  readonly done: Promise<ReviewResult>;

  constructor(opts: ReviewOptions) {
    this.opts = opts;
    this.now = opts.now ?? (() => new Date());
    this.takenAt = opts.takenAt ?? null;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    let s = initialState({ source: opts.source, data: opts.data ?? null, decisions: opts.decisions, restored: opts.restored, baseline: opts.baseline?.decisions, scratch: opts.scratch });
    if (opts.run) s = reducer(s, { type: 'run-started', total: opts.run.total });
    if (opts.notice?.length) s = { ...s, message: { tone: 'info', lines: opts.notice } };
    this.state = s;
  }

  getState = (): ReviewState => this.state;

  /** The first line each view showed when last drawn, by view: coming back to a view scrolls it as it was. */
  readonly viewTops = new Map<number, number>();

  get outDir(): string {
    return this.opts.outDir;
  }

  /** The autosave written since the last write, if any. */
  get autosavedFile(): string | null {
    return this.autosaved;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispatch = (action: Action): void => {
    const before = this.state;
    const after = reducer(before, action);
    if (after === before) return;
    this.state = after;
    if (after.decisions !== before.decisions || after.scratch !== before.scratch) this.scheduleAutosave();
    if (after.progress.cancelling && !before.progress.cancelling) this.abort.abort();
    if (after.quitting && !before.quitting) void this.finish();
    for (const l of this.listeners) l();
  };

  /** Starts the live run, once. */
  start(): void {
    const run = this.opts.run;
    if (!run || this.running) return;
    this.track(run.start(this.onEvent, this.abort.signal), (data) => {
      this.takenAt = this.now().toISOString();
      this.dispatch({ type: 'run-finished', data });
    }, (message) => this.dispatch({ type: 'run-failed', message: `the run failed: ${message}` }));
  }

  private onEvent = (event: RunEvent) => {
    if (!this.finished) this.dispatch({ type: 'run-event', event });
  };

  private track(p: Promise<RunResult>, ok: (d: RunResult) => void, failed: (message: string) => void): void {
    const running: Promise<void> = p
      .then(
        (d) => void (!this.finished && ok(d)),
        (err: unknown) => void (!this.finished && failed(errorText(err))),
      )
      .finally(() => {
        if (this.running === running) this.running = null;
      });
    this.running = running;
  }

  /** R: the sections whose cells were cancelled or lost their connection, on a fresh connection; the whole run when it failed. */
  rerun(): void {
    const s = this.state;
    const run = this.opts.run;
    if (!run) return this.dispatch({ type: 'info', lines: ['nothing to run again: this is a replay'] });
    if (s.progress.active) return this.dispatch({ type: 'info', lines: ['the run is still going (Esc cancels it)'] });
    this.abort = new AbortController(); // the last one may have been cancelled
    if (!s.data) {
      this.dispatch({ type: 'run-started', total: run.total });
      this.running = null;
      return this.start();
    }
    const again = rerunnableSections(s.data);
    if (!run.rerun || !again.length) return this.dispatch({ type: 'info', lines: ['nothing to run again: no cell was cancelled or lost its connection'] });
    this.dispatch({ type: 'rerun-started', playbooks: again });
    this.track(
      run.rerun(again, this.onEvent, this.abort.signal),
      (data) => this.dispatch({ type: 'run-merged', data }),
      (message) => this.dispatch({ type: 'rerun-failed', message: `running ${again.join(', ')} again failed: ${message}` }),
    );
  }

  // ---- keys

  /** Every key press of one input event, in order, each on the state the previous one left. */
  keys(input: string, key: KeyState, metrics: () => ViewMetrics = () => FALLBACK_METRICS): void {
    // a paste into the cell editor lands as it was copied: its line breaks and indents, without auto-indent
    if (this.state.overlay.kind === 'editor' && [...input].length > 1 && !key.ctrl && !key.meta && !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(input)) {
      return this.dispatch({ type: 'area-edit', edit: { type: 'insert', text: input } });
    }
    for (const k of splitKeys(input, key)) {
      if (this.finished || this.state.quitting) return;
      this.key(k.input, k.key, metrics());
    }
  }

  /** In an overlay's list: ↑/↓ or k/j move (around the end), a digit chooses that line, enter the highlighted one. */
  private pickKey(input: string, key: KeyState): void {
    const choices = overlayChoices(this.state);
    const o = this.state.overlay;
    if (!choices.length || (o.kind !== 'picker' && o.kind !== 'statements' && o.kind !== 'review')) return;
    if (key.upArrow || input === 'k') return this.dispatch({ type: 'choice-move', by: -1, count: choices.length });
    if (key.downArrow || input === 'j') return this.dispatch({ type: 'choice-move', by: 1, count: choices.length });
    const digit = /^[1-9]$/.test(input) ? Number(input) - 1 : null;
    const chosen = digit !== null ? choices[digit] : key.return ? choices[Math.min(o.choice, choices.length - 1)] : undefined;
    if (!chosen) return;
    switch (o.kind) {
      case 'picker':
        if (o.picker === 'section') return this.dispatch({ type: 'view-to', view: Number(chosen.value) });
        return void this.exportTo(chosen.value);
      case 'statements':
        return void this.explain(o.choices[Number(chosen.value)]);
      case 'review':
        return chosen.value === 'write' ? void this.write() : this.dispatch({ type: 'close-overlay' });
    }
  }

  private key(input: string, key: KeyState, m: ViewMetrics): void {
    const s = this.state;
    const at = () => this.now().toISOString();
    switch (s.overlay.kind) {
      case 'note':
        if (key.escape) return this.dispatch({ type: 'note-cancel' });
        if (key.return) return this.dispatch({ type: 'note-save', at: at() });
        return this.edit(input, key);
      case 'filter':
        if (key.escape) return this.dispatch({ type: 'filter-clear' });
        if (key.return || key.downArrow || key.upArrow) return this.dispatch({ type: 'filter-done' });
        return this.edit(input, key);
      case 'statements':
        if (key.escape || input === 'q') return this.dispatch({ type: 'close-overlay' });
        return this.pickKey(input, key);
      case 'plan': {
        if (key.escape || input === 'q' || input === 'p') return this.dispatch({ type: 'close-overlay' });
        if (input === 'y') return void this.copy(s.overlay.choice.sql.trim(), 'the statement');
        const to = key.downArrow || input === 'j' ? 'down' : key.upArrow || input === 'k' ? 'up' : key.pageDown || input === ' ' ? 'pageDown' : key.pageUp ? 'pageUp' : key.home || input === 'g' ? 'home' : key.end || input === 'G' ? 'end' : null;
        if (to) this.dispatch({ type: 'plan-scroll', to, page: Math.max(1, m.pageLines - 1), max: m.reviewMax });
        return;
      }
      case 'editor':
        if (key.escape) return this.saveScratch(false);
        if (key.ctrl && input === 'r') return this.saveScratch(true);
        return this.editArea(input, key);
      case 'quit-confirm':
        if (input === 'y' || input === 'Y' || (key.ctrl && input === 'c')) return this.dispatch({ type: 'quit-confirm' });
        if (input === 'n' || input === 'N' || key.escape) return this.dispatch({ type: 'quit-cancel' });
        return;
      case 'picker':
        if (key.escape || input === 'q') return this.dispatch({ type: 'close-overlay' });
        return this.pickKey(input, key);
      case 'review': {
        if (key.escape || input === 'q') return this.dispatch({ type: 'close-overlay' });
        if (input === 'y') return void this.copyMigration();
        const to = key.pageDown || input === ' ' ? 'pageDown' : key.pageUp ? 'pageUp' : key.home || input === 'g' ? 'home' : key.end || input === 'G' ? 'end' : null;
        if (to) return this.dispatch({ type: 'review-scroll', to, page: Math.max(1, m.pageLines - 1), max: m.reviewMax });
        return this.pickKey(input, key);
      }
      case 'help': {
        const cmd = commandFor(input, key);
        if (cmd === 'help' || cmd === 'cancel' || cmd === 'quit') this.dispatch({ type: 'close-overlay' });
        return;
      }
      case 'none':
        break;
    }
    const cmd = commandFor(input, key);
    if (!cmd) return;
    if (m.tooSmall && cmd !== 'quit' && cmd !== 'interrupt') return;
    if (!s.data && !['quit', 'interrupt', 'cancel', 'help', 'rerun'].includes(cmd)) return;
    this.command(cmd, m);
  }

  private edit(input: string, key: KeyState): void {
    const e = lineEditFor(input, key);
    if (e) this.dispatch({ type: 'edit', edit: e });
  }

  command(cmd: Command, m: ViewMetrics = FALLBACK_METRICS): void {
    const s = this.state;
    const at = this.now().toISOString();
    const page = s.cursor.opened ? Math.max(1, m.pageLines - 1) : m.pageItems;
    switch (cmd) {
      case 'up':
      case 'down':
      case 'pageUp':
      case 'pageDown':
      case 'home':
      case 'end':
        return this.dispatch({ type: 'move', to: cmd, page, maxScroll: m.maxScroll });
      case 'open':
        return this.dispatch({ type: 'open' });
      case 'notebook':
        if (s.cursor.view !== OVERVIEW) return this.dispatch({ type: 'info', lines: ['o works in the overview: this is the notebook already'] });
        return this.dispatch({ type: 'show-in-notebook' });
      case 'nextSection':
        return this.dispatch({ type: 'view', by: 1 });
      case 'prevSection':
        return this.dispatch({ type: 'view', by: -1 });
      case 'jump':
        return this.dispatch({ type: 'picker', picker: 'section' });
      case 'filter':
        return this.dispatch({ type: 'filter-start' });
      case 'nextMatch':
        return this.dispatch({ type: 'match', by: 1 });
      case 'prevMatch':
        return this.dispatch({ type: 'match', by: -1 });
      case 'accept':
        return this.dispatch({ type: 'decide', state: 'accepted', at });
      case 'reject':
        return this.dispatch({ type: 'decide', state: 'rejected', at });
      case 'pending':
        return this.dispatch({ type: 'decide', state: 'pending', at });
      case 'note':
        return this.dispatch({ type: 'edit-note' });
      case 'toggleSql':
        return this.dispatch({ type: 'toggle-sql' });
      case 'copy':
        return void this.copyFocused('up');
      case 'copyDown':
        return void this.copyFocused('down');
      case 'write':
        return void this.review();
      case 'export':
        return this.dispatch({ type: 'picker', picker: 'export' });
      case 'quit':
        return this.dispatch({ type: 'quit' });
      case 'interrupt':
        return this.dispatch({ type: 'quit', code: 130 });
      case 'help':
        return this.dispatch({ type: 'help' });
      case 'rerun':
        return this.rerun();
      case 'scratch':
        return this.dispatch({ type: 'scratch-edit' });
      case 'editScratch': {
        const cell = scratchOf(focusedItem(s));
        if (!cell) return this.dispatch({ type: 'info', lines: ['E edits a cell of yours: select one (e writes a new one)'] });
        return this.dispatch({ type: 'scratch-edit', id: cell.id });
      }
      case 'runScratch': {
        const cell = scratchOf(focusedItem(s));
        if (!cell) return this.dispatch({ type: 'info', lines: ['ctrl-r runs a cell of yours: select one (e writes one)'] });
        return void this.runScratch(cell.id);
      }
      case 'deleteScratch': {
        const cell = scratchOf(focusedItem(s));
        if (!cell) return this.dispatch({ type: 'info', lines: ['D deletes a cell of yours: select one first'] });
        return this.dispatch({ type: 'scratch-delete', id: cell.id });
      }
      case 'explain':
        return this.explainFocused();
      case 'cancel':
        if (s.progress.active) return this.dispatch({ type: 'cancel-run' });
        if (s.scratchRunning) return void this.scratchAbort?.abort();
        if (s.cursor.opened) return this.dispatch({ type: 'close' });
        if (s.filter) return this.dispatch({ type: 'filter-clear' });
        return this.dispatch({ type: 'info', lines: [] });
    }
  }

  // ---- snapshot, autosave, write

  /** The document `w` writes, with the decisions as they are now; null before the run has finished. */
  snapshot(): Snapshot | null {
    const s = this.state;
    if (!s.data || !this.takenAt) return null;
    return buildSnapshot(s.data, s.decisions, this.takenAt, this.opts, s.scratch);
  }

  private scheduleAutosave(): void {
    if (!this.state.data) return;
    if (this.autosaveTimer) clearTimeout(this.autosaveTimer);
    this.autosaveTimer = setTimeout(() => void this.autosaveNow(), autosaveDelay(this.state.data.findings.length));
  }

  private async autosaveNow(): Promise<void> {
    this.autosaveTimer = null;
    const snapshot = this.state.dirty ? this.snapshot() : null;
    if (!snapshot) return;
    try {
      this.autosaved = await autosave(this.opts.outDir, snapshot);
    } catch (err) {
      this.dispatch({ type: 'error', message: `autosave failed: ${errorText(err)}` });
    }
  }

  /** w: the migration as it will be written, for the engineer to confirm. */
  async review(): Promise<void> {
    const snapshot = this.snapshot();
    if (!snapshot) return this.dispatch({ type: 'error', message: 'nothing to write yet: the playbooks are still running' });
    this.dispatch({ type: 'review-started' });
    try {
      this.dispatch({ type: 'review-ready', review: await reviewMigration(snapshot, snapshotBaseName(snapshot)) });
    } catch (err) {
      this.dispatch({ type: 'review-failed', message: errorText(err) });
    }
  }

  /** Writes the snapshot, migration and rollback (all or nothing), never over the snapshot being replayed. */
  async write(): Promise<void> {
    const snapshot = this.snapshot();
    if (!snapshot) return this.dispatch({ type: 'error', message: 'nothing to write yet: the playbooks are still running' });
    if (this.saving) return;
    this.saving = true;
    try {
      const target = path.resolve(sessionPaths(this.opts.outDir, snapshot).snapshot);
      if (this.opts.protect && target === path.resolve(this.opts.protect)) {
        this.dispatch({ type: 'close-overlay' });
        return this.dispatch({ type: 'error', message: `nothing written: ${this.opts.protect} is the snapshot being replayed and is never overwritten` });
      }
      const paths = await saveSession(this.opts.outDir, snapshot);
      this.autosaved = null;
      this.dispatch({ type: 'saved', paths });
    } catch (err) {
      this.dispatch({ type: 'close-overlay' });
      this.dispatch({ type: 'error', message: `nothing written: ${errorText(err)}` });
    } finally {
      this.saving = false;
    }
  }

  /** The migration in a migration tool's layout, under outDir/<name>-<format>/. */
  async exportTo(format: string): Promise<void> {
    this.dispatch({ type: 'close-overlay' });
    const snapshot = this.snapshot();
    if (!snapshot) return;
    try {
      const { exportMigration, isExportFormat } = await import('../migration/export/index.ts');
      if (!isExportFormat(format)) throw new Error(`unknown export format ${format}`);
      const dir = path.join(this.opts.outDir, `${snapshotBaseName(snapshot)}-${format}`);
      const files = await exportMigration(snapshot, format, dir, {});
      this.dispatch({ type: 'info', lines: [`exported ${files.length} file${files.length === 1 ? '' : 's'} for ${format} to ${dir}`] });
    } catch (err) {
      this.dispatch({ type: 'error', message: `nothing exported: ${errorText(err)}` });
    }
  }

  // ---- scratch cells

  private scratchAbort: AbortController | null = null;

  private editArea(input: string, key: KeyState): void {
    const e = areaEditFor(input, key);
    if (e) this.dispatch({ type: 'area-edit', edit: e });
  }

  private nextScratchId(): string {
    const n = this.state.scratch.reduce((m, c) => Math.max(m, Number(/^scratch-(\d+)$/.exec(c.id)?.[1] ?? 0)), 0);
    return `scratch-${n + 1}`;
  }

  /** Esc keeps the editor's text as the cell; ctrl-r keeps it and runs it. */
  private saveScratch(run: boolean): void {
    const o = this.state.overlay;
    if (o.kind !== 'editor') return;
    const id = o.cellId ?? this.nextScratchId();
    this.dispatch({ type: 'scratch-save', id, at: this.now().toISOString() });
    if (run && this.state.scratch.some((c) => c.id === id)) void this.runScratch(id);
  }

  /** Runs a scratch cell on the live session's read-only path; a replay has no database to run it on. */
  async runScratch(id: string): Promise<void> {
    const cell = this.state.scratch.find((c) => c.id === id);
    if (!cell) return;
    if (this.state.scratchRunning) return this.dispatch({ type: 'info', lines: ['a cell of yours is running (Esc cancels it)'] });
    const db = this.opts.database?.() ?? null;
    if (!db) {
      const why = this.state.source.kind === 'replay' ? 'this is an offline replay: there is no database to run it on (its last result is kept)' : 'not connected yet: wait for the playbooks to start';
      return this.dispatch({ type: 'info', lines: [`your cell was kept, not run: ${why}`] });
    }
    this.scratchAbort = new AbortController();
    this.dispatch({ type: 'scratch-run-started', id });
    try {
      const run = await runScratch(db, cell.sql, { signal: this.scratchAbort.signal, now: this.now });
      this.dispatch({ type: 'scratch-run-done', id, run });
    } catch (err) {
      this.dispatch({ type: 'scratch-run-done', id, run: { status: 'error', reason: errorText(err), ranAt: this.now().toISOString(), durationMs: 0, columns: [], rows: [], rowCount: 0, truncated: false } });
    } finally {
      this.scratchAbort = null;
    }
  }

  // ---- EXPLAIN

  private explainFocused(): void {
    const s = this.state;
    const choices = s.data ? explainChoices(focusedItem(s), s.data, s.decisions) : [];
    if (!choices.length) return this.dispatch({ type: 'info', lines: ["p plans a statement: open a workload table (Workload section), a finding whose evidence names statements, or a cell of yours"] });
    if (choices.length === 1) return void this.explain(choices[0]);
    this.dispatch({ type: 'explain-choose', choices });
  }

  /** The plan of a statement, without executing it, on the live session; with the proposed indexes by hypopg. */
  async explain(choice: ExplainChoice): Promise<void> {
    const db = this.opts.database?.() ?? null;
    if (!db) {
      this.dispatch({ type: 'close-overlay' });
      const why = this.state.source.kind === 'replay' ? 'this is an offline replay: there is no database to plan on' : 'not connected yet: wait for the playbooks to start';
      return this.dispatch({ type: 'info', lines: [`no plan: ${why}`] });
    }
    this.dispatch({ type: 'plan-started', choice });
    try {
      const sample = choice.queryid ? (this.opts.samples?.(choice.queryid) ?? null) : null;
      this.dispatch({ type: 'plan-ready', choice, outcome: await explainStatement(db, { sql: choice.sql, sample, hypothetical: choice.hypothetical }) });
    } catch (err) {
      this.dispatch({ type: 'plan-failed', choice, message: errorText(err) });
    }
  }

  // ---- copy

  private async copyFocused(which: 'up' | 'down'): Promise<void> {
    const item = focusedItem(this.state);
    if (!item) return;
    if (item.kind === 'cell') {
      if (which === 'down' || !item.run.sql) return this.dispatch({ type: 'info', lines: ['nothing to copy: Y copies the down SQL of a finding'] });
      return this.copy(item.run.sql.trim(), `the SQL of “${item.run.title}”`);
    }
    const findings = item.kind === 'finding' ? [item.finding] : item.pattern.findings;
    const sql = findings.map((f) => f[which]).filter((x): x is string => Boolean(x));
    if (!sql.length) return this.dispatch({ type: 'info', lines: [`nothing to copy: ${findings.length === 1 ? 'this finding is advice and has' : 'these findings have'} no ${which} SQL`] });
    const what = item.kind === 'finding' ? `the ${which} SQL of ${item.finding.target}` : `the ${which} SQL of ${sql.length} findings`;
    return this.copy(sql.map((x) => x.trim()).join('\n\n'), what);
  }

  private async copyMigration(): Promise<void> {
    const o = this.state.overlay;
    if (o.kind !== 'review' || !o.review?.up) return;
    return this.copy(o.review.up, 'the migration');
  }

  async copy(text: string, what: string): Promise<void> {
    this.opts.clipboard?.(text);
    const file = path.join(this.opts.outDir, CLIPBOARD_FILE);
    const lines = text.split('\n').length;
    try {
      await ensureDir(this.opts.outDir);
      await writeFileAtomically(file, text.endsWith('\n') ? text : `${text}\n`);
      const where = this.opts.clipboard ? `to the clipboard (OSC 52) and to ${file}` : `to ${file}`;
      this.dispatch({ type: 'info', lines: [`copied ${what} (${lines} line${lines === 1 ? '' : 's'}) ${where}`] });
    } catch (err) {
      if (this.opts.clipboard) this.dispatch({ type: 'info', lines: [`copied ${what} to the clipboard (OSC 52); ${file} could not be written: ${errorText(err)}`] });
      else this.dispatch({ type: 'error', message: `nothing copied: ${file} could not be written: ${errorText(err)}` });
    }
  }

  // ---- the end

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.autosaveTimer) {
      clearTimeout(this.autosaveTimer);
      await this.autosaveNow();
    }
    this.abort.abort();
    const s = this.state;
    this.resolveDone({ saved: s.lastSaved, autosaved: s.dirty ? this.autosaved : null, code: s.quitting?.code ?? 0 });
  }

  /** Stops timers and the run without a result (the screen went away). */
  dispose(): void {
    if (this.autosaveTimer) clearTimeout(this.autosaveTimer);
    this.autosaveTimer = null;
    this.finished = true;
    this.abort.abort();
    this.scratchAbort?.abort();
  }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
