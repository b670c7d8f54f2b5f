import { execFileSync } from 'node:child_process';
import { promises as fs, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMigration, MigrationConflictError } from '../../src/migration/build.ts';
import { readSnapshot, serializeSnapshot } from '../../src/snapshot/io.ts';
import { autosave, autosavePath, findAutosave, saveSession } from '../../src/snapshot/save.ts';
import { WriteError } from '../../src/util/atomic.ts';
import { decision, decisions, DUP_ID, sessionData, snapshotFixture } from './fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-save-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const list = async (d = dir) => (await fs.readdir(d)).sort();

/** Accepting both duplicates of one index: each keeps the one the other drops. */
function conflicting() {
  const data = sessionData();
  data.findings.push({
    ...data.findings[0],
    id: 'indexes/duplicate_indexes/public.orders.orders_customer_id_idx',
    target: 'public.orders.orders_customer_id_idx',
    title: 'Duplicate index orders_customer_id_idx (same as orders_customer_id_idx1)',
    up: 'DROP INDEX CONCURRENTLY public.orders_customer_id_idx;',
    down: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders USING btree (customer_id);',
    drops: ['public.orders_customer_id_idx'],
    keeps: ['public.orders_customer_id_idx1'],
  });
  return snapshotFixture({ data, decisions: { ...decisions(), 'indexes/duplicate_indexes/public.orders.orders_customer_id_idx': decision('accepted') } });
}

describe('saveSession', () => {
  it('writes the snapshot, migration and rollback under one base name, creating the folder', async () => {
    const out = path.join(dir, 'snapshots');
    const s = snapshotFixture();
    const files = await saveSession(out, s);
    expect(files).toEqual({
      snapshot: path.join(out, '20250304-050607-shop.snapshot.json'),
      migration: path.join(out, '20250304-050607-shop.migration.sql'),
      rollback: path.join(out, '20250304-050607-shop.rollback.sql'),
    });
    expect(await list(out)).toEqual(['20250304-050607-shop.migration.sql', '20250304-050607-shop.rollback.sql', '20250304-050607-shop.snapshot.json']);
    expect(await readSnapshot(files.snapshot)).toEqual(s);
    expect(await fs.readFile(files.snapshot, 'utf8')).toBe(serializeSnapshot(s));
    const m = buildMigration(s, { name: '20250304-050607-shop' });
    const up = await fs.readFile(files.migration, 'utf8');
    expect(up).toBe(m.up);
    expect(up).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON public.order_items (order_id)');
    expect(up).toContain('ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY');
    expect(up).not.toContain('orders_status_idx'); // rejected
    const down = await fs.readFile(files.rollback, 'utf8');
    expect(down).toBe(m.down);
    expect(down).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx1 ON public.orders USING btree (customer_id)');
  });

  it('writes the same bytes twice for the same snapshot', async () => {
    const a = await saveSession(path.join(dir, 'a'), snapshotFixture());
    const b = await saveSession(path.join(dir, 'b'), snapshotFixture());
    for (const k of ['snapshot', 'migration', 'rollback'] as const) {
      expect(await fs.readFile(a[k], 'utf8')).toBe(await fs.readFile(b[k], 'utf8'));
    }
  });

  it('aborts on conflicting accepted findings before writing anything', async () => {
    const out = path.join(dir, 'snapshots');
    const err = await saveSession(out, conflicting()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationConflictError);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toContain('orders_customer_id_idx');
    expect(await list()).toEqual([]); // not even the folder
  });

  it('leaves no partial set when the folder cannot be written', async () => {
    await fs.writeFile(path.join(dir, 'snapshots'), 'a file where the folder should be');
    const err = await saveSession(path.join(dir, 'snapshots'), snapshotFixture()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as Error).message).toBe(`cannot write ${path.join(dir, 'snapshots')}/: not a directory`);
    expect(await list()).toEqual(['snapshots']);
  });

  it('leaves no partial set when one of the three targets is in the way', async () => {
    const out = path.join(dir, 'snapshots');
    await fs.mkdir(path.join(out, '20250304-050607-shop.rollback.sql'), { recursive: true });
    await fs.writeFile(path.join(out, '20250304-050607-shop.rollback.sql', 'x'), '');
    const err = await saveSession(out, snapshotFixture()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as Error).message).toMatch(/rollback\.sql: is a directory$/);
    expect(await list(out)).toEqual(['20250304-050607-shop.rollback.sql']);
  });

  it.runIf(process.getuid?.() === 0)('reports a read-only folder in one line and writes nothing', async (ctx) => {
    const out = path.join(dir, 'snapshots');
    await fs.mkdir(out);
    try {
      execFileSync('chattr', ['+i', out], { stdio: 'ignore' });
    } catch {
      return ctx.skip('chattr is not available here');
    }
    try {
      const err = await saveSession(out, snapshotFixture()).catch((e: unknown) => e);
      expect((err as Error).message).toBe(`cannot write ${out}/: operation not permitted`);
      expect(await list(out)).toEqual([]);
    } finally {
      execFileSync('chattr', ['-i', out]);
    }
  });

  it('removes the autosave of the session it saved', async () => {
    const s = snapshotFixture();
    await autosave(dir, s);
    expect(await list()).toEqual(['20250304-050607-shop.autosave.json']);
    await saveSession(dir, s);
    expect(await list()).not.toContain('20250304-050607-shop.autosave.json');
  });
});

describe('autosave', () => {
  it('writes the whole snapshot next to the session files and finds it again', async () => {
    const s = snapshotFixture();
    s.decisions[DUP_ID] = decision('rejected', 'changed my mind before the crash');
    const file = await autosave(path.join(dir, 'snapshots'), s);
    expect(file).toBe(autosavePath(path.join(dir, 'snapshots'), s));
    expect(path.basename(file)).toBe('20250304-050607-shop.autosave.json');
    const found = await findAutosave(path.join(dir, 'snapshots'));
    expect(found?.file).toBe(file);
    expect(found?.snapshot.decisions[DUP_ID]).toEqual(decision('rejected', 'changed my mind before the crash'));
  });

  it('returns the newest readable autosave, or null', async () => {
    expect(await findAutosave(path.join(dir, 'none'))).toBeNull();
    expect(await findAutosave(dir)).toBeNull();
    const older = await autosave(dir, snapshotFixture({ takenAt: '2025-03-01T00:00:00Z' }));
    const newer = await autosave(dir, snapshotFixture({ takenAt: '2025-02-01T00:00:00Z' }));
    utimesSync(older, new Date('2025-03-01T00:00:00Z'), new Date('2025-03-01T00:00:00Z'));
    utimesSync(newer, new Date('2025-03-02T00:00:00Z'), new Date('2025-03-02T00:00:00Z'));
    expect((await findAutosave(dir))?.file).toBe(newer);
    // a newest one that no longer reads is passed over
    const broken = path.join(dir, '20250305-000000-shop.autosave.json');
    await fs.writeFile(broken, '{"format": "pgadvisor.snapshot/v1", "trunc');
    expect((await findAutosave(dir))?.file).toBe(newer);
  });
});
