// The whole path on a real database: the indexes playbook runs, every finding is accepted, the session is
// saved, the report is rendered, and the saved migration and rollback apply with psql.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, runLive, selectNotebooks, type Connected } from '../../src/playbooks/live.ts';
import { renderReport } from '../../src/report/render.ts';
import { newSnapshot, readSnapshot } from '../../src/snapshot/io.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import { saveSession } from '../../src/snapshot/save.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../support/db.ts';
import { runCli } from '../cli/run-cli.ts';

const SETUP = `
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE "Order Lines" (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), note text);
CREATE INDEX lines_note_idx ON "Order Lines" (note);
CREATE INDEX "lines note | dup" ON "Order Lines" (note);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;
INSERT INTO "Order Lines" SELECT g, 1 + g % 500, 'n' || (g % 7) FROM generate_series(1, 5000) g;
ANALYZE;`;

describe.runIf(hasRealServer)('report and save on a real session', () => {
  let db: TestDatabase;
  let conn: Connected;
  let snap: Snapshot;
  let dir: string;

  beforeAll(async () => {
    db = await createDatabase(SETUP);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-real-'));
    conn = await connect(db.url);
    const data = await runLive(conn, await selectNotebooks(['indexes']));
    const decisions = Object.fromEntries(data.findings.map((f) => [f.id, { state: 'accepted' as const, note: 'from the test', at: '2025-03-04T06:00:00.000Z' }]));
    snap = newSnapshot(data, { toolVersion: '0.1.0', takenAt: '2025-03-04T05:06:07.000Z', demo: false, decisions });
  });

  afterAll(async () => {
    await conn?.close();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds the duplicate index and the unindexed foreign key', () => {
    const checks = snap.findings.map((f) => f.check);
    expect(checks).toContain('duplicate_indexes');
    expect(checks).toContain('fk_without_index');
  });

  it('check --json, which skips the evidence-only probes, reports exactly the findings of the full session', async () => {
    const r = await runCli(['check', '--json', '--playbook', 'indexes', '--url', db.url]);
    expect(r.code).toBe(0);
    const checked = JSON.parse(r.stdout).findings as { id: string; up: string | null }[];
    expect(checked.map((f) => [f.id, f.up])).toEqual(snap.findings.map((f) => [f.id, f.up]));
  });

  it('renders a report naming the real objects, with tables intact', () => {
    const md = renderReport(snap);
    expect(md).toContain(`# PostgreSQL health check: ${db.name}`);
    expect(md).toMatch(/### Phase 1: Non-blocking index creates/);
    const dup = snap.findings.find((f) => f.check === 'duplicate_indexes')!;
    expect(md).toContain(dup.up!.trim());
    // the hostile index name is escaped in Markdown text and literal in code
    const heading = md.split('\n').find((l) => l.startsWith('#### ') && l.includes(dup.title.slice(0, 5)))!;
    expect(heading).toContain('lines note \\| dup');
    expect(md).toContain('- **Target**: `public."Order Lines"."lines note | dup"`');
    expect(md).toContain('```sql\nDROP INDEX CONCURRENTLY IF EXISTS public."lines note | dup";\n```');
    // the only transactional statement marks the index the foreign-key finding creates
    const phase2 = md.slice(md.indexOf('### Phase 2: Transactional changes'), md.indexOf('### Phase 3'));
    expect(phase2).toMatch(/COMMENT ON INDEX public\."Order Lines_customer_id_idx" IS 'pgadvisor: created for indexes\/fk_without_index\//);
    expect(renderReport(snap)).toBe(md);
  });

  it('saves files whose migration and rollback apply with psql', async () => {
    const before = await schemaDump(db.url);
    const files = await saveSession(dir, snap);
    expect(await readSnapshot(files.snapshot)).toEqual(snap);
    await psqlFile(db.url, files.migration);
    const after = await schemaDump(db.url);
    expect(after).not.toBe(before);
    await psqlFile(db.url, files.rollback);
    const restored = await schemaDump(db.url);
    // index order in the dump follows names, so the rollback's recreated duplicate lands where it was
    expect(restored.split('\n').sort()).toEqual(before.split('\n').sort());
  });
});
