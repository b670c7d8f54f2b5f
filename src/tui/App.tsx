// The TUI: the review controller's state laid out (layoutScreen) and drawn, and the keys handed to the
// controller. Nothing here writes a file or talks to a database.
import React, { useEffect, useState, useSyncExternalStore } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import { serverLabel } from '../db/providers.ts';
import type { ReviewController } from '../review/controller.ts';
import { overlayChoices } from '../review/choices.ts';
import { decisionCounts } from '../review/state.ts';
import { tone } from './color.ts';
import { LineView, Lines } from './LineView.tsx';
import { NotebookPane } from './NotebookPane.tsx';
import type { RiskOf } from './notebook.ts';
import { HelpOverlay, NoteEditor, Picker, QuitConfirm, ScratchEditor, TooSmall } from './Overlays.tsx';
import { RunProgress } from './RunProgress.tsx';
import { layoutScreen, REVIEW_FOOTER, type Screen } from './screen.ts';
import { loadSqlScanner } from './sql-wrap.ts';
import { printable } from './text.ts';
import { useTerminalSize } from './useTerminalSize.ts';

export { MIN_COLUMNS, MIN_ROWS } from './screen.ts';

export function App({ controller }: { controller: ReviewController }) {
  const { exit } = useApp();
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const size = useTerminalSize();
  const [risk, setRisk] = useState<RiskOf>(null);
  const hasData = state.data !== null;

  useEffect(() => {
    controller.start();
    let alive = true;
    void controller.done.then(() => alive && exit());
    return () => {
      alive = false;
      controller.dispose();
    };
  }, [controller, exit]);

  // The parser (lock levels, token boundaries for SQL) loads once there is something to show.
  useEffect(() => {
    if (!hasData) return;
    let alive = true;
    void Promise.all([import('../findings/risk.ts'), loadSqlScanner()]).then(([m]) => alive && setRisk(() => m.cachedRisk));
    return () => {
      alive = false;
    };
  }, [hasData]);

  const screenFor = (s = controller.getState()): Screen =>
    layoutScreen({ state: s, columns: size.columns, rows: size.rows, tops: controller.viewTops, risk, server: s.data ? serverLabel(s.data.server) : null });
  const screen = screenFor(state);
  controller.viewTops.set(state.cursor.view, screen.top);

  useInput((input, key) => controller.keys(input, key, () => screenFor().metrics));

  if (screen.tooSmall) return <TooSmall columns={size.columns} rows={size.rows} />;
  const { main, side, dock, columns } = screen;
  const counts = decisionCounts(state);
  const pane = main.pane;
  const o = state.overlay;
  const choice = o.kind === 'picker' || o.kind === 'statements' || o.kind === 'review' ? o.choice : 0;

  let body: React.ReactNode;
  switch (pane.kind) {
    case 'progress':
      body = state.runError ? (
        <Box width={main.width} height={main.height} paddingX={1} flexDirection="column">
          <Text color={tone('red')} wrap="truncate-end">
            {printable(state.runError)}
          </Text>
          <Text dimColor>R tries again · q quits</Text>
        </Box>
      ) : (
        <RunProgress progress={state.progress} width={main.width} height={main.height} />
      );
      break;
    case 'help':
      body = <HelpOverlay width={main.width} height={main.height} />;
      break;
    case 'picker':
      body = (
        <Picker
          title={pane.picker === 'section' ? 'Jump to' : 'Export the migration for'}
          hint={pane.picker === 'section' ? '↑/↓ or j/k, a digit or enter · Esc back' : `the accepted findings' migration, written under ${printable(controller.outDir)} · Esc back`}
          items={overlayChoices(state)}
          selected={choice}
          width={main.width}
          height={main.height}
        />
      );
      break;
    case 'statements':
      body = <Picker title="Plan which statement?" hint="↑/↓ or j/k, a digit or enter · Esc back" items={pane.choices} selected={choice} width={main.width} height={main.height} />;
      break;
    case 'review':
      body = (
        <Box flexDirection="column" width={main.width} height={main.height}>
          <LineView line={pane.header} width={main.width} />
          <Box paddingX={1} flexDirection="column" height={main.height - REVIEW_FOOTER - 1}>
            <Lines lines={pane.lines} width={main.width - 2} height={main.height - REVIEW_FOOTER - 1} />
          </Box>
          <Box flexDirection="column" height={REVIEW_FOOTER} paddingX={1}>
            {pane.error ? (
              <Text color={tone('red')} wrap="truncate-end">
                {`cannot build the migration: ${printable(pane.error)}`}
              </Text>
            ) : null}
            {pane.building ? <Text dimColor>building the migration…</Text> : null}
            {!pane.building ? (
              <Picker
                title={pane.writable ? 'Write the snapshot, the migration and the rollback?' : 'Nothing can be written while accepted findings conflict.'}
                hint=""
                items={overlayChoices(state)}
                selected={choice}
                width={main.width - 2}
                height={REVIEW_FOOTER + 2}
              />
            ) : null}
          </Box>
        </Box>
      );
      break;
    case 'lines':
      body = <NotebookPane header={pane.header} lines={pane.lines} first={pane.first} selected={pane.selected} decisions={state.decisions} width={main.width} height={main.height} />;
      break;
  }

  let docked: React.ReactNode = null;
  if (dock && state.overlay.kind === 'note') {
    docked = <NoteEditor label={state.overlay.label} field={state.overlay.field} rejecting={state.overlay.undo !== null} width={dock.width} height={dock.height} />;
  } else if (dock && dock.kind === 'editor') {
    docked = <ScratchEditor title={dock.title} lines={dock.lines} width={dock.width} height={dock.height} />;
  } else if (dock && state.overlay.kind === 'quit-confirm') {
    const unsaved = `Decisions${state.scratch.length ? ' and cells of yours' : ''} changed since ${state.lastSaved ? 'the last write' : 'the start'} (${counts.accepted} accepted, ${counts.rejected} rejected in all) are`;
    docked = <QuitConfirm unsaved={unsaved} autosaved={controller.autosavedFile} width={dock.width} height={dock.height} />;
  }

  return (
    <Box flexDirection="column" width={columns} height={screen.rows}>
      <LineView line={screen.banner} width={columns} />
      {/* rows of lines are cut to their width and height already; other panes are clipped */}
      <Box width={columns} height={main.height} overflow={pane.kind === 'lines' ? 'visible' : 'hidden'}>
        {side ? (
          <>
            <Lines lines={side.lines} width={side.width} height={main.height} />
            <Box borderStyle="single" borderTop={false} borderRight={false} borderBottom={false} borderColor={tone('gray')} width={main.width + 1} height={main.height}>
              {body}
            </Box>
          </>
        ) : (
          body
        )}
      </Box>
      {docked}
      {screen.bottom.map((l, i) => (
        <LineView key={i} line={l} width={columns} />
      ))}
      <Box width={columns} height={1}>
        <LineView line={screen.status} width={columns - 8} />
        <Text dimColor>{'  ? help'}</Text>
      </Box>
    </Box>
  );
}
