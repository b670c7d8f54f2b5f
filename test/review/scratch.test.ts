// The engineer's own cells through the review controller on a real server: written in a section, run on the
// read-only session, a write refused by the server, a long query cancelled with Esc, edited, deleted,
// autosaved, written with the snapshot, replayed offline and printed by the report under "Engineer's notes".
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { fromUrl } from '../../src/db/target.ts';
import { renderReport } from '../../src/report/render.ts';
import { ReviewController, type ReviewOptions } from '../../src/review/controller.ts';
import { focusedItem, itemsOf } from '../../src/review/state.ts';
import { readSnapshot } from '../../src/snapshot/io.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { fixtureData } from '../tui/fixture.ts';
import { until, wait } from '../support/until.ts';

const TAKEN = '2025-03-01T10:00:00.000Z';
const ESC = { escape: true, meta: true };
describe.skipIf(!hasRealServer)('scratch cells in the review', () => {
  let db: TestDatabase;
  let session: ReadOnlyDb;
  let out: string;
  beforeAll(async () => {
    db = await createDatabase(`CREATE TABLE ledger (id int PRIMARY KEY, amount numeric); INSERT INTO ledger SELECT g, g * 1.5 FROM generate_series(1, 40) g;`, { untracked: true });
    session = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
    out = await mkdtemp(path.join(tmpdir(), 'pgadvisor-scratch-'));
  });
  afterAll(async () => {
    await session?.close();
    await db?.drop();
    await rm(out, { recursive: true, force: true });
  });

  const review = (extra: Partial<ReviewOptions> = {}) =>
    new ReviewController({ source: { kind: 'live', display: 'advisor@db:5432/shop' }, data: fixtureData(), takenAt: TAKEN, outDir: out, toolVersion: '0.0.0-test', demo: false, database: () => session, ...extra });

  /** e, the text, then ctrl-r (keep and run), and the run's end */
  async function writeAndRun(c: ReviewController, sql: string, done = true) {
    c.keys('e', {});
    expect(c.getState().overlay.kind).toBe('editor');
    c.keys(sql, {});
    c.keys('r', { ctrl: true });
    expect(c.getState().overlay.kind).toBe('none');
    const cell = focusedItem(c.getState());
    expect(cell?.kind === 'cell' && cell.scratch).toBeTruthy();
    const id = cell!.kind === 'cell' ? cell!.scratch!.id : '';
    if (done) await until(() => c.getState().scratchRunning === null && c.getState().scratch.find((x) => x.id === id)?.run);
    return id;
  }

  it('write, run, refuse, cancel, edit, delete; autosaved and written with the snapshot; replayed offline; in the report', async () => {
    const c = review();
    c.keys('e', {});
    expect(c.getState().message?.lines[0]).toMatch(/tab to one first/);
    c.keys('\t', { tab: true });

    // a query typed over two lines: the result is the cell's table
    const first = await writeAndRun(c, `SELECT count(*)::int AS n, sum(amount) AS total\r FROM ledger`);
    const cells = c.getState().scratch;
    expect(cells[0]).toMatchObject({ id: first, playbook: 'indexes', sql: 'SELECT count(*)::int AS n, sum(amount) AS total\n FROM ledger' });
    expect(cells[0].run).toMatchObject({ status: 'ok', columns: ['n', 'total'], rows: [{ n: 40, total: '1230.0' }] });
    expect(itemsOf(c.getState(), 1).at(-1)?.key).toBe(`scratch:${first}`);

    // a write goes to the server, which refuses it: the cell's error
    const write = await writeAndRun(c, `DELETE FROM ledger WHERE id < 10`);
    const refused = c.getState().scratch.find((x) => x.id === write)!.run!;
    expect(refused.status).toBe('error');
    expect(refused.reason).toBe('cannot execute DELETE in a read-only transaction (SQLSTATE 25006)');
    expect(c.getState().message).toMatchObject({ tone: 'error' });
    expect((await db.exec(`SELECT count(*)::int AS n FROM ledger`)).rows[0].n).toBe(40);

    // Esc cancels a long one on the server
    const slow = await writeAndRun(c, `SELECT pg_sleep(20)`, false);
    await until(() => c.getState().scratchRunning === slow);
    await wait(200);
    c.keys('', ESC);
    const cancelled = await until(() => c.getState().scratch.find((x) => x.id === slow)?.run);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.durationMs).toBeLessThan(5000);

    // D deletes the focused cell of yours
    c.keys('D', {});
    expect(c.getState().scratch.map((x) => x.id)).toEqual([first, write]);

    // the focus stays on the cell before it; E edits it, and a paste lands with its own indents
    expect(focusedItem(c.getState())?.key).toBe(`scratch:${write}`);
    c.keys('E', {});
    c.keys('u', { ctrl: true });
    c.keys('SELECT id\n  FROM ledger\n  WHERE id <= 2', {});
    c.keys('r', { ctrl: true });
    const edited = await until(() => c.getState().scratch.find((x) => x.id === write && x.run?.status === 'ok'));
    expect(edited.sql).toBe('SELECT id\n  FROM ledger\n  WHERE id <= 2');
    expect(edited.run!.rows).toEqual([{ id: 1 }, { id: 2 }]);

    // the autosave keeps the cells
    let name: string | undefined;
    for (let i = 0; i < 400 && !name; i++) {
      const f = (await readdir(out)).find((x) => x.endsWith('.autosave.json'));
      if (f && (await readSnapshot(path.join(out, f))).notes?.[1]?.sql.includes('id <= 2')) name = f;
      else await wait(25);
    }
    expect(name).toBeTruthy();

    await c.write();
    const file = (await readdir(out)).find((f) => f.endsWith('.snapshot.json'))!;
    const snapshot = await readSnapshot(path.join(out, file));
    expect(snapshot.minor).toBe(3);
    expect(snapshot.notes?.map((n) => [n.playbook, n.sql, n.run?.status])).toEqual([
      ['indexes', 'SELECT count(*)::int AS n, sum(amount) AS total\n FROM ledger', 'ok'],
      ['indexes', 'SELECT id\n  FROM ledger\n  WHERE id <= 2', 'ok'],
    ]);
    c.dispose();

    // replayed offline: the cells are there with their results, kept but not run
    const { server, playbooks, findings, skipped } = snapshot;
    const replay = new ReviewController({
      source: { kind: 'replay', file: path.join(out, file), database: server.database, takenAt: snapshot.takenAt, demo: false },
      data: { server, playbooks, findings, skipped },
      decisions: snapshot.decisions,
      scratch: snapshot.notes,
      takenAt: snapshot.takenAt,
      outDir: out,
      protect: path.join(out, file),
      toolVersion: '0.0.0-test',
      demo: false,
    });
    replay.keys('\t', { tab: true });
    replay.keys('G', {});
    const last = focusedItem(replay.getState());
    expect(last?.kind === 'cell' && last.run.rows).toEqual([{ id: 1 }, { id: 2 }]);
    replay.keys('r', { ctrl: true });
    expect(replay.getState().message?.lines[0]).toMatch(/offline replay: there is no database to run it on/);
    replay.dispose();

    // the report prints them in their section under "Engineer's notes"
    const md = renderReport(snapshot);
    const indexes = md.slice(md.indexOf('. Indexes'), md.indexOf('. Security'));
    expect(indexes).toMatch(/### \d+\.\d+ Engineer's notes/);
    expect(indexes).toContain('SELECT count(*)::int AS n, sum(amount) AS total\n FROM ledger');
    expect(indexes).toMatch(/\| n +\| total +\|/);
    expect(indexes).toMatch(/\| 40 +\| 1230\.0 +\|/);
  }, 60_000);
});
