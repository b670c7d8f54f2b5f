// p in the review on a real server: from a workload row (a picker when the table lists several), from a
// finding's evidence, from a cell of yours; planned without running, beside the proposed index with hypopg.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { fromUrl } from '../../src/db/target.ts';
import type { Finding, RunResult } from '../../src/playbooks/types.ts';
import { ReviewController } from '../../src/review/controller.ts';
import { explainChoices } from '../../src/review/explain-targets.ts';
import { focusedItem, itemsOf, type ReviewState } from '../../src/review/state.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { fixtureData } from '../tui/fixture.ts';

const BY_CUSTOMER = 'SELECT id, total FROM invoice WHERE customer_id = $1 ORDER BY id DESC LIMIT $2';
const BY_DAY = 'SELECT count(*) FROM invoice WHERE issued_on = $1';

/** The fixture with a workload table of two statements and an index proposal serving the first. */
function data(): RunResult {
  const d = fixtureData();
  const workload = d.playbooks.find((p) => p.id === 'workload')!;
  workload.runs[0] = {
    ...workload.runs[0],
    status: 'ok',
    reason: null,
    columns: ['query', 'calls', 'queryid'],
    rows: [
      { query: BY_CUSTOMER, calls: 900, queryid: '101' },
      { query: BY_DAY, calls: 20, queryid: '102' },
      { query: 'SELECT a_statement_cut_at_200_characters …', calls: 1, queryid: '103' },
    ],
    rowCount: 3,
  };
  workload.blocks.push({ type: 'cell', cellId: 'workload_indexes' });
  workload.runs.push({ ...workload.runs[0], cell: 'workload_indexes', kind: 'analyzer', title: 'Indexes the workload needs', sql: null, columns: [], rows: [], rowCount: 0 });
  const proposal: Finding = {
    id: 'workload/workload_indexes/public.invoice.invoice_customer_id_idx',
    playbook: 'workload',
    check: 'workload_indexes',
    severity: 'warning',
    target: 'public.invoice.invoice_customer_id_idx',
    title: 'Add index on invoice (customer_id)',
    rationale: 'serves the statements below',
    evidence: { statements: [{ queryid: '101', query: BY_CUSTOMER }] },
    up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS invoice_customer_id_idx ON public.invoice USING btree (customer_id);',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS public.invoice_customer_id_idx;',
    drops: [],
    keeps: [],
  };
  d.findings.push(proposal);
  return d;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function planOf(c: ReviewController) {
  for (let i = 0; i < 500; i++) {
    const o = c.getState().overlay;
    if (o.kind === 'plan' && (o.outcome || o.error)) return o;
    await wait(10);
  }
  throw new Error('no plan');
}
/** j until the focused item is the one wanted */
const focus = (c: ReviewController, pred: (s: ReviewState) => boolean) => {
  for (let i = 0; i < 2000 && !pred(c.getState()); i++) c.keys('j', {});
  expect(pred(c.getState())).toBe(true);
};

describe('what p can plan from the focused item', () => {
  it('workload rows (whole statements only) with the proposals naming them; a finding its statements; your cell with the accepted indexes', () => {
    const d = data();
    const state = { data: d, filter: '', unfolded: {}, scratch: [] };
    const cell = itemsOf(state, 3).find((i) => i.kind === 'cell' && i.run.cell === 'top_statements')!;
    const choices = explainChoices(cell, d, {});
    expect(choices.map((x) => [x.sql, x.queryid, x.hypothetical.length])).toEqual([
      [BY_CUSTOMER, '101', 1],
      [BY_DAY, '102', 0],
    ]);
    const f = itemsOf(state, 3).find((i) => i.kind === 'finding' && i.finding.check === 'workload_indexes')!;
    expect(explainChoices(f, d, {}).map((x) => x.hypoFrom)).toEqual([['workload/workload_indexes/public.invoice.invoice_customer_id_idx']]);
    expect(explainChoices(itemsOf(state, 1)[0], d, {})).toEqual([]);
  });
});

describe.skipIf(!hasRealServer)('p plans on the live session', () => {
  let db: TestDatabase;
  let session: ReadOnlyDb;
  beforeAll(async () => {
    db = await createDatabase(
      `CREATE EXTENSION hypopg;
       CREATE TABLE invoice (id bigint PRIMARY KEY, customer_id int NOT NULL, issued_on date NOT NULL, total numeric);
       INSERT INTO invoice SELECT g, g % 3000, date '2024-01-01' + (g % 365), g FROM generate_series(1, 150000) g;
       ANALYZE invoice;`,
      { untracked: true },
    );
    session = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('a workload row: the picker, then the plan beside the one with the proposed index; Esc back', async () => {
    const c = new ReviewController({ source: { kind: 'live', display: 'db' }, data: data(), takenAt: '2025-03-01T10:00:00.000Z', outDir: '/nonexistent', toolVersion: '0', demo: false, database: () => session });
    c.keys('\t\t\t', {});
    focus(c, (s) => focusedItem(s)?.key === itemsOf(s, 3).find((i) => i.kind === 'cell' && i.run.cell === 'top_statements')?.key);
    c.keys('p', {});
    const o = c.getState().overlay;
    expect(o.kind === 'statements' && o.choices.length).toBe(2);
    if (o.kind !== 'statements') return;
    void c.explain(o.choices[0]);
    const plan = await planOf(c);
    expect(plan.error).toBeNull();
    expect(plan.outcome!.before.mode).toBe('generic');
    expect(plan.outcome!.after!.tree.total).toBeLessThan(plan.outcome!.before.tree.total);
    expect(plan.outcome!.hypothetical[0].name).toMatch(/btree_invoice_customer_id/);
    c.keys('', { escape: true, meta: true });
    expect(c.getState().overlay.kind).toBe('none');
    expect((await db.exec(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'invoice'`)).rows[0].n).toBe(1);
    c.dispose();
  });

  it("the workload's constants when a --workload source saw them: a custom plan", async () => {
    const c = new ReviewController({ source: { kind: 'live', display: 'db' }, data: data(), takenAt: '2025-03-01T10:00:00.000Z', outDir: '/nonexistent', toolVersion: '0', demo: false, database: () => session, samples: (id) => (id === '102' ? ['2024-02-03'] : null) });
    const o = explainChoices(itemsOf({ ...c.getState(), scratch: [] }, 3).find((i) => i.kind === 'cell' && i.run.cell === 'top_statements')!, c.getState().data!, {});
    void c.explain(o[1]);
    const plan = await planOf(c);
    expect(plan.outcome!.before.mode).toBe('custom');
    expect(plan.outcome!.before.tree.rows).toBe(1);
    c.dispose();
  });

  it('a cell of yours, with the index of an accepted proposal; a replay has nothing to plan on', async () => {
    const c = new ReviewController({ source: { kind: 'live', display: 'db' }, data: data(), takenAt: '2025-03-01T10:00:00.000Z', outDir: '/nonexistent', toolVersion: '0', demo: false, database: () => session });
    c.keys('\t\t\t', {});
    focus(c, (s) => focusedItem(s)?.kind === 'finding' && focusedItem(s)?.key.includes('workload_indexes') === true);
    c.keys('a', {});
    c.keys('e', {});
    c.keys('SELECT * FROM invoice WHERE customer_id = 42', {});
    c.keys('', { escape: true, meta: true });
    c.keys('p', {});
    const plan = await planOf(c);
    expect(plan.outcome!.before.mode).toBe('plain');
    expect(plan.outcome!.after).not.toBeNull();
    c.dispose();

    const replay = new ReviewController({ source: { kind: 'replay', file: 'x.json', database: 'shop', takenAt: 'x', demo: false }, data: data(), takenAt: 'x', outDir: '/nonexistent', toolVersion: '0', demo: false });
    replay.keys('\t\t\t', {});
    focus(replay, (s) => focusedItem(s)?.kind === 'finding' && focusedItem(s)?.key.includes('workload_indexes') === true);
    replay.keys('p', {});
    expect(replay.getState().message?.lines[0]).toMatch(/offline replay: there is no database to plan on/);
    replay.dispose();
  });
});
