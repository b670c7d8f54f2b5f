// The review's effects without rendering anything: keys in, state, files and exit results out.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/playbooks/types.ts';
import { CLIPBOARD_FILE, ReviewController, type ReviewOptions } from '../../src/review/controller.ts';
import { focusedItem, itemsOf, viewTitles } from '../../src/review/state.ts';
import { readSnapshot } from '../../src/snapshot/io.ts';
import { fixtureData, HOSTILE } from '../tui/fixture.ts';
import { until, wait } from '../support/until.ts';

const TAKEN = '2025-03-01T10:00:00.000Z';
const NOW = new Date('2025-03-01T12:00:00.000Z');
let out: string;
let controllers: ReviewController[] = [];

beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'pgadvisor-review-'));
});
afterEach(async () => {
  for (const c of controllers) c.dispose();
  controllers = [];
  await rm(out, { recursive: true, force: true });
});

function review(extra: Partial<ReviewOptions> = {}): ReviewController {
  const c = new ReviewController({ source: { kind: 'live', display: 'advisor@db:5432/shop' }, data: fixtureData(), takenAt: TAKEN, outDir: out, toolVersion: '0.0.0-test', demo: false, now: () => NOW, ...extra });
  controllers.push(c);
  return c;
}

const ESC = { escape: true, meta: true };
/** into the Indexes section, on the duplicate of "select" */
function onDuplicate(c: ReviewController): void {
  c.keys('\t', { tab: true });
  const i = itemsOf(c.getState(), 1).findIndex((x) => x.key === `finding:indexes/duplicate_indexes/${HOSTILE.reserved}`);
  c.keys('j'.repeat(i), {});
  expect(focusedItem(c.getState())?.key).toBe(`finding:indexes/duplicate_indexes/${HOSTILE.reserved}`);
}

describe('keys', () => {
  it('handles every key of one read: jjj moves three rows, and text after r goes into the note', () => {
    const c = review();
    c.keys('jjj', {});
    expect(c.getState().cursor.item).toBe(3);
    onDuplicate(c);
    c.keys('rkeeps a constraint\r', {});
    const id = `indexes/duplicate_indexes/${HOSTILE.reserved}`;
    expect(c.getState().decisions[id]).toEqual({ state: 'rejected', note: 'keeps a constraint', at: NOW.toISOString() });
    expect(c.getState().overlay.kind).toBe('none');
  });

  it('Esc in the note box takes the rejection back', () => {
    const c = review();
    onDuplicate(c);
    c.keys('r', {});
    c.keys('', ESC);
    expect(c.getState().decisions[`indexes/duplicate_indexes/${HOSTILE.reserved}`]).toBeUndefined();
    expect(c.getState().dirty).toBe(false);
  });
});

describe('lists', () => {
  const choice = (c: ReviewController) => {
    const o = c.getState().overlay;
    return o.kind === 'picker' || o.kind === 'statements' || o.kind === 'review' ? o.choice : null;
  };

  it('in a picker every key of one read counts: jj, three arrows, k and enter in one read, or a digit', () => {
    const c = review();
    const views = viewTitles(c.getState().data).length;
    c.keys(':', {});
    expect(c.getState().overlay).toMatchObject({ kind: 'picker', picker: 'section', choice: 0 });
    c.keys('jj', {});
    expect(choice(c)).toBe(2);
    // ink hands each arrow of one read over as its own event, all before the next frame
    for (let i = 0; i < 3; i++) c.keys('', { downArrow: true });
    expect(choice(c)).toBe(5 % views);
    c.keys('k\r', {});
    expect(c.getState().overlay.kind).toBe('none');
    expect(c.getState().cursor.view).toBe((5 % views) - 1);
    // a digit chooses that line at once; the list starts on the section in view
    c.keys(':', {});
    expect(choice(c)).toBe((5 % views) - 1);
    c.keys('2', {});
    expect(c.getState().cursor.view).toBe(1);
    // the highlight goes round the ends
    c.keys(':k', {});
    expect(choice(c)).toBe(0);
    c.keys('k', {});
    expect(choice(c)).toBe(views - 1);
  });

  it("the review's confirmation list: j then enter goes back without writing; enter on the first line writes", async () => {
    const c = review();
    onDuplicate(c);
    c.keys('aw', {});
    await until(() => {
      const x = c.getState().overlay;
      return x.kind === 'review' && x.review ? x.review : null;
    });
    c.keys('j\r', {});
    expect(c.getState().overlay.kind).toBe('none');
    expect((await readdir(out)).filter((f) => !f.includes('autosave'))).toEqual([]);
    c.keys('w', {});
    await until(() => {
      const x = c.getState().overlay;
      return x.kind === 'review' && x.review ? x.review : null;
    });
    c.keys('\r', { return: true });
    const written = async () => (await readdir(out)).some((f) => f.endsWith('.migration.sql'));
    for (let i = 0; i < 500 && !(await written()); i++) await wait(10);
    expect(await written()).toBe(true);
    await until(() => !c.getState().dirty);
  });
});

describe('runs', () => {
  it('cancel then R runs the cancelled sections again', async () => {
    const cancelled = (d: RunResult): RunResult => ({ ...d, playbooks: d.playbooks.map((p) => (p.id === 'security' ? { ...p, runs: p.runs.map((r) => ({ ...r, status: 'cancelled' as const })) } : p)) });
    const asked: string[][] = [];
    let signal: AbortSignal | null = null;
    const c = review({
      data: undefined,
      takenAt: undefined,
      run: {
        total: 3,
        start: (_e, sig) => {
          signal = sig;
          return new Promise((resolve) => sig.addEventListener('abort', () => resolve(cancelled(fixtureData()))));
        },
        rerun: async (ids, _e, sig) => {
          asked.push(ids);
          expect(sig.aborted).toBe(false);
          const d = fixtureData();
          return { ...d, playbooks: d.playbooks.filter((p) => ids.includes(p.id)), findings: d.findings.filter((f) => ids.includes(f.playbook)) };
        },
      },
    });
    c.start();
    c.keys('', ESC);
    expect(signal!.aborted).toBe(true);
    await until(() => c.getState().data);
    expect(c.getState().message?.lines[0]).toContain('R runs them again');
    c.keys('R', { shift: true });
    await until(() => c.getState().message?.lines[0].startsWith('ran '));
    expect(asked).toEqual([['security']]);
    expect(c.getState().data!.playbooks[1].runs.every((r) => r.status !== 'cancelled')).toBe(true);
  });

  it('R after a failed run starts it again', async () => {
    let tries = 0;
    const c = review({ data: undefined, takenAt: undefined, run: { total: 1, start: async () => (++tries === 1 ? Promise.reject(new Error('boom')) : fixtureData()) } });
    c.start();
    await until(() => c.getState().runError);
    c.keys('R', { shift: true });
    await until(() => c.getState().data);
    expect(tries).toBe(2);
  });
});

describe('writing', () => {
  it('w shows the migration with each statement’s lock, and writes on confirmation', async () => {
    const c = review();
    onDuplicate(c);
    c.keys('a', {});
    c.keys('w', {});
    const o = await until(() => {
      const x = c.getState().overlay;
      return x.kind === 'review' && x.review ? x.review : null;
    });
    expect(o.conflicts).toEqual([]);
    expect(o.parts[0].statements[0]).toMatchObject({ target: HOSTILE.reserved, lock: 'SHARE UPDATE EXCLUSIVE' });
    expect(await readdir(out)).not.toContain(expect.stringMatching(/migration/));
    await c.write();
    const files = (await readdir(out)).sort();
    expect(files.filter((f) => !f.includes('autosave'))).toEqual(['20250301-100000-shop__prod_.migration.sql', '20250301-100000-shop__prod_.rollback.sql', '20250301-100000-shop__prod_.snapshot.json']);
    expect(c.getState().dirty).toBe(false);
  });

  it('a replay never overwrites the file it replays', async () => {
    const original = path.join(out, '20250301-100000-shop__prod_.snapshot.json');
    const c = review({ protect: original });
    onDuplicate(c);
    c.keys('a', {});
    await c.write();
    expect(c.getState().message?.lines[0]).toContain('is the snapshot being replayed and is never overwritten');
    expect((await readdir(out)).filter((f) => f.endsWith('.snapshot.json'))).toEqual([]);
  });

  it('autosaves a moment after a change, and the result names it when quitting unsaved', async () => {
    const c = review();
    onDuplicate(c);
    c.keys('a', {});
    let name: string | undefined;
    for (let i = 0; i < 200 && !name; i++) {
      name = (await readdir(out)).find((f) => f.endsWith('.autosave.json'));
      await wait(25);
    }
    const auto = await readSnapshot(path.join(out, name!));
    expect(auto.decisions[`indexes/duplicate_indexes/${HOSTILE.reserved}`].state).toBe('accepted');
    c.keys('q', {});
    expect(c.getState().overlay.kind).toBe('quit-confirm');
    c.keys('y', {});
    const result = await c.done;
    expect(result).toEqual({ saved: null, autosaved: path.join(out, name!), code: 0 });
  });

  it('ctrl-c ends with exit status 130', async () => {
    const c = review();
    c.keys('c', { ctrl: true });
    expect((await c.done).code).toBe(130);
  });

  it('resumed decisions are unsaved: q asks before losing them', () => {
    const c = review({ restored: { [`indexes/duplicate_indexes/${HOSTILE.reserved}`]: { state: 'accepted', note: '', at: TAKEN } } });
    c.keys('q', {});
    expect(c.getState().overlay.kind).toBe('quit-confirm');
  });
});

describe('copy', () => {
  it('y copies the up SQL to the clipboard (OSC 52) and to a file under --out, and says where', async () => {
    const copied: string[] = [];
    const c = review({ clipboard: (t) => copied.push(t) });
    onDuplicate(c);
    c.keys('y', {});
    const msg = await until(() => c.getState().message?.lines[0].startsWith('copied') && c.getState().message!.lines[0]);
    expect(copied).toEqual([`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.reserved};`]);
    expect(msg).toContain(path.join(out, CLIPBOARD_FILE));
    expect(await readFile(path.join(out, CLIPBOARD_FILE), 'utf8')).toBe(`DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.reserved};\n`);
    c.keys('Y', { shift: true });
    // the file is written after the clipboard: wait for its message, so the folder is not removed under it
    await until(() => copied.length === 2 && c.getState().message?.lines[0] !== msg && c.getState().message?.lines[0].startsWith('copied'));
    expect(copied[1]).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS');
    expect(await readFile(path.join(out, CLIPBOARD_FILE), 'utf8')).toBe(`${copied[1]}\n`);
  });
});
