import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/playbooks/runner.ts';
import type { RunResult } from '../../src/playbooks/types.ts';
import { helpRows } from '../../src/review/keymap.ts';
import { readSnapshot } from '../../src/snapshot/io.ts';
import { App, type AppProps } from '../../src/tui/App.tsx';
import { fixtureData, HOSTILE, UNUSED_COUNT } from './fixture.ts';
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
  await rm(out, { recursive: true, force: true });
});

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

async function show(p: AppProps = props(), size = { columns: 100, rows: 30 }): Promise<Rendered> {
  screen = await renderTui(<App {...p} />, size);
  return screen;
}

/** the notebook row of the selected item (the one with the ▌ gutter) */
function selectedRow(frame: string): string {
  return frame.split('\n').find((l) => l.includes('▌')) ?? '';
}

describe('the session screen', () => {
  it('shows sections with severity counts, the notebook, and a status bar; every row fits the width', async () => {
    const s = await show();
    const f = s.frame();
    const lines = f.split('\n');
    expect(lines).toHaveLength(29);
    expect(lines[0]).toContain('pgadvisor  advisor@db.example:5432/shop  PostgreSQL 15.18');
    expect(f).toContain('▸ Indexes');
    expect(f).toContain(`${UNUSED_COUNT / 3 + 2} warn ${(UNUSED_COUNT * 2) / 3 + 3} info`);
    expect(f).toContain('RLS & security');
    expect(f).toContain('2 crit 1 skipped');
    // a section whose cells failed does not claim "no findings"
    expect(f).toContain('0 found 2 failed');
    expect(f).not.toContain('no findings');
    expect(f).toContain('Indexes speed reads and cost writes. We look at:');
    expect(f).toContain('• exact duplicates (same pg_get_indexdef)');
    expect(f).toContain('probe Index sizes by table  ✓ ok · 7 rows · 3.3 ms');
    expect(f).toMatch(/schema {2}table {15}index {18}size_bytes/);
    expect(lines.at(-1)).toMatch(/✓ 0 accepted {2}✗ 0 rejected {2}· 1,207 pending .*\? help$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('tab and shift-tab move between sections', async () => {
    const s = await show();
    let f = await s.press(KEYS.tab);
    expect(f).toContain('▸ RLS & security');
    expect(f).toContain('check Tables without row level security  ✓ ok · 2 rows');
    expect(f).toContain('[ ] CRIT Row level security is off on an exposed table  public.accounts');
    expect(f).toContain('check Roles with too much power  ⊘ skipped');
    expect(f).toContain('    needs privilege pg_read_all_stats or pg_monitor');
    f = await s.press(KEYS.tab);
    expect(f).toContain('▸ Workload');
    expect(f).toContain('probe Top statements by total time  ⏱ timeout');
    expect(f).toContain('    timed out after statement_timeout 30 s');
    expect(f).toContain('probe A probe that fails  ✗ error');
    expect(f).toContain('    relation "pg_stat_nothing" does not exist');
    f = await s.press(KEYS.shiftTab);
    expect(f).toContain('▸ RLS & security');
  });

  it('j/k move the selection; hostile names are shown escaped, never as terminal codes', async () => {
    const s = await show();
    expect(selectedRow(s.frame())).toContain('probe Index sizes by table');
    await s.press('j');
    let f = await s.press('j');
    expect(selectedRow(f)).toContain('[ ] WARN Duplicate index on "Weird ""Name"" Table"');
    await s.press('j');
    await s.press('j');
    f = await s.press('j');
    expect(selectedRow(f)).toContain('Duplicate index on a table with an escape  public."\\x1b[31m');
    expect(s.frames.at(-1)).not.toContain('\u001b[31mred');
    expect(f).toContain('with a newline  public."multi\\nl');
    f = await s.press('k');
    expect(selectedRow(f)).toContain('Duplicate index on a table with a newline');
    f = await s.press(KEYS.down);
    expect(selectedRow(f)).toContain('Duplicate index on a table with an escape');
  });

  it('enter opens a finding with its rationale, evidence and exact up SQL; Esc closes it', async () => {
    const s = await show(props(), { columns: 140, rows: 40 });
    await s.press('j');
    await s.press('j');
    let f = await s.press(KEYS.enter);
    expect(f).toContain('WARN Duplicate index on "Weird ""Name"" Table"');
    expect(f).toContain('Why');
    expect(f).toContain('idx_scan: 0');
    expect(f).toContain('Up — applies the fix');
    expect(f).toContain(`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`);
    expect(f).toContain('Down — undoes it');
    f = await s.press(KEYS.escape);
    expect(f).not.toContain('Up — applies the fix');
    expect(selectedRow(f)).toContain('Duplicate index on "Weird ""Name"" Table"');
  });

  it('a accepts, r rejects with a note, u goes back to pending', async () => {
    const s = await show();
    await s.press('j');
    await s.press('j');
    let f = await s.press('a');
    expect(selectedRow(f)).toContain('[✓] WARN Duplicate index on "Weird ""Name"" Table"');
    expect(f).toMatch(/✓ 1 accepted {2}✗ 0 rejected {2}· 1,206 pending {2}● unsaved/);
    await s.press('j');
    f = await s.press('r');
    expect(f).toContain('Note on Duplicate index on "select"');
    f = await s.type('keeps a unique constraint');
    expect(f).toContain('› keeps a unique constraint');
    f = await s.press(KEYS.enter);
    expect(f).not.toContain('Note on');
    expect(selectedRow(f)).toContain('[✗] WARN Duplicate index on "select"');
    expect(f).toContain('│▌       “keeps a unique constraint”');
    expect(f).toMatch(/✓ 1 accepted {2}✗ 1 rejected {2}· 1,205 pending/);
    f = await s.press('u');
    expect(selectedRow(f)).toContain('[ ] WARN Duplicate index on "select"');
    expect(f).toContain('│▌       “keeps a unique constraint”');
    expect(f).toMatch(/✓ 1 accepted {2}✗ 0 rejected {2}· 1,206 pending/);
    // a on a cell does nothing but say why
    f = await s.press('g');
    f = await s.press('a');
    expect(f).toContain('select a finding first');
  });

  it('? shows the help generated from the key map; Esc closes it', async () => {
    const s = await show();
    let f = await s.press('?');
    expect(f).toContain('Keys');
    for (const row of helpRows()) expect(f).toContain(row.help);
    f = await s.press(KEYS.escape);
    expect(f).not.toContain('show / hide the SQL of each cell');
  });

  it('s shows the SQL each cell ran', async () => {
    const s = await show();
    expect(s.frame()).not.toContain('JOIN pg_namespace n ON n.oid = c.relnamespace');
    const f = await s.press('s');
    expect(f).toContain('JOIN pg_namespace n ON n.oid = c.relnamespace');
  });

  it('w writes the snapshot, migration and rollback and shows the paths', async () => {
    const s = await show();
    await s.press('j');
    await s.press('j');
    await s.press('a');
    const f = await s.press('w').then(() => s.waitFor((x) => x.includes('wrote')));
    const files = (await readdir(out)).sort();
    const base = '20250301-100000-shop__prod_';
    expect(files).toEqual([`${base}.migration.sql`, `${base}.rollback.sql`, `${base}.snapshot.json`]);
    expect(f).toContain(`wrote snapshot  ${path.join(out, `${base}.snapshot.json`)}`);
    expect(f).toContain(`${base}.migration.sql`);
    expect(f).not.toContain('● unsaved');
    const snap = await readSnapshot(path.join(out, `${base}.snapshot.json`));
    expect(snap.decisions[`indexes/duplicate_indexes/${HOSTILE.quoted}`]).toEqual({ state: 'accepted', note: '', at: '2025-03-01T12:00:00.000Z' });
    expect(Object.keys(snap.decisions)).toHaveLength(1);
    expect(await readFile(path.join(out, `${base}.migration.sql`), 'utf8')).toContain(`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`);
  });

  it('w with conflicting accepted findings shows one red line and writes nothing', async () => {
    const data = fixtureData();
    data.findings[1] = { ...data.findings[1], keeps: [HOSTILE.quoted] };
    const s = await show(props({ data }));
    await s.press('j');
    await s.press('j');
    await s.press('a');
    await s.press('j');
    await s.press('a');
    const f = await s.press('w').then(() => s.waitFor((x) => x.includes('nothing written')));
    const line = f.split('\n').find((l) => l.includes('nothing written'))!;
    expect(line).toContain('conflicting accepted findings');
    expect((await readdir(out)).filter((n) => !n.endsWith('.autosave.json'))).toEqual([]);
    expect(f).toContain('● unsaved');
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
    expect(f).toContain('▸ Indexes');
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
    const f = await s.press('w').then(() => s.waitFor((x) => x.includes('nothing written')));
    expect(f.replace(/\n/g, ' ')).toContain('.snapshot.json is the snapshot being replayed and is never overwritten');
    expect(await readdir(out)).toEqual([]);
  });

  it('shows "rejected before" from a baseline and starts from its decision', async () => {
    const id = `indexes/duplicate_indexes/${HOSTILE.reserved}`;
    const s = await show(props({ baseline: { file: 'old.snapshot.json', takenAt: TAKEN, decisions: { [id]: { state: 'rejected', note: 'keeps a constraint', at: TAKEN } } } }));
    await s.press('j');
    await s.press('j');
    const f = await s.press('j');
    expect(f).toContain('[✗] WARN Duplicate index on "select"');
    expect(f).toContain('“keeps a constraint” · rejected before');
    expect(f).toMatch(/✗ 1 rejected/);
  });
});

describe('a live run', () => {
  it('shows a spinner with the running cells, then the notebook; Esc cancels through the signal', async () => {
    let emit: (e: RunEvent) => void = () => undefined;
    let finish: (d: RunResult) => void = () => undefined;
    let signal: AbortSignal | null = null;
    const s = await show(
      props({
        data: undefined,
        takenAt: undefined,
        run: {
          total: 7,
          start: (onEvent, sig) => {
            emit = onEvent;
            signal = sig;
            return new Promise((resolve) => (finish = resolve));
          },
        },
      }),
    );
    emit({ type: 'cell-start', playbook: 'indexes', cell: 'index_sizes', title: 'Index sizes by table' });
    let f = await s.waitFor((x) => x.includes('Index sizes by table'));
    expect(f).toContain('running playbooks: 0 of 7 cells done');
    expect(f).toContain('Esc cancels the run');
    f = await s.press(KEYS.escape);
    expect(f).toContain('cancelling');
    expect(signal!.aborted).toBe(true);
    finish(fixtureData());
    f = await s.waitFor((x) => x.includes('▸ Indexes'));
    expect(f).toContain('probe Index sizes by table');
  });
});

describe('10,000 findings', () => {
  it('stays responsive: End jumps to the last finding and only visible rows are drawn', async () => {
    const s = await show(props({ data: fixtureData(10_000) }));
    const t = performance.now();
    const f = await s.press(KEYS.end);
    expect(selectedRow(f)).toContain('Unused index orders_unused_9999_idx');
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
    f = await s.press('R');
    f = await s.waitFor((x) => x.includes(`ran ${first.id} again`));
    expect(asked).toEqual([[first.id]]);
    expect(f).not.toContain('connection lost');
  });
});
