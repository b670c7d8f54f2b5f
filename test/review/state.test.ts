import { describe, expect, it } from 'vitest';
import { decisionCounts, focusedItem, initialState, itemsOf, outline, OVERVIEW, reducer, rerunnableSections, type Action, type ReviewState } from '../../src/review/state.ts';
import { fixtureData, HOSTILE, UNUSED_COUNT } from '../tui/fixture.ts';

const live = { kind: 'live' as const, display: 'advisor@db:5432/shop' };
const AT = '2025-03-01T10:00:00.000Z';

const ready = (extra: Partial<Parameters<typeof initialState>[0]> = {}): ReviewState => initialState({ source: live, data: fixtureData(), ...extra });
const apply = (state: ReviewState, ...actions: Action[]): ReviewState => actions.reduce(reducer, state);
const select = (s: ReviewState, key: string): ReviewState => ({ ...s, cursor: { ...s.cursor, item: itemsOf(s, s.cursor.view).findIndex((i) => i.key === key) } });
const dupKey = `finding:indexes/duplicate_indexes/${HOSTILE.reserved}`;
const rlsKey = 'finding:security/rls_disabled/public.accounts';
/** the Indexes section with the duplicate on "select" selected */
const onDup = (s: ReviewState = ready()) => select(apply(s, { type: 'view-to', view: 1 }), dupKey);

describe('views', () => {
  it('has a section per playbook with cells in notebook order, each check followed by its findings', () => {
    const sections = outline(fixtureData());
    expect(sections.map((s) => s.title)).toEqual(['Indexes', 'RLS & security', 'Workload']);
    expect(sections[0].items[2]).toMatchObject({ kind: 'finding', finding: { target: HOSTILE.quoted } });
    expect(sections[0].items).toHaveLength(3 + 5 + UNUSED_COUNT);
    expect(sections[2].statuses).toEqual({ ok: 0, skipped: 0, error: 1, timeout: 1, cancelled: 0 });
  });

  it('opens on the overview: findings ranked, a check with many findings one pattern', () => {
    const s = ready();
    expect(s.cursor.view).toBe(OVERVIEW);
    const items = itemsOf(s, OVERVIEW);
    expect(items[0]).toMatchObject({ kind: 'finding', finding: { severity: 'critical' } });
    const pattern = items.find((i) => i.kind === 'pattern' && i.pattern.check === 'unused_indexes')!;
    expect(pattern).toMatchObject({ title: 'Indexes never scanned', pattern: { check: 'unused_indexes' } });
    if (pattern.kind === 'pattern') expect(pattern.pattern.findings).toHaveLength(UNUSED_COUNT);
    // enter unfolds it: its findings follow, worst first
    const i = items.indexOf(pattern);
    const open = apply({ ...s, cursor: { ...s.cursor, item: i } }, { type: 'open' });
    expect(itemsOf(open, OVERVIEW)).toHaveLength(items.length + UNUSED_COUNT);
    expect(itemsOf(open, OVERVIEW)[i + 1]).toMatchObject({ kind: 'finding', depth: 1, finding: { severity: 'warning' } });
    expect(apply(open, { type: 'open' }).unfolded).toEqual({});
  });

  it('keeps the cursor of each view: tab away and back finds it where it was', () => {
    let s = apply(ready(), { type: 'view', by: 1 });
    expect(s.cursor.view).toBe(1);
    s = apply(s, { type: 'move', to: 'down' }, { type: 'move', to: 'down' }, { type: 'move', to: 'down' });
    s = apply(s, { type: 'view', by: 1 }, { type: 'view', by: -1 });
    expect(s.cursor).toMatchObject({ view: 1, item: 3 });
    s = apply(s, { type: 'view', by: -1 });
    expect(s.cursor).toMatchObject({ view: OVERVIEW, item: 0 });
  });

  it('o goes from an overview row to the finding in its notebook', () => {
    const s = apply(select(ready(), rlsKey), { type: 'show-in-notebook' });
    expect(s.cursor.view).toBe(2);
    expect(focusedItem(s)?.key).toBe(rlsKey);
  });
});

describe('filter', () => {
  it('narrows every list as it is typed, and n/N move between matches across views', () => {
    let s = apply(ready(), { type: 'filter-start' });
    for (const ch of 'select') s = apply(s, { type: 'edit', edit: { type: 'insert', text: ch } });
    expect(s.filter).toBe('select');
    const matches = itemsOf(s, OVERVIEW);
    expect(matches.map((i) => (i.kind === 'finding' ? i.finding.target : i.key))).toEqual(['public."Select"', HOSTILE.reserved]);
    s = apply(s, { type: 'filter-done' });
    expect(s.message?.lines[0]).toContain('2 in this list match “select”');
    s = apply(s, { type: 'match', by: 1 }, { type: 'match', by: 1 });
    // past the overview's last match: the first match of the next view that has one
    expect(s.cursor.view).toBe(1);
    expect(focusedItem(s)?.key).toBe(dupKey);
    s = apply(s, { type: 'match', by: -1 });
    expect(s.cursor.view).toBe(OVERVIEW);
    s = apply(s, { type: 'filter-clear' });
    expect(itemsOf(s, OVERVIEW).length).toBeGreaterThan(2);
  });
});

describe('decisions', () => {
  it('reject asks for a note; Esc in the note box takes the rejection back', () => {
    let s = apply(onDup(), { type: 'decide', state: 'rejected', at: AT });
    expect(s.overlay.kind).toBe('note');
    expect(s.decisions[dupKey.slice(8)].state).toBe('rejected');
    s = apply(s, { type: 'note-cancel' });
    expect(s.overlay.kind).toBe('none');
    expect(s.decisions[dupKey.slice(8)]).toBeUndefined();
    expect(s.dirty).toBe(false);
    // enter keeps it, with the note
    s = apply(s, { type: 'decide', state: 'rejected', at: AT }, { type: 'edit', edit: { type: 'insert', text: '  keeps  a constraint ' } }, { type: 'note-save', at: AT });
    expect(s.decisions[dupKey.slice(8)]).toEqual({ state: 'rejected', note: 'keeps a constraint', at: AT });
    expect(s.dirty).toBe(true);
  });

  it('a, r and u on a pattern decide every finding in it', () => {
    const s0 = ready();
    const i = itemsOf(s0, OVERVIEW).findIndex((x) => x.kind === 'pattern' && x.pattern.check === 'unused_indexes');
    const s = apply({ ...s0, cursor: { ...s0.cursor, item: i } }, { type: 'decide', state: 'accepted', at: AT });
    expect(decisionCounts(s).accepted).toBe(UNUSED_COUNT);
    expect(s.message?.lines[0]).toBe(`accepted ${UNUSED_COUNT} findings`);
  });

  it('decisions restored by --resume are unsaved until written; replayed ones are not', () => {
    const id = dupKey.slice(8);
    expect(ready({ restored: { [id]: { state: 'accepted', note: '', at: AT } } }).dirty).toBe(true);
    expect(ready({ decisions: { [id]: { state: 'accepted', note: '', at: AT } } }).dirty).toBe(false);
    const asked = apply(ready({ restored: { [id]: { state: 'accepted', note: '', at: AT } } }), { type: 'quit' });
    expect(asked.overlay.kind).toBe('quit-confirm');
  });

  it('quit carries its exit code (130 after ctrl-c) through the question', () => {
    expect(apply(ready(), { type: 'quit', code: 130 }).quitting).toEqual({ code: 130 });
    const dirty = apply(onDup(), { type: 'decide', state: 'accepted', at: AT }, { type: 'quit', code: 130 });
    expect(dirty.quitting).toBeNull();
    expect(apply(dirty, { type: 'quit-confirm' }).quitting).toEqual({ code: 130 });
  });
});

describe('runs', () => {
  it('a cancelled run names the sections R runs again, and a cancel is only possible while it runs', () => {
    let s = apply(initialState({ source: live }), { type: 'run-started', total: 3 }, { type: 'cancel-run' });
    expect(s.progress.cancelling).toBe(true);
    const data = fixtureData();
    data.playbooks[1] = { ...data.playbooks[1], runs: data.playbooks[1].runs.map((r) => ({ ...r, status: 'cancelled' as const })) };
    s = apply(s, { type: 'run-finished', data });
    expect(s.progress).toMatchObject({ active: false, cancelling: false });
    expect(s.message?.lines[0]).toContain('R runs them again');
    expect(rerunnableSections(s.data)).toEqual(['security']);
    expect(apply(s, { type: 'cancel-run' })).toBe(s);
  });
});

describe('messages', () => {
  it('an error is one line: a line break from a name in it shows as \\n instead of cutting the message short', () => {
    let s = apply(ready(), { type: 'error', message: 'conflicting accepted findings: public."a\nb" and c\n' });
    expect(s.message).toEqual({ tone: 'error', lines: ['conflicting accepted findings: public."a\\nb" and c'] });
    s = apply(s, { type: 'review-started' }, { type: 'review-failed', message: 'cannot lock "x\u001b[2Jy"' });
    expect(s.overlay).toMatchObject({ kind: 'review', error: 'cannot lock "x\\x1b[2Jy"' });
    expect(apply(s, { type: 'info', lines: [] }).message).toBeNull();
  });
});
