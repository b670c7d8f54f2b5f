import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/playbooks/types.ts';
import {
  decisionCounts,
  decisionOf,
  focusedItem,
  initialState,
  outline,
  reducer,
  type Action,
  type ReviewState,
} from '../../src/review/state.ts';
import { fixtureData, HOSTILE, UNUSED_COUNT } from './fixture.ts';

const live = { kind: 'live' as const, display: 'advisor@db:5432/shop' };
const AT = '2025-03-01T10:00:00.000Z';

function ready(extra: Partial<Parameters<typeof initialState>[0]> = {}): ReviewState {
  return initialState({ source: live, data: fixtureData(), ...extra });
}

function apply(state: ReviewState, ...actions: Action[]): ReviewState {
  return actions.reduce(reducer, state);
}

/** the index of a finding's item in its section */
function itemIndex(state: ReviewState, findingId: string): number {
  const sections = outline(state.data!);
  return sections[state.cursor.section].items.findIndex((i) => i.kind === 'finding' && i.finding.id === findingId);
}

describe('outline', () => {
  it('has a section per playbook with cells in notebook order, each check followed by its findings', () => {
    const sections = outline(fixtureData());
    expect(sections.map((s) => s.title)).toEqual(['Indexes', 'RLS & security', 'Workload']);
    const items = sections[0].items;
    expect(items[0]).toMatchObject({ kind: 'cell', run: { cell: 'index_sizes' } });
    expect(items[1]).toMatchObject({ kind: 'cell', run: { cell: 'duplicate_indexes' } });
    expect(items[2]).toMatchObject({ kind: 'finding', finding: { target: HOSTILE.quoted } });
    expect(items[7]).toMatchObject({ kind: 'cell', run: { cell: 'unused_indexes' } });
    expect(items).toHaveLength(3 + 5 + UNUSED_COUNT);
    expect(sections[0].counts).toEqual({ critical: 0, warning: 2 + UNUSED_COUNT / 3, info: 3 + (UNUSED_COUNT * 2) / 3 });
    expect(sections[1].counts.critical).toBe(2);
    expect(sections[1].statuses).toEqual({ ok: 1, skipped: 1, error: 0, timeout: 0, cancelled: 0 });
    expect(sections[2].statuses).toEqual({ ok: 0, skipped: 0, error: 1, timeout: 1, cancelled: 0 });
  });

  it('is computed once per data object', () => {
    const data = fixtureData();
    expect(outline(data)).toBe(outline(data));
  });
});

describe('run events', () => {
  it('tracks running cells and the done count, then takes the data', () => {
    let s = initialState({ source: live });
    s = apply(s, { type: 'run-started', total: 7 });
    expect(s.data).toBeNull();
    expect(s.progress).toMatchObject({ total: 7, done: 0, running: [] });
    s = apply(s, { type: 'run-event', event: { type: 'cell-start', playbook: 'indexes', cell: 'index_sizes', title: 'Index sizes by table' } });
    s = apply(s, { type: 'run-event', event: { type: 'cell-start', playbook: 'indexes', cell: 'duplicate_indexes', title: 'Exact duplicate indexes' } });
    expect(s.progress.running.map((r) => r.title)).toEqual(['Index sizes by table', 'Exact duplicate indexes']);
    const data = fixtureData();
    s = apply(s, { type: 'run-event', event: { type: 'cell-done', run: data.playbooks[0].runs[0] } });
    expect(s.progress.running.map((r) => r.cell)).toEqual(['duplicate_indexes']);
    expect(s.progress.done).toBe(1);
    s = apply(s, { type: 'run-finished', data });
    expect(s.data).toBe(data);
    expect(s.progress.running).toEqual([]);
    expect(s.message).toBeNull();
  });

  it('cancel-run marks the run cancelling once, and a finished run with cancelled cells says so', () => {
    let s = apply(initialState({ source: live }), { type: 'run-started', total: 3 }, { type: 'cancel-run' });
    expect(s.progress.cancelling).toBe(true);
    expect(apply(s, { type: 'cancel-run' })).toBe(s);
    const data = fixtureData();
    data.playbooks[2].runs[0] = { ...data.playbooks[2].runs[0], status: 'cancelled', reason: 'cancelled before it ran' };
    s = apply(s, { type: 'run-finished', data });
    expect(s.message?.lines[0]).toMatch(/run cancelled/);
    // after the run there is nothing to cancel
    expect(apply(s, { type: 'cancel-run' })).toBe(s);
  });

  it('run-failed keeps no data and shows the one-line reason', () => {
    const s = apply(initialState({ source: live }), { type: 'run-started', total: 3 }, { type: 'run-failed', message: 'the run failed: connection lost' });
    expect(s.runError).toBe('the run failed: connection lost');
    expect(s.message).toEqual({ tone: 'error', lines: ['the run failed: connection lost'] });
  });
});

describe('moving', () => {
  it('moves up and down within the section, clamped at both ends', () => {
    let s = ready();
    s = apply(s, { type: 'move', to: 'up' });
    expect(s.cursor.item).toBe(0);
    s = apply(s, { type: 'move', to: 'down' }, { type: 'move', to: 'down' });
    expect(s.cursor.item).toBe(2);
    expect(focusedItem(s)).toMatchObject({ kind: 'finding', finding: { target: HOSTILE.quoted } });
    s = apply(s, { type: 'move', to: 'end' });
    expect(s.cursor.item).toBe(3 + 5 + UNUSED_COUNT - 1);
    expect(apply(s, { type: 'move', to: 'down' })).toBe(s);
    s = apply(s, { type: 'move', to: 'home' });
    expect(s.cursor.item).toBe(0);
  });

  it('pages by the given number of items', () => {
    let s = apply(ready(), { type: 'move', to: 'pageDown', page: 25 });
    expect(s.cursor.item).toBe(25);
    s = apply(s, { type: 'move', to: 'pageUp', page: 10 });
    expect(s.cursor.item).toBe(15);
    s = apply(s, { type: 'move', to: 'pageUp', page: 100 });
    expect(s.cursor.item).toBe(0);
  });

  it('in an opened item, moves scroll its lines within maxScroll', () => {
    let s = apply(ready(), { type: 'move', to: 'down' }, { type: 'move', to: 'down' }, { type: 'open' });
    expect(s.cursor.opened).toBe(`finding:indexes/duplicate_indexes/${HOSTILE.quoted}`);
    s = apply(s, { type: 'move', to: 'down', maxScroll: 5 }, { type: 'move', to: 'pageDown', page: 10, maxScroll: 5 });
    expect(s.cursor.detailScroll).toBe(5);
    expect(s.cursor.item).toBe(2);
    s = apply(s, { type: 'move', to: 'up', maxScroll: 5 });
    expect(s.cursor.detailScroll).toBe(4);
    s = apply(s, { type: 'move', to: 'home', maxScroll: 5 });
    expect(s.cursor.detailScroll).toBe(0);
    s = apply(s, { type: 'move', to: 'end', maxScroll: 5 });
    expect(s.cursor.detailScroll).toBe(5);
  });

  it('tab and shift-tab go to the next and previous section, wrapping, and reset the cursor', () => {
    let s = apply(ready(), { type: 'move', to: 'down' }, { type: 'open' });
    s = apply(s, { type: 'section', by: 1 });
    expect(s.cursor).toEqual({ section: 1, item: 0, opened: null, detailScroll: 0 });
    s = apply(s, { type: 'section', by: 1 }, { type: 'section', by: 1 });
    expect(s.cursor.section).toBe(0);
    s = apply(s, { type: 'section', by: -1 });
    expect(s.cursor.section).toBe(2);
  });

  it('open toggles; close closes', () => {
    let s = apply(ready(), { type: 'open' });
    expect(s.cursor.opened).toBe('cell:indexes/index_sizes');
    expect(apply(s, { type: 'open' }).cursor.opened).toBeNull();
    s = apply(s, { type: 'close' });
    expect(s.cursor.opened).toBeNull();
    expect(apply(s, { type: 'close' })).toBe(s);
  });

  it('ignores moves before there is data', () => {
    const s = initialState({ source: live });
    expect(apply(s, { type: 'move', to: 'down' }, { type: 'section', by: 1 }, { type: 'open' })).toBe(s);
  });
});

describe('decisions', () => {
  const dupId = `indexes/duplicate_indexes/${HOSTILE.quoted}`;
  const onDupe = () => apply(ready(), { type: 'move', to: 'down' }, { type: 'move', to: 'down' });

  it('accept records the state and time and marks the session dirty', () => {
    const s = apply(onDupe(), { type: 'decide', state: 'accepted', at: AT });
    expect(s.decisions[dupId]).toEqual({ state: 'accepted', note: '', at: AT });
    expect(s.dirty).toBe(true);
    expect(decisionCounts(s)).toEqual({ accepted: 1, rejected: 0, pending: fixtureData().findings.length - 1 });
  });

  it('reject opens the note editor; the note is saved with its time, whitespace folded', () => {
    let s = apply(onDupe(), { type: 'decide', state: 'rejected', at: AT });
    expect(s.decisions[dupId].state).toBe('rejected');
    expect(s.overlay).toEqual({ kind: 'note', findingId: dupId, draft: '' });
    s = apply(s, { type: 'note-draft', draft: '  still used by\nthe nightly report ' }, { type: 'note-save', at: '2025-03-01T10:05:00.000Z' });
    expect(s.overlay).toEqual({ kind: 'none' });
    expect(s.decisions[dupId]).toEqual({ state: 'rejected', note: 'still used by the nightly report', at: '2025-03-01T10:05:00.000Z' });
  });

  it('u goes back to pending and keeps the note', () => {
    let s = apply(onDupe(), { type: 'decide', state: 'rejected', at: AT }, { type: 'note-draft', draft: 'no' }, { type: 'note-save', at: AT });
    s = apply(s, { type: 'decide', state: 'pending', at: '2025-03-01T11:00:00.000Z' });
    expect(s.decisions[dupId]).toEqual({ state: 'pending', note: 'no', at: '2025-03-01T11:00:00.000Z' });
    expect(decisionCounts(s).rejected).toBe(0);
  });

  it('deciding the same again changes nothing', () => {
    const s = apply(onDupe(), { type: 'decide', state: 'accepted', at: AT });
    const again = apply({ ...s, dirty: false }, { type: 'decide', state: 'accepted', at: '2030-01-01T00:00:00.000Z' });
    expect(again.decisions[dupId].at).toBe(AT);
    expect(again.dirty).toBe(false);
  });

  it('acts on the opened finding, and refuses on a cell with a message', () => {
    let s = apply(onDupe(), { type: 'open' }, { type: 'decide', state: 'accepted', at: AT });
    expect(s.decisions[dupId].state).toBe('accepted');
    s = apply(ready(), { type: 'decide', state: 'accepted', at: AT });
    expect(s.decisions).toEqual({});
    expect(s.message?.tone).toBe('error');
    expect(apply(ready(), { type: 'edit-note' }).message?.tone).toBe('error');
  });

  it('n edits the note of any finding; Esc (close-overlay) keeps the old note', () => {
    let s = apply(onDupe(), { type: 'decide', state: 'accepted', at: AT }, { type: 'edit-note' });
    expect(s.overlay).toEqual({ kind: 'note', findingId: dupId, draft: '' });
    s = apply(s, { type: 'note-draft', draft: 'drop after the release' }, { type: 'close-overlay' });
    expect(s.decisions[dupId].note).toBe('');
    s = apply(s, { type: 'edit-note' }, { type: 'note-draft', draft: 'drop after the release' }, { type: 'note-save', at: AT });
    expect(s.decisions[dupId]).toMatchObject({ state: 'accepted', note: 'drop after the release' });
    // a draft with no overlay open is ignored
    expect(apply(s, { type: 'note-draft', draft: 'x' })).toBe(s);
  });

  it('baseline decisions pre-fill findings not decided yet; decisions of this session win', () => {
    const rejectedBefore: Decision = { state: 'rejected', note: 'needed by reports', at: '2024-12-01T00:00:00.000Z' };
    const acceptedNow: Decision = { state: 'accepted', note: '', at: AT };
    const s = ready({
      baseline: { [dupId]: rejectedBefore, 'security/rls_disabled/public.accounts': rejectedBefore, 'gone/finding/x': rejectedBefore },
      decisions: { 'security/rls_disabled/public.accounts': acceptedNow },
    });
    expect(decisionOf(s, dupId)).toEqual(rejectedBefore);
    expect(decisionOf(s, 'security/rls_disabled/public.accounts')).toEqual(acceptedNow);
    expect(s.baseline[dupId]).toEqual(rejectedBefore);
    expect(s.dirty).toBe(false);
  });

  it('restored decisions count and are not dirty until changed', () => {
    const s = ready({ decisions: { [dupId]: { state: 'accepted', note: '', at: AT } } });
    expect(decisionCounts(s).accepted).toBe(1);
    expect(s.dirty).toBe(false);
  });
});

describe('overlays, saving and quitting', () => {
  it('toggles SQL and help', () => {
    let s = apply(ready(), { type: 'toggle-sql' });
    expect(s.showSql).toBe(true);
    s = apply(s, { type: 'help' });
    expect(s.overlay.kind).toBe('help');
    s = apply(s, { type: 'help' });
    expect(s.overlay.kind).toBe('none');
    s = apply(s, { type: 'help' }, { type: 'close-overlay' });
    expect(s.overlay.kind).toBe('none');
    expect(apply(s, { type: 'close-overlay' })).toBe(s);
  });

  it('quit without unsaved decisions quits; with them it asks, and cancel or confirm answer', () => {
    expect(apply(ready(), { type: 'quit' }).quitting).toBe(true);
    let s = apply(ready(), { type: 'move', to: 'down' }, { type: 'move', to: 'down' }, { type: 'decide', state: 'accepted', at: AT }, { type: 'quit' });
    expect(s.quitting).toBe(false);
    expect(s.overlay.kind).toBe('quit-confirm');
    s = apply(s, { type: 'quit-cancel' });
    expect(s.overlay.kind).toBe('none');
    expect(apply(s, { type: 'quit-cancel' })).toBe(s);
    s = apply(s, { type: 'quit' }, { type: 'quit-confirm' });
    expect(s.quitting).toBe(true);
  });

  it('saved clears dirty and shows the paths; error shows one red line', () => {
    let s = apply(ready(), { type: 'move', to: 'down' }, { type: 'move', to: 'down' }, { type: 'decide', state: 'accepted', at: AT });
    const paths = { snapshot: 'out/a.snapshot.json', migration: 'out/a.migration.sql', rollback: 'out/a.rollback.sql' };
    s = apply(s, { type: 'saved', paths });
    expect(s.dirty).toBe(false);
    expect(s.lastSaved).toEqual(paths);
    expect(s.message?.lines.join('\n')).toContain('out/a.snapshot.json');
    expect(s.message?.lines.join('\n')).toContain('out/a.migration.sql');
    expect(apply(s, { type: 'quit' }).quitting).toBe(true);
    // one line: a line break (from a name in the message) shows as \n instead of cutting the message short
    s = apply(s, { type: 'error', message: 'conflicting accepted findings: public."a\nb" and c\n' });
    expect(s.message).toEqual({ tone: 'error', lines: ['conflicting accepted findings: public."a\\nb" and c'] });
    s = apply(s, { type: 'info', lines: [] });
    expect(s.message).toBeNull();
  });
});

describe('status before the first cell', () => {
  it('shows what the session is doing until a cell starts', async () => {
    const { reducer, initialState } = await import('../../src/review/state.ts');
    let s = reducer(initialState({ source: { kind: 'demo', display: 'embedded demo database' }, data: null }), { type: 'run-started', total: 3 });
    s = reducer(s, { type: 'run-event', event: { type: 'status', text: 'starting the embedded demo database (PGlite)…' } });
    expect(s.progress.status).toBe('starting the embedded demo database (PGlite)…');
    s = reducer(s, { type: 'run-event', event: { type: 'cell-start', playbook: 'indexes', cell: 'a', title: 'A' } });
    expect(s.progress.status).toBeUndefined();
    expect(s.progress.running).toHaveLength(1);
  });
});

describe('a connection lost during the run', () => {
  it('says so with the sections R runs again, and merging their new results keeps every decision', async () => {
    const { reducer, initialState, lostSections } = await import('../../src/review/state.ts');
    const { fixtureData } = await import('./fixture.ts');
    const data = fixtureData(10);
    const lostRun = { ...data.playbooks[0].runs[0], status: 'error' as const, reason: 'connection lost: Connection terminated unexpectedly', rows: [], rowCount: 0 };
    const broken = { ...data, playbooks: data.playbooks.map((p, i) => (i === 0 ? { ...p, runs: [lostRun, ...p.runs.slice(1)] } : p)) };
    let s = reducer(initialState({ source: { kind: 'live', display: 'x' }, data: null }), { type: 'run-started', total: 3 });
    s = reducer(s, { type: 'run-finished', data: broken });
    expect(lostSections(s.data)).toEqual([data.playbooks[0].id]);
    expect(s.message?.tone).toBe('error');
    expect(s.message?.lines[0]).toBe(`connection lost in: ${data.playbooks[0].id} — R runs them again (decisions are kept)`);
    s = reducer(s, { type: 'move', to: 'end' }); // the section's last item is a finding
    s = reducer(s, { type: 'decide', state: 'rejected', at: '2025-01-01T00:00:00.000Z' });
    const decided = Object.keys(s.decisions);
    expect(decided).toHaveLength(1);
    // the section runs again, healthy: its results replace the old ones, other sections and decisions stay
    const again = { ...data, playbooks: [data.playbooks[0]], findings: data.findings.filter((f) => f.playbook === data.playbooks[0].id), skipped: [] };
    s = reducer(s, { type: 'run-merged', data: again });
    expect(lostSections(s.data)).toEqual([]);
    expect(s.data!.playbooks.map((p) => p.id)).toEqual(data.playbooks.map((p) => p.id));
    expect(s.data!.findings.map((f) => f.id).sort()).toEqual(data.findings.map((f) => f.id).sort());
    expect(Object.keys(s.decisions)).toEqual(decided);
    expect(s.message?.lines[0]).toBe(`ran ${data.playbooks[0].id} again`);

  });
});
