import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffCommand } from '../../src/commands/diff.ts';
import { carryDecisions } from '../../src/snapshot/carry.ts';
import { diffSnapshots, withoutDrift } from '../../src/snapshot/diff.ts';
import { serializeSnapshot, SnapshotError } from '../../src/snapshot/io.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import { AUTOVAC_ID, decision, DUP_ID, FK_ID, RLS_ID, sessionData, snapshotFixture, UNUSED_ID } from './fixtures.ts';

/** A week later: the FK index was created, RLS turned on, the dead-tuple finding got worse, a new one appeared. */
function laterSnapshot(): Snapshot {
  const data = sessionData();
  data.server.version = '16.4';
  data.server.versionNum = 160004;
  data.server.settings = { ...data.server.settings, work_mem: '8192' };
  delete data.server.settings.random_page_cost;
  data.server.settings.jit = 'off';
  data.server.extensions = [...data.server.extensions, { name: 'hypopg', version: '1.4.1', schema: 'public' }];
  data.findings = data.findings.filter((f) => f.id !== FK_ID && f.id !== RLS_ID);
  const dead = data.findings.find((f) => f.id === AUTOVAC_ID)!;
  dead.severity = 'critical';
  dead.evidence = { n_live_tup: 600000, n_dead_tup: 900000 };
  data.findings.push({
    id: 'indexes/unused_indexes/public.events.events_payload_idx',
    playbook: 'indexes',
    check: 'unused_indexes',
    severity: 'info',
    target: 'public.events.events_payload_idx',
    title: 'Index events_payload_idx was never scanned',
    rationale: 'No scan since the statistics were reset.',
    evidence: { idx_scan: 0 },
    up: 'DROP INDEX CONCURRENTLY public.events_payload_idx;',
    down: 'CREATE INDEX CONCURRENTLY events_payload_idx ON public.events USING gin (payload);',
    drops: ['public.events_payload_idx'],
    keeps: [],
  });
  return snapshotFixture({ data, decisions: {}, takenAt: '2025-03-11T05:06:07.000Z' });
}

describe('diffSnapshots', () => {
  it('sorts findings into fixed, new, changed and unchanged', () => {
    const d = diffSnapshots(snapshotFixture(), laterSnapshot());
    expect(d.fixed.map((f) => f.id)).toEqual([FK_ID, RLS_ID]);
    expect(d.new.map((f) => f.id)).toEqual(['indexes/unused_indexes/public.events.events_payload_idx']);
    expect(d.changed.map((f) => f.id)).toEqual([AUTOVAC_ID]);
    expect(d.changed[0].fields).toEqual([
      { field: 'severity', before: 'warning', after: 'critical' },
      { field: 'evidence.n_dead_tup', before: 380000, after: 900000 },
      { field: 'evidence.n_live_tup', before: 620000, after: 600000 },
    ]);
    expect(d.unchanged.map((f) => f.id).sort()).toEqual([DUP_ID, UNUSED_ID].sort());
    expect(d.fixed[0]).toMatchObject({ severity: 'critical', target: 'public.order_items.order_items_order_id_fkey' });
  });

  it('reports server changes', () => {
    const d = diffSnapshots(snapshotFixture(), laterSnapshot());
    expect(d.server.version).toEqual({ before: '15.18', after: '16.4' });
    expect(d.server.database).toBeNull();
    expect(d.server.settings).toEqual([
      { name: 'jit', before: null, after: 'off' },
      { name: 'random_page_cost', before: '4', after: null },
      { name: 'work_mem', before: '4096', after: '8192' },
    ]);
    expect(d.server.extensions).toEqual([{ name: 'hypopg', before: null, after: '1.4.1' }]);
  });

  it('sees no change between a snapshot and itself, and lists up/down changes', () => {
    const same = diffSnapshots(snapshotFixture(), snapshotFixture());
    expect(same.fixed.length + same.new.length + same.changed.length).toBe(0);
    expect(same.unchanged).toHaveLength(5);
    expect(same.server.settings).toEqual([]);

    const data = sessionData();
    data.findings[0].up = 'DROP INDEX CONCURRENTLY public.orders_customer_id_idx;';
    data.findings[0].evidence = { duplicate_of: 'public.orders_customer_id_idx', idx_scan: 0, size_bytes: 1785856 }; // same, reordered
    const d = diffSnapshots(snapshotFixture(), snapshotFixture({ data }));
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0].fields.map((f) => f.field)).toEqual(['up']);
  });
});

describe('carryDecisions', () => {
  it('carries the baseline decisions of findings still present, by id', () => {
    const base = snapshotFixture();
    const current = laterSnapshot();
    const carried = carryDecisions(base, current, 'snapshots/20250304-050607-shop.snapshot.json');
    const diff = diffSnapshots(base, current);
    expect(carried.baseline).toEqual({
      file: 'snapshots/20250304-050607-shop.snapshot.json',
      takenAt: base.takenAt,
      decisions: {
        [AUTOVAC_ID]: decision('pending'),
        [DUP_ID]: decision('accepted', 'keep the older one'),
        [UNUSED_ID]: decision('rejected', 'used by the month-end report'),
      },
      // what changed since the baseline, recorded so a report says it without the baseline file
      changes: { fixed: diff.fixed, new: diff.new, changed: diff.changed, unchanged: diff.unchanged.length, server: diff.server },
    });
    expect(carried.baseline!.changes!.fixed.map((f) => f.id)).toContain(FK_ID);
    expect(Object.keys(carried.baseline!.decisions)).not.toContain(FK_ID);
    expect(current.baseline).toBeNull();
    expect(carried.decisions).toEqual({});
    expect(carried.baseline!.decisions[UNUSED_ID]).toEqual(decision('rejected', 'used by the month-end report'));
    expect(carried.baseline!.decisions['indexes/unused_indexes/public.events.events_payload_idx']).toBeUndefined();
  });

  it('names the baseline file after it by default and keeps decisions carried twice', () => {
    const first = snapshotFixture();
    const second = carryDecisions(first, laterSnapshot());
    expect(second.baseline!.file).toBe('20250304-050607-shop.snapshot.json');
    second.decisions = { [DUP_ID]: decision('rejected', 'changed my mind') };
    const third = carryDecisions(second, laterSnapshot(), 'second.json');
    expect(third.baseline!.decisions[DUP_ID].note).toBe('changed my mind');
    expect(third.baseline!.decisions[UNUSED_ID].note).toBe('used by the month-end report');
  });

  it('survives a write and a read', () => {
    const carried = carryDecisions(snapshotFixture(), laterSnapshot(), 'base.json');
    const back = JSON.parse(serializeSnapshot(carried));
    expect(back.baseline.decisions[UNUSED_ID].state).toBe('rejected');
  });
});

describe('diffCommand', () => {
  let dir: string;
  let oldFile: string;
  let newFile: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-diff-'));
    oldFile = path.join(dir, 'old.snapshot.json');
    newFile = path.join(dir, 'new.snapshot.json');
    await fs.writeFile(oldFile, serializeSnapshot(snapshotFixture()));
    await fs.writeFile(newFile, serializeSnapshot(laterSnapshot()));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const capture = () => {
    let text = '';
    return { out: { write: (s: string) => (text += s) }, text: () => text };
  };

  it('prints a readable text diff', async () => {
    const c = capture();
    expect(await diffCommand({ old: oldFile, new: newFile }, c.out)).toBe(0);
    const text = c.text();
    expect(text).toContain('Fixed (2)\n  critical Foreign key order_items_order_id_fkey has no supporting index\n');
    expect(text).toContain(`target public.accounts · id ${RLS_ID}`);
    expect(text).toContain('New (1)\n  info     Index events_payload_idx was never scanned\n');
    expect(text).toContain('Changed (1)\n  critical public.events has 38% dead tuples\n');
    expect(text).toContain('           severity: warning → critical\n');
    expect(text).toContain('           evidence.n_dead_tup: 380000 → 900000\n');
    expect(text).toContain('  version: 15.18 → 16.4\n');
    expect(text).toContain('  setting work_mem 4096 → 8192\n');
    expect(text).toContain('  setting - random_page_cost 4\n');
    expect(text).toContain('  extension + hypopg 1.4.1\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe('2 fixed, 1 new, 1 changed, 2 unchanged, 2 decisions changed');
  });

  it('prints JSON with --json', async () => {
    const c = capture();
    await diffCommand({ old: oldFile, new: newFile, json: true }, c.out);
    const d = JSON.parse(c.text());
    expect(d.fixed).toHaveLength(2);
    expect(d.new[0].target).toBe('public.events.events_payload_idx');
    expect(d.changed[0].fields[0]).toEqual({ field: 'severity', before: 'warning', after: 'critical' });
    expect(d.server.version).toEqual({ before: '15.18', after: '16.4' });
  });

  it('keeps a hostile title on one line', async () => {
    const data = sessionData();
    data.findings[0].title = 'Duplicate index "we|ird\nname"';
    const hostile = path.join(dir, 'hostile.snapshot.json');
    await fs.writeFile(hostile, serializeSnapshot(snapshotFixture({ data })));
    const c = capture();
    await diffCommand({ old: oldFile, new: hostile }, c.out);
    // the line break shows as \n: the finding stays one line and keeps its whole title
    expect(c.text()).toContain('  warning  Duplicate index "we|ird\\nname"\n');
  });

  it('compares decisions and notes, and ignores ages and times that only moved on', async () => {
    const a = snapshotFixture();
    const b = snapshotFixture({ decisions: { ...a.decisions, [DUP_ID]: decision('rejected', 'keeps the report fast') } });
    const dup = (s: Snapshot) => s.findings.find((f) => f.id === DUP_ID)!;
    dup(a).title = '10 indexes unscanned, but statistics are only 0 minutes old';
    dup(b).title = '10 indexes unscanned, but statistics are only 2 minutes old';
    dup(a).evidence = { ...dup(a).evidence, stats_reset: '2025-03-04 05:06:07+00', window: '00:00:13', last_autovacuum: null };
    dup(b).evidence = { ...dup(b).evidence, stats_reset: '2025-03-04 05:08:07+00', window: '00:02:13', last_autovacuum: '2025-03-04 05:07:00+00' };
    const d = diffSnapshots(a, b);
    expect(d.changed).toEqual([]);
    expect(d.decisions).toEqual([expect.objectContaining({ id: DUP_ID, before: { state: a.decisions[DUP_ID]?.state ?? 'pending', note: a.decisions[DUP_ID]?.note ?? '' }, after: { state: 'rejected', note: 'keeps the report fast' } })]);
    // a real change still shows
    dup(b).title = '12 indexes unscanned, but statistics are only 2 minutes old';
    expect(diffSnapshots(a, b).changed.map((c) => c.fields.map((f) => f.field))).toEqual([['title']]);
    expect(withoutDrift('since 2025-03-04T05:06:07.000Z, 3 days 02:00:00 ago')).toBe('since <time>, <interval> ago');
    const file = path.join(dir, 'notes-b.json');
    await fs.writeFile(file, serializeSnapshot(b));
    await fs.writeFile(path.join(dir, 'notes-a.json'), serializeSnapshot(a));
    let text = '';
    await diffCommand({ old: path.join(dir, 'notes-a.json'), new: file }, { write: (t: string) => (text += t) });
    expect(text).toContain('Decisions changed (1)');
    expect(text).toContain('decision: ');
    expect(text).toContain('→ rejected “keeps the report fast”');
  });

  it('fails with a one-line SnapshotError for an unreadable file', async () => {
    await expect(diffCommand({ old: oldFile, new: path.join(dir, 'missing.json') }, capture().out)).rejects.toThrow(SnapshotError);
    await expect(diffCommand({ old: oldFile, new: path.join(dir, 'missing.json') }, capture().out)).rejects.toThrow(/no such file$/);
  });
});
