// The container: one reducer for the session, keys mapped to actions, and the screen laid out from
// the state. Everything below it is presentational.
import path from 'node:path';
import React, { useEffect, useMemo, useReducer, useRef } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import { serverLabel } from '../db/providers.ts';
import type { RunEvent } from '../playbooks/runner.ts';
import type { Decision, RunResult } from '../playbooks/types.ts';
import { commandFor, type Command } from '../review/keymap.ts';
import { decisionCounts, focusedItem, initialState, lostSections, outline, reducer, type Action, type SavedPaths, type ReviewState, type Source } from '../review/state.ts';
import { autosave, saveSession, sessionPaths } from '../snapshot/save.ts';
import { bannerLine, messageLines, statusLine } from './Chrome.tsx';
import { LineView } from './LineView.tsx';
import type { Line } from './lines.ts';
import { NotebookPane } from './NotebookPane.tsx';
import { layoutDetail, layoutSection } from './notebook.ts';
import { HelpOverlay, NoteEditor, QuitConfirm, TooSmall } from './Overlays.tsx';
import { buildSnapshot, type PersistOptions } from '../review/persist.ts';
import { RunProgress } from './RunProgress.tsx';
import { SectionList } from './SectionList.tsx';
import { printable, plural } from './text.ts';
import { useTerminalSize } from './useTerminalSize.ts';
import { scrollTop } from './viewport.ts';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
const DOCK_HEIGHT = 7;

export interface LiveRun {
  /** cells that will run (for "12 of 40 done") */
  total: number;
  start(onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<RunResult>;
  /** runs these sections again (after a lost connection), on a fresh connection from the pool */
  rerun?(playbooks: string[], onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<RunResult>;
}

export interface AppProps extends PersistOptions {
  source: Source;
  /** replay: the snapshot's data */
  data?: RunResult;
  /** the snapshot's takenAt (replay: the original's; savedAt then names the derived files) */
  takenAt?: string;
  /** replay: the original file, never overwritten */
  protect?: string;
  run?: LiveRun;
  /** restored (--resume) or replayed decisions */
  decisions?: Record<string, Decision>;
  outDir: string;
  /** a message shown at start (e.g. an autosave that could be resumed) */
  notice?: string[];
  now?: () => Date;
  onExit?: (result: { saved: SavedPaths | null; autosaved: string | null }) => void;
}

/** Autosave once the keys pause; a big session (serializing 10,000 findings takes a moment) waits longer. */
function autosaveDelay(findings: number): number {
  return Math.min(3000, 500 + Math.floor(findings / 10));
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const now = props.now ?? (() => new Date());
  const [state, dispatch] = useReducer(
    reducer,
    props,
    (p): ReviewState => {
      let s = initialState({ source: p.source, data: p.data ?? null, decisions: p.decisions, baseline: p.baseline?.decisions });
      if (p.run) s = reducer(s, { type: 'run-started', total: p.run.total });
      return p.notice?.length ? { ...s, message: { tone: 'info', lines: p.notice } } : s;
    },
  );
  const stateRef = useRef(state);
  stateRef.current = state;
  const size = useTerminalSize();
  const takenAt = useRef<string | null>(props.takenAt ?? null);
  const abort = useRef(new AbortController());
  const saving = useRef(false);
  const autosaved = useRef<string | null>(null);
  const persist: PersistOptions = { toolVersion: props.toolVersion, demo: props.demo, derivedFrom: props.derivedFrom, savedAt: props.savedAt, baseline: props.baseline, carryFrom: props.carryFrom };

  // The live run, once.
  useEffect(() => {
    if (!props.run) return;
    let alive = true;
    props.run
      .start((event) => alive && dispatch({ type: 'run-event', event }), abort.current.signal)
      .then((data) => {
        takenAt.current = now().toISOString();
        if (alive) dispatch({ type: 'run-finished', data });
      })
      .catch((err: unknown) => alive && dispatch({ type: 'run-failed', message: `the run failed: ${err instanceof Error ? err.message : String(err)}` }));
    return () => {
      alive = false;
      abort.current.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (state.progress.cancelling) abort.current.abort();
  }, [state.progress.cancelling]);

  // Autosave after each change of decisions, a moment later so a burst of keys writes once.
  const autosaveTimer = useRef<NodeJS.Timeout | null>(null);
  const autosaveNow = async () => {
    autosaveTimer.current = null;
    const s = stateRef.current;
    if (!s.data || !takenAt.current || !s.dirty) return;
    try {
      autosaved.current = await autosave(props.outDir, buildSnapshot(s.data, s.decisions, takenAt.current, persist));
    } catch (err) {
      dispatch({ type: 'error', message: `autosave failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  };
  useEffect(
    () => () => {
      if (autosaveTimer.current) clearTimeout(autosaveTimer.current);
    },
    [],
  );
  const firstDecisions = useRef(state.decisions);
  useEffect(() => {
    if (state.decisions === firstDecisions.current || !state.data) return;
    if (autosaveTimer.current) clearTimeout(autosaveTimer.current);
    autosaveTimer.current = setTimeout(() => void autosaveNow(), autosaveDelay(state.data.findings.length));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.decisions]);

  useEffect(() => {
    if (!state.quitting) return;
    void (async () => {
      if (autosaveTimer.current) {
        clearTimeout(autosaveTimer.current);
        await autosaveNow();
      }
      abort.current.abort();
      props.onExit?.({ saved: stateRef.current.lastSaved, autosaved: stateRef.current.dirty ? autosaved.current : null });
      exit();
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.quitting]);

  const write = async () => {
    const s = stateRef.current;
    if (!s.data || !takenAt.current) return dispatch({ type: 'error', message: 'nothing to write yet: the playbooks are still running' });
    if (saving.current) return;
    saving.current = true;
    try {
      const snapshot = buildSnapshot(s.data, s.decisions, takenAt.current, persist);
      const target = path.resolve(sessionPaths(props.outDir, snapshot).snapshot);
      if (props.protect && target === path.resolve(props.protect)) {
        return dispatch({ type: 'error', message: `nothing written: ${props.protect} is the snapshot being replayed and is never overwritten` });
      }
      const paths = await saveSession(props.outDir, snapshot);
      autosaved.current = null;
      dispatch({ type: 'saved', paths });
    } catch (err) {
      dispatch({ type: 'error', message: `nothing written: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      saving.current = false;
    }
  };

  // ---- layout
  const { columns } = size;
  // One row short of the terminal: a frame that fills the screen makes ink clear the whole screen
  // (scrollback included) on every key; a shorter one is erased and redrawn in place.
  const rows = size.rows - 1;
  const tooSmall = columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  const sections = state.data ? outline(state.data) : [];
  const section = sections[state.cursor.section] ?? null;
  const playbook = state.data?.playbooks[state.cursor.section] ?? null;
  const sideWidth = columns >= 120 ? 30 : columns >= 100 ? 24 : 20;
  const mainWidth = Math.max(20, columns - sideWidth - 1);
  const textWidth = mainWidth - 2;
  // an opened cell or finding takes the whole width: its SQL wraps less
  const detailWidth = columns - 2;
  const message = messageLines(state.message, columns);
  const bodyHeight = Math.max(1, rows - 2 - message.length);
  const docked = state.overlay.kind === 'note' || state.overlay.kind === 'quit-confirm';
  const paneLines = (docked ? bodyHeight - DOCK_HEIGHT : bodyHeight) - 1;

  // Notes change the layout (a noted finding takes a second row); decision states do not.
  const notesKey = useMemo(
    () =>
      Object.entries(state.decisions)
        .filter(([, d]) => d.note)
        .map(([id, d]) => `${id}\u0000${d.note}`)
        .sort()
        .join('\u0001'),
    [state.decisions],
  );
  const notes = useMemo(() => {
    const out: Record<string, string> = {};
    for (const [id, d] of Object.entries(stateRef.current.decisions)) if (d.note) out[id] = d.note;
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [notesKey]);
  const layout = useMemo(
    () =>
      section && playbook
        ? layoutSection({ section, playbook, notes, baseline: state.baseline, showSql: state.showSql, width: textWidth })
        : null,
    [section, playbook, notes, state.baseline, state.showSql, textWidth],
  );
  const opened = state.cursor.opened ? focusedItem(state) : null;
  const detail = useMemo(
    () => (opened ? layoutDetail(opened, { decisions: state.decisions, baseline: state.baseline, width: detailWidth }) : null),
    [opened, state.decisions, state.baseline, detailWidth],
  );
  const top = useRef(0);
  const lastSection = useRef(-1);
  if (lastSection.current !== state.cursor.section) {
    top.current = 0;
    lastSection.current = state.cursor.section;
  }
  if (layout && !detail) {
    const i = Math.min(state.cursor.item, layout.itemStart.length - 1);
    if (i >= 0) top.current = scrollTop(top.current, layout.itemStart[i], layout.itemEnd[i], paneLines, layout.lines.length);
  }

  const pageItems = (): number => {
    if (!layout || !layout.itemStart.length) return 1;
    const from = layout.itemStart[state.cursor.item] ?? 0;
    let n = 0;
    for (let i = state.cursor.item + 1; i < layout.itemStart.length && layout.itemStart[i] < from + paneLines; i++) n++;
    return Math.max(1, n);
  };
  const maxScroll = detail ? Math.max(0, detail.length - paneLines) : 0;

  // ---- keys
  const run = (cmd: Command) => {
    const s = stateRef.current;
    const at = now().toISOString();
    const moves: Partial<Record<Command, Action>> = {
      up: { type: 'move', to: 'up', maxScroll },
      down: { type: 'move', to: 'down', maxScroll },
      pageUp: { type: 'move', to: 'pageUp', page: s.cursor.opened ? paneLines - 1 : pageItems(), maxScroll },
      pageDown: { type: 'move', to: 'pageDown', page: s.cursor.opened ? paneLines - 1 : pageItems(), maxScroll },
      home: { type: 'move', to: 'home', maxScroll },
      end: { type: 'move', to: 'end', maxScroll },
    };
    if (moves[cmd]) return dispatch(moves[cmd]!);
    switch (cmd) {
      case 'open':
        return dispatch({ type: 'open' });
      case 'nextSection':
        return dispatch({ type: 'section', by: 1 });
      case 'prevSection':
        return dispatch({ type: 'section', by: -1 });
      case 'accept':
        return dispatch({ type: 'decide', state: 'accepted', at });
      case 'reject':
        return dispatch({ type: 'decide', state: 'rejected', at });
      case 'pending':
        return dispatch({ type: 'decide', state: 'pending', at });
      case 'note':
        return dispatch({ type: 'edit-note' });
      case 'toggleSql':
        return dispatch({ type: 'toggle-sql' });
      case 'write':
        return void write();
      case 'quit':
        return dispatch({ type: 'quit' });
      case 'help':
        return dispatch({ type: 'help' });
      case 'rerun': {
        const lost = lostSections(s.data);
        if (!props.run?.rerun || !lost.length) return dispatch({ type: 'info', lines: ['nothing to run again: no cell lost its connection'] });
        dispatch({ type: 'rerun-started', playbooks: lost });
        abort.current = new AbortController(); // the first run's may have been cancelled
        props.run
          .rerun(lost, () => undefined, abort.current.signal)
          .then((data) => dispatch({ type: 'run-merged', data }))
          .catch((err: unknown) => dispatch({ type: 'error', message: `running ${lost.join(', ')} again failed: ${err instanceof Error ? err.message : String(err)}` }));
        return;
      }
      case 'cancel':
        if (!s.data && !s.runError) return dispatch({ type: 'cancel-run' });
        if (s.cursor.opened) return dispatch({ type: 'close' });
        return dispatch({ type: 'info', lines: [] });
    }
  };

  useInput((input, key) => {
    const s = stateRef.current;
    if (s.overlay.kind === 'note') {
      if (key.escape) dispatch({ type: 'close-overlay' });
      return;
    }
    if (s.overlay.kind === 'quit-confirm') {
      if (input === 'y' || input === 'Y' || (key.ctrl && input === 'c')) dispatch({ type: 'quit-confirm' });
      else if (input === 'n' || input === 'N' || key.escape) dispatch({ type: 'quit-cancel' });
      return;
    }
    const cmd = commandFor(input, key);
    if (!cmd) return;
    if (s.overlay.kind === 'help') {
      if (cmd === 'help' || cmd === 'cancel' || cmd === 'quit') dispatch({ type: 'close-overlay' });
      return;
    }
    if (tooSmall && cmd !== 'quit') return;
    if (!s.data && !['quit', 'cancel', 'help'].includes(cmd)) return;
    run(cmd);
  });

  // eslint-disable-next-line react-hooks/exhaustive-deps
  const counts = useMemo(() => decisionCounts(state), [state.data, state.decisions]);

  if (tooSmall) return <TooSmall columns={columns} rows={size.rows} />;

  // ---- screen
  const header: Line = detail
    ? {
        segs: [
          { text: `‹ ${printable(section?.title ?? '')} › `, color: 'cyan' },
          { text: opened?.kind === 'finding' ? 'finding' : 'cell', bold: true },
          { text: `  lines ${state.cursor.detailScroll + 1}–${Math.min(detail.length, state.cursor.detailScroll + paneLines)} of ${detail.length}`, dim: true },
          { text: '  enter/Esc back', dim: true },
          ...(opened?.kind === 'finding' ? [{ text: ' · a accept · r reject · u pending · n note', dim: true }] : []),
        ],
      }
    : {
        segs: [
          { text: printable(section?.title ?? ''), bold: true, color: 'cyan' },
          { text: section ? `  ${state.cursor.item + 1}/${section.items.length}` : '', dim: true },
          { text: focusedItem(state)?.kind === 'finding' ? '  enter details · a accept · r reject · u pending' : '  enter opens · s SQL · tab next section', dim: true },
        ],
      };

  // The note editor and the quit question dock under the notebook, which stays in view.
  let dock: React.ReactNode = null;
  if (state.overlay.kind === 'note') {
    const id = state.overlay.findingId;
    const f = state.data?.findings.find((x) => x.id === id);
    dock = (
      <NoteEditor
        title={f ? `${f.title} — ${f.target}` : id}
        draft={state.overlay.draft}
        onChange={(draft) => dispatch({ type: 'note-draft', draft })}
        onSubmit={() => dispatch({ type: 'note-save', at: now().toISOString() })}
        width={columns}
        height={DOCK_HEIGHT}
      />
    );
  } else if (state.overlay.kind === 'quit-confirm') {
    const unsaved = `Decisions changed since ${state.lastSaved ? 'the last write' : 'the start'} (${counts.accepted.toLocaleString('en-US')} accepted, ${counts.rejected.toLocaleString('en-US')} rejected in all) are`;
    dock = <QuitConfirm unsaved={unsaved} autosaved={autosaved.current} width={columns} height={DOCK_HEIGHT} />;
  }
  const mainHeight = dock ? Math.max(1, bodyHeight - DOCK_HEIGHT) : bodyHeight;

  let body: React.ReactNode;
  if (state.overlay.kind === 'help') body = <HelpOverlay width={columns} height={bodyHeight} />;
  else if (!state.data) {
    body = state.runError ? (
      <Box width={columns} height={mainHeight} paddingX={1} flexDirection="column">
        <Text color="red" wrap="truncate-end">
          {printable(state.runError)}
        </Text>
        <Text dimColor>q quits</Text>
      </Box>
    ) : (
      <RunProgress progress={state.progress} width={columns} height={mainHeight} />
    );
  } else if (detail) {
    body = (
      <NotebookPane
        header={header}
        lines={detail}
        top={Math.min(state.cursor.detailScroll, maxScroll)}
        selected={null}
        decisions={state.decisions}
        width={columns}
        height={mainHeight}
      />
    );
  } else {
    body = (
      <Box width={columns} height={mainHeight} overflow="hidden">
        <SectionList sections={sections} current={state.cursor.section} width={sideWidth} height={mainHeight} />
        <Box borderStyle="single" borderTop={false} borderRight={false} borderBottom={false} borderColor="gray" width={mainWidth + 1} height={mainHeight}>
          <NotebookPane
            header={header}
            lines={layout?.lines ?? []}
            top={top.current}
            selected={state.cursor.item}
            decisions={state.decisions}
            width={mainWidth}
            height={mainHeight}
          />
        </Box>
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <LineView line={bannerLine(state.source, state.data ? serverLabel(state.data.server) : null)} width={columns} />
      {body}
      {state.overlay.kind === 'help' ? null : dock}
      {message.map((l, i) => (
        <LineView key={i} line={l} width={columns} />
      ))}
      <Box width={columns} height={1}>
        <LineView line={statusLine(state.source, counts, state.dirty)} width={columns - 7} />
        <Text dimColor> ? help</Text>
      </Box>
    </Box>
  );
}
