import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/playbooks/runner.ts';
import type { RunResult } from '../../src/playbooks/types.ts';
import { helpRows } from '../../src/review/keymap.ts';
import { ReviewController, type ReviewOptions } from '../../src/review/controller.ts';
import { readSnapshot } from '../../src/snapshot/io.ts';
import { App } from '../../src/tui/App.tsx';
import { setColor, tone } from '../../src/tui/color.ts';
import { fixtureData, HOSTILE } from './fixture.ts';
import { KEYS, renderTui, type Rendered } from './render.tsx';

const TAKEN = '2025-03-01T10:00:00.000Z';
let out: string;
let screen: Rendered | null = null;

beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'pgadvisor-tui-'));
});
afterEach(async () => {
  screen?.unmount();
  screen = null;
  // an autosave already writing when the screen went away may still add its file while the folder is removed
  await rm(out, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
});

type AppProps = ReviewOptions & { onExit?: (r: Awaited<ReviewController['done']>) => void };

function props(extra: Partial<AppProps> = {}): AppProps {
  return {
    source: { kind: 'live', display: 'advisor@db.example:5432/shop' },
    data: fixtureData(),
    takenAt: TAKEN,
    outDir: out,
    toolVersion: '0.0.0-test',
    demo: false,
    now: () => new Date('2025-03-01T12:00:00.000Z'),
    ...extra,
  };
}

let controller: ReviewController;

async function show(p: AppProps = props(), size = { columns: 100, rows: 30 }): Promise<Rendered> {
  controller = new ReviewController(p);
  void controller.done.then((r) => p.onExit?.(r));
  screen = await renderTui(<App controller={controller} />, size);
  return screen;
}

/** from the overview into the Indexes section */
async function toIndexes(s: Rendered): Promise<string> {
  return s.press(KEYS.tab);
}

/** the notebook row of the selected item (the one with the ▌ gutter) */
function selectedRow(frame: string): string {
  return frame.split('\n').find((l) => l.includes('▌')) ?? '';
}

describe('the review screen', () => {
  it('opens on the overview: findings most severe first, object before title, a risk column; every row fits', async () => {
    const s = await show();
    // the risk column fills in once the SQL parser has loaded
    const f = await s.waitFor((x) => x.includes('AccessExcl'), 30_000);
    const lines = f.split('\n');
    expect(lines).toHaveLength(29);
    expect(lines[0]).toContain('pgadvisor  advisor@db.example:5432/shop  PostgreSQL 15.18');
    expect(f).toContain('▸ Overview');
    expect(f).toContain('1,207 findings, most severe and largest first');
    expect(selectedRow(f)).toMatch(/\[ \] CRIT public\."Select" {2}Row level security is off on "Sel… +advice$/);
    expect(f).toMatch(/\[ \] CRIT public\.accounts {2}Row level security is off on an e… +AccessExcl$/m);
    expect(f).toContain('[ ] WARN ▸ 5 × Exact duplicate indexes  2 warn 3 info');
    expect(f).toContain('[ ] WARN ▸ 1,200 × Indexes never scanned  400 warn 800 info');
    // a section whose cells failed does not claim "no findings"
    expect(f).toContain('0 found 2 failed');
    expect(lines.at(-1)).toMatch(/✓ 0 accepted {2}✗ 0 rejected {2}· 1,207 pending .*\? help$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  }, 60_000);

  it('tab moves through the sections: prose, cells and object-first finding rows', async () => {
    const s = await show();
    let f = await toIndexes(s);
    expect(f).toContain('▸ Indexes');
    expect(f).toContain('Indexes speed reads and cost writes. We look at:');
    expect(f).toContain('probe Index sizes by table  ✓ ok · 7 rows · 3.3 ms');
    f = await s.press(KEYS.tab);
    expect(f).toContain('▸ RLS & security');
    expect(f).toMatch(/\[ \] CRIT public\.accounts {2}Row level security is off on an e…/);
    expect(f).toContain('check Roles with too much power  ⊘ skipped');
    expect(f).toContain('    needs privilege pg_read_all_stats or pg_monitor');
    f = await s.press(KEYS.tab);
    expect(f).toContain('probe A probe that fails  ✗ error');
    f = await s.press(KEYS.shiftTab);
    expect(f).toContain('▸ RLS & security');
  });

  it('j/k move the selection; keys that arrive together all count; hostile names are escaped', async () => {
    const s = await show();
    await toIndexes(s);
    let f = await s.press('jj');
    // an object too long to share its row with the title keeps the row; the title goes below
    expect(selectedRow(f)).toContain(`[ ] WARN ${HOSTILE.quoted}`);
    expect(f).toContain('Duplicate index on "Weird ""Name"" Table"');
    f = await s.press('jjj');
    expect(selectedRow(f)).toContain('public."\\x1b[31mred"."idx"');
    expect(s.frames.at(-1)).not.toContain('\u001b[31mred');
    expect(f).toContain('public."multi\\nline"."idx"');
    f = await s.press('k');
    expect(selectedRow(f)).toContain('public."multi\\nline"."idx"');
  });

  it('enter opens a finding: risk, rationale, evidence as key/value, exact up and down; Esc closes', async () => {
    const s = await show(props(), { columns: 140, rows: 40 });
    await toIndexes(s);
    await s.press('jj');
    await s.press(KEYS.enter);
    let f: string;
    f = await s.waitFor((x) => x.includes('lock SHARE UPDATE EXCLUSIVE'), 10_000);
    expect(f).toContain(`WARN ${HOSTILE.quoted}`);
    expect(f).toContain('lock SHARE UPDATE EXCLUSIVE (reads and writes go on) read from the up SQL');
    expect(f).toContain('Why');
    expect(f).toMatch(/ {2}idx scan +0/);
    expect(f).toMatch(/ {2}size +16 kB/);
    expect(f).not.toContain('{"');
    expect(f).toContain(`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`);
    expect(f).toContain('Down — undoes it');
    f = await s.press(KEYS.escape);
    expect(f).not.toContain('Up — applies the fix');
    expect(selectedRow(f)).toContain(HOSTILE.quoted);
  }, 60_000);

  it('a accepts, r rejects with a note, Esc in the note box takes a rejection back, u goes back to pending', async () => {
    const s = await show();
    await toIndexes(s);
    await s.press('jj');
    let f = await s.press('a');
    expect(selectedRow(f)).toContain(`[✓] WARN ${HOSTILE.quoted}`);
    expect(f).toMatch(/✓ 1 accepted {2}✗ 0 rejected {2}· 1,206 pending {2}● unsaved/);
    await s.press('j');
    f = await s.press('r');
    expect(f).toContain(`Why reject ${HOSTILE.reserved} — Duplicate index on "select"`);
    f = await s.press(KEYS.escape);
    expect(selectedRow(f)).toContain(`[ ] WARN ${HOSTILE.reserved}`);
    expect(f).toContain('rejection taken back');
    await s.press('r');
    f = await s.type('keeps a unique constraint');
    expect(f).toContain('› keeps a unique constraint');
    f = await s.press(KEYS.enter);
    expect(f).not.toContain('Why reject');
    expect(selectedRow(f)).toContain(`[✗] WARN ${HOSTILE.reserved}`);
    expect(f).toContain('“keeps a unique constraint”');
    expect(f).toMatch(/✓ 1 accepted {2}✗ 1 rejected {2}· 1,205 pending/);
    f = await s.press('u');
    expect(selectedRow(f)).toContain(`[ ] WARN ${HOSTILE.reserved}`);
    await s.press('g');
    f = await s.press('a');
    expect(f).toContain('select a finding first');
  }, 60_000);

  it('? shows the help generated from the key map; Esc closes it', async () => {
    const s = await show(props(), { columns: 160, rows: 45 });
    let f = await s.press('?');
    for (const row of helpRows()) expect(f).toContain(row.help);
    f = await s.press(KEYS.escape);
    expect(f).not.toContain('show / hide the SQL of each cell');
  });

  it('s shows the SQL each cell ran', async () => {
    const s = await show();
    await toIndexes(s);
    expect(s.frame()).not.toContain('JOIN pg_namespace n ON n.oid = c.relnamespace');
    const f = await s.press('s');
    expect(f).toContain('JOIN pg_namespace n ON n.oid = c.relnamespace');
  });

  it('/ filters the lists as it is typed; n moves to the next match', async () => {
    const s = await show();
    await s.press('/');
    let f = await s.type('select');
    expect(f).toContain('/select');
    expect(f).toContain('2 matches here');
    f = await s.press(KEYS.enter);
    expect(f).toContain('2 in this list match “select”');
    expect(f).toMatch(/\[ \] CRIT public\."Select"/);
    expect(f).not.toContain('public.accounts');
    await s.press('n');
    f = await s.press('n');
    expect(f).toContain('▸ Indexes');
    expect(selectedRow(f)).toContain(HOSTILE.reserved);
    f = await s.press(KEYS.escape);
    expect(f).not.toContain('/select');
  });

  it(': jumps to a section through a picker', async () => {
    const s = await show();
    const f = await s.press(':');
    expect(f).toContain('Jump to');
    await s.press('3');
    await s.waitFor((x) => x.includes('▸ RLS & security'));
  });

  it('w shows the migration with locks, then writes the snapshot, migration and rollback on confirmation', async () => {
    const s = await show(props(), { columns: 160, rows: 45 });
    await toIndexes(s);
    await s.press('jj');
    await s.press('a');
    let f = await s.press('w').then(() => s.waitFor((x) => x.includes('write them')));
    expect(f).toContain('Review before writing');
    expect(f).toContain('1 statement in 1 part, from 1 accepted finding');
    expect(f).toContain('SHARE UPDATE EXCLUSIVE (reads and writes go on)');
    expect(f).toContain(`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`);
    expect((await readdir(out)).filter((n) => n.endsWith('.sql'))).toEqual([]);
    f = await s.press(KEYS.enter).then(() => s.waitFor((x) => x.includes('wrote snapshot')));
    const base = '20250301-100000-shop__prod_';
    expect((await readdir(out)).filter((n) => !n.includes('autosave')).sort()).toEqual([`${base}.migration.sql`, `${base}.rollback.sql`, `${base}.snapshot.json`]);
    expect(f).toContain(`wrote snapshot  ${path.join(out, `${base}.snapshot.json`)}`);
    expect(f).not.toContain('● unsaved');
    const snap = await readSnapshot(path.join(out, `${base}.snapshot.json`));
    expect(snap.decisions[`indexes/duplicate_indexes/${HOSTILE.quoted}`]).toEqual({ state: 'accepted', note: '', at: '2025-03-01T12:00:00.000Z' });
    expect(await readFile(path.join(out, `${base}.migration.sql`), 'utf8')).toContain(`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`);
  });

  it('w with conflicting accepted findings shows the conflict and writes nothing', async () => {
    const data = fixtureData();
    data.findings[1] = { ...data.findings[1], keeps: [HOSTILE.quoted] };
    const s = await show(props({ data }), { columns: 160, rows: 45 });
    await toIndexes(s);
    await s.press('jj');
    await s.press('a');
    await s.press('j');
    await s.press('a');
    const f = await s.press('w').then(() => s.waitFor((x) => x.includes('cannot all be applied')));
    expect(f).toContain('drops public."Weird ""Name"" Table"."Ünïcødé idx", which');
    expect(f).toContain('Nothing can be written while accepted findings conflict.');
    await s.press(KEYS.enter);
    expect((await readdir(out)).filter((n) => /\.(sql|snapshot\.json)$/.test(n))).toEqual([]);
  });

  it('autosaves decisions after a change', async () => {
    const s = await show();
    await s.press('j');
    await s.press('j');
    await s.press('a');
    const until = Date.now() + 5000;
    let names: string[] = [];
    while (Date.now() < until && !names.length) {
      names = (await readdir(out)).filter((n) => n.endsWith('.autosave.json'));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(names).toEqual(['20250301-100000-shop__prod_.autosave.json']);
    const auto = await readSnapshot(path.join(out, names[0]));
    expect(auto.decisions[`indexes/duplicate_indexes/${HOSTILE.quoted}`]?.state).toBe('accepted');
  });

  it('q with unsaved decisions asks; n stays, y quits', async () => {
    let exited: unknown = null;
    const s = await show(props({ onExit: (r) => (exited = r) }));
    await s.press('j');
    await s.press('j');
    await s.press('a');
    let f = await s.press('q');
    expect(f).toContain('Quit without writing?');
    expect(f).toContain('y quit · n or Esc stay');
    f = await s.press('n');
    expect(f).not.toContain('Quit without writing?');
    await s.press('q');
    await s.press('y');
    await s.exited;
    expect(exited).toMatchObject({ saved: null });
  });

  it('q with nothing unsaved quits at once', async () => {
    const s = await show();
    await s.press('q');
    await expect(s.exited).resolves.toBeUndefined();
  });

  it('a terminal smaller than 80×24 shows one centered line, and recovers on resize', async () => {
    const s = await show(props(), { columns: 60, rows: 20 });
    let f = s.frame();
    const text = f.split('\n').filter((l) => l.trim());
    expect(text).toEqual([expect.stringContaining('terminal too small: need at least 80×24, have 60×20')]);
    expect(f.split('\n').findIndex((l) => l.trim())).toBeGreaterThan(5);
    f = await s.resize(80, 24);
    expect(f).toContain('▸ Overview');
    expect(f.split('\n')).toHaveLength(23);
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    f = await s.resize(79, 24);
    expect(f).toContain('have 79×24');
  });

  it('shows the demo banner', async () => {
    const s = await show(props({ source: { kind: 'demo', display: 'embedded demo database' }, demo: true }));
    expect(s.frame().split('\n')[0]).toContain('DEMO DATABASE — embedded PGlite, not your data');
  });

  it('shows the replay banner and never overwrites the replayed file', async () => {
    const original = path.join(out, '20250301-100000-shop__prod_.snapshot.json');
    const s = await show(
      props({ source: { kind: 'replay', file: original, database: 'shop "prod"', takenAt: TAKEN }, takenAt: TAKEN, protect: original, derivedFrom: path.basename(original) }),
    );
    expect(s.frame().split('\n')[0]).toContain('offline replay of shop "prod" taken 2025-03-01 10:00 UTC');
    await s.press('w').then(() => s.waitFor((x) => x.includes('write them')));
    const f = await s.press(KEYS.enter).then(() => s.waitFor((x) => x.includes('nothing written')));
    expect(f.replace(/\n/g, ' ')).toContain('.snapshot.json is the snapshot being replayed and is never overwritten');
    expect(await readdir(out)).toEqual([]);
  });

  it('shows "rejected before" from a baseline and starts from its decision', async () => {
    const id = `indexes/duplicate_indexes/${HOSTILE.reserved}`;
    const s = await show(props({ baseline: { file: 'old.snapshot.json', takenAt: TAKEN, decisions: { [id]: { state: 'rejected', note: 'keeps a constraint', at: TAKEN } } } }));
    await toIndexes(s);
    const f = await s.press('jjj');
    expect(selectedRow(f)).toContain(`[✗] WARN ${HOSTILE.reserved}`);
    expect(f).toContain('“keeps a constraint” · rejected before');
    expect(f).toMatch(/✗ 1 rejected/);
  });
});

describe('a live run', () => {
  it('shows a spinner with the running cells, then the notebook; Esc cancels through the signal', async () => {
    let emit: (e: RunEvent) => void = () => undefined;
    let finish: (d: RunResult) => void = () => undefined;
    let signal: AbortSignal | null = null;
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const s = await show(
      props({
        data: undefined,
        takenAt: undefined,
        run: {
          total: 7,
          start: (onEvent, sig) => {
            emit = onEvent;
            signal = sig;
            started();
            return new Promise((resolve) => (finish = resolve));
          },
        },
      }),
    );
    // the run starts in the App's effect, which a busy machine may run after show() returns: an event
    // emitted before it would go nowhere
    await running;
    emit({ type: 'cell-start', playbook: 'indexes', cell: 'index_sizes', title: 'Index sizes by table' });
    let f = await s.waitFor((x) => x.includes('Index sizes by table'));
    expect(f).toContain('running playbooks: 0 of 7 cells done');
    expect(f).toContain('Esc cancels the run');
    expect(signal!.aborted).toBe(false);
    // the spinner draws frames of its own: the frame after the key may be a spinner tick drawn before
    // ink hands the lone Esc over (it waits a turn for the rest of an escape sequence)
    await s.press(KEYS.escape);
    await s.waitFor((x) => x.includes('cancelling'));
    expect(signal!.aborted).toBe(true);
    finish(fixtureData());
    f = await s.waitFor((x) => x.includes('▸ Overview'));
    expect(f).toContain('1,207 findings');
  });
});

describe('10,000 findings', () => {
  it('stays responsive: End jumps to the last finding and only visible rows are drawn', async () => {
    const s = await show(props({ data: fixtureData(10_000) }));
    await toIndexes(s);
    const t = performance.now();
    const f = await s.press(KEYS.end);
    expect(selectedRow(f)).toContain('public.orders.orders_unused_9999_idx');
    expect(f.split('\n')).toHaveLength(29);
    expect(performance.now() - t).toBeLessThan(5000);
    const g = await s.press(KEYS.pageUp);
    expect(selectedRow(g)).toMatch(/orders_unused_99[0-9]{2}_idx/);
    expect(selectedRow(g)).not.toContain('9999');
  });
  it('after a lost connection, R runs the broken sections again and keeps the decisions', async () => {
    const data = fixtureData();
    const first = data.playbooks[0];
    const lostRun = { ...first.runs[0], status: 'error' as const, reason: 'connection lost: Connection terminated unexpectedly', rows: [], rowCount: 0 };
    const broken = { ...data, playbooks: data.playbooks.map((p, i) => (i === 0 ? { ...p, runs: [lostRun, ...p.runs.slice(1)] } : p)) };
    const asked: string[][] = [];
    const s = await show(
      props({
        data: undefined,
        takenAt: undefined,
        run: {
          total: 3,
          start: async () => broken,
          rerun: async (ids) => {
            asked.push(ids);
            return { ...data, playbooks: [first], findings: data.findings.filter((f) => f.playbook === first.id), skipped: [] };
          },
        },
      }),
    );
    let f = await s.waitFor((x) => x.includes('R runs them again'));
    expect(f).toContain(`connection lost in: ${first.id} — R runs them again (decisions are kept)`);
    await s.press('R');
    f = await s.waitFor((x) => x.includes(`ran ${first.id} again`));
    expect(asked).toEqual([[first.id]]);
    expect(f).not.toContain('connection lost');
  });
});

describe('at 80×24', () => {
  it('every finding row keeps its object; sidebar and status bar fit', async () => {
    const s = await show(props(), { columns: 80, rows: 24 });
    let f = await s.waitFor((x) => x.includes('AccessExcl'), 30_000);
    const check = (frame: string) => {
      for (const l of frame.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
      expect(frame.split('\n').at(-1)).toMatch(/✓ 0 accepted {2}✗ 0 rejected {2}· 1,207 pending.* \? help$/);
    };
    check(f);
    expect(f).toContain('RLS & security');
    expect(f).toContain('public.accounts');
    await toIndexes(s);
    f = await s.press('jjjjjjj');
    check(f);
    // the unused indexes: object first, whole, on every row
    for (const n of ['0000', '0001']) expect(f).toContain(`public.orders.orders_unused_${n}_idx`);
    for (const t of Object.values(HOSTILE)) if (!t.includes('\n') && !t.includes('\u001b')) expect(f).toContain(t);
  }, 60_000);
});

describe('NO_COLOR', () => {
  it('turns every colour off (bold, dim and inverse are not colour)', () => {
    setColor(false);
    try {
      expect(tone('red')).toBeUndefined();
    } finally {
      setColor(true);
    }
    expect(tone('red')).toBe('red');
  });
});
