import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { probeServer } from '../../src/db/server-facts.ts';
import { fromUrl } from '../../src/db/target.ts';
import { loadNotebooks } from '../../src/playbooks/loader.ts';
import { runPlaybooks } from '../../src/playbooks/runner.ts';
import type { RunResult } from '../../src/playbooks/types.ts';
import { newSnapshot, redactSecrets, serializeSnapshot, snapshotBaseName, SnapshotError } from '../../src/snapshot/io.ts';
import { createDatabase, hasRealServer, TEST_DATABASE_URL, type TestDatabase } from '../support/db.ts';
import { sessionData, snapshotFixture, TAKEN_AT, TEST_PASSWORD } from './fixtures.ts';

// A value that only lives in a user table: it must never reach a snapshot.
const USER_VALUE = 'alice.customer@example.org';

const NOTEBOOK = `---
id: stats
title: Column statistics
order: 1
summary: what pg_stats says about one table
---

Statistics facts only.

\`\`\`sql probe column_stats
-- title: Column statistics (with sample columns a careless probe might select)
SELECT s.attname, s.n_distinct, s.null_frac, s.most_common_vals::text AS most_common_vals,
       s.histogram_bounds::text AS histogram_bounds, s.most_common_freqs
  FROM pg_stats s WHERE s.schemaname = 'public' AND s.tablename = 'customers' ORDER BY s.attname
\`\`\`

\`\`\`sql probe series
-- title: Many rows
SELECT g AS n, now() AS at FROM generate_series(1, 450) g
\`\`\`

\`\`\`sql check wide_table
-- title: Tables with sampled statistics
-- severity: info
SELECT format('%I.%I', schemaname, tablename) AS target, 'has statistics' AS title, 'analyzed' AS rationale,
       jsonb_build_object('columns', count(*), 'most_common_vals', min(most_common_vals::text)) AS evidence
  FROM pg_stats WHERE schemaname = 'public' AND tablename = 'customers' GROUP BY schemaname, tablename
\`\`\`
`;

describe('newSnapshot on a real session', () => {
  let db: TestDatabase;
  let session: ReadOnlyDb;
  let data: RunResult;
  let nbDir: string;

  beforeAll(async () => {
    db = await createDatabase(`
      CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
      INSERT INTO customers SELECT g, CASE WHEN g % 2 = 0 THEN '${USER_VALUE}' ELSE 'c' || g || '@example.com' END FROM generate_series(1, 2000) g;
      ANALYZE customers;`);
    nbDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-nb-'));
    await fs.writeFile(path.join(nbDir, 'stats.md'), NOTEBOOK);
    session = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
    const server = await probeServer(session);
    data = await runPlaybooks({ db: session, server, notebooks: await loadNotebooks(nbDir), analyzers: {} });
  });

  afterAll(async () => {
    await session?.close();
    await db?.drop();
    if (nbDir) await fs.rm(nbDir, { recursive: true, force: true });
  });

  it('the probe really saw user data, so the test means something', () => {
    const run = data.playbooks[0].runs.find((r) => r.cell === 'column_stats')!;
    expect(run.status).toBe('ok');
    expect(JSON.stringify(run.rows)).toContain(USER_VALUE);
    expect(JSON.stringify(data.findings[0].evidence)).toContain(USER_VALUE);
  });

  it('strips pg_stats sample columns and keeps the statistics facts', () => {
    const snap = newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false });
    const run = snap.playbooks[0].runs.find((r) => r.cell === 'column_stats')!;
    expect(run.columns).toEqual(['attname', 'n_distinct', 'null_frac']);
    expect(run.rows.map((r) => r.attname)).toEqual(['email', 'id']);
    expect(Object.keys(run.rows[0]).sort()).toEqual(['attname', 'n_distinct', 'null_frac']);
    expect(snap.findings[0].evidence).toEqual({ columns: 2 });
    expect(serializeSnapshot(snap)).not.toContain(USER_VALUE);
  });

  it('never holds the password or a connection URL', () => {
    const password = decodeURIComponent(new URL(db.url).password);
    if (hasRealServer) expect(password).toBe(TEST_PASSWORD); // the session really connected with it
    const text = serializeSnapshot(newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false }));
    expect(text).not.toContain(TEST_PASSWORD);
    if (password) expect(text).not.toContain(password);
    expect(text).not.toContain('postgres://');
    expect(text).not.toContain('postgresql://');
    // the server facts are real
    expect(text).toContain(`"database": "${db.name}"`);
  });

  it('caps each cell at 200 rows by default and records the real count', () => {
    const snap = newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false });
    const run = snap.playbooks[0].runs.find((r) => r.cell === 'series')!;
    expect(run.rows).toHaveLength(200);
    expect(run.rowCount).toBe(450);
    expect(run.truncated).toBe(true);
    expect(run.rows[199].n).toBe(200);
    // pg returns timestamptz as Date: stored as ISO text
    expect(typeof run.rows[0].at).toBe('string');
    expect(run.rows[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const small = newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false, rowsPerCell: 10 });
    expect(small.playbooks[0].runs.find((r) => r.cell === 'series')!.rows).toHaveLength(10);
    const stats = small.playbooks[0].runs.find((r) => r.cell === 'column_stats')!;
    expect(stats.truncated).toBe(false);
    expect(stats.rowCount).toBe(2);
  });

  it.runIf(hasRealServer)('uses the real server facts', () => {
    const snap = newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false });
    expect(snap.server.versionNum).toBeGreaterThanOrEqual(150000);
    expect(TEST_DATABASE_URL).toContain(TEST_PASSWORD);
  });
});

describe('newSnapshot defence in depth', () => {
  it('redacts passwords that a catalog row might carry', () => {
    const data = sessionData();
    data.playbooks[0].runs[0].rows.push({
      table: 'sub',
      conninfo: `host=10.0.0.1 user=rep password=${TEST_PASSWORD} dbname=shop`,
      url: `postgres://rep:${TEST_PASSWORD}@db.internal:5432/shop`,
      stmt: `ALTER ROLE rep PASSWORD '${TEST_PASSWORD}'`,
    });
    const text = serializeSnapshot(newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false }));
    expect(text).not.toContain(TEST_PASSWORD);
    expect(text).toContain('password=***');
    expect(text).toContain("PASSWORD '***'");
    expect(redactSecrets(`postgresql://u:${TEST_PASSWORD}@h/db`)).toBe('postgresql://u:***@h/db');
  });

  it('keeps only the known server facts', () => {
    const data = sessionData();
    (data.server as unknown as Record<string, unknown>).connectionString = `postgres://postgres:${TEST_PASSWORD}@127.0.0.1/shop`;
    const text = serializeSnapshot(newSnapshot(data, { toolVersion: '0.1.0', takenAt: TAKEN_AT, demo: false }));
    expect(text).not.toContain('connectionString');
    expect(text).not.toContain(TEST_PASSWORD);
  });

  it('sets the envelope fields', () => {
    const s = newSnapshot(sessionData(), {
      toolVersion: '9.9.9',
      takenAt: TAKEN_AT,
      demo: true,
      derivedFrom: 'snapshots/old.snapshot.json',
    });
    expect(s.format).toBe('pgadvisor.snapshot/v1');
    expect(s.tool).toEqual({ name: 'pgadvisor', version: '9.9.9' });
    expect(s.demo).toBe(true);
    expect(s.derivedFrom).toBe('snapshots/old.snapshot.json');
    expect(s.decisions).toEqual({});
    expect(s.baseline).toBeNull();
  });
});

describe('serializeSnapshot', () => {
  it('gives the same bytes for the same snapshot, whatever the key order in memory', () => {
    const a = snapshotFixture();
    const data = sessionData();
    data.server.settings = Object.fromEntries(Object.entries(data.server.settings).reverse());
    data.findings = data.findings.map((f) => ({ ...f, evidence: Object.fromEntries(Object.entries(f.evidence).reverse()) }));
    const decisions = Object.fromEntries(Object.entries(snapshotFixture().decisions).reverse());
    const b = snapshotFixture({ data, decisions });
    const reordered = Object.fromEntries(Object.entries(b).reverse()) as typeof b;
    expect(serializeSnapshot(reordered)).toBe(serializeSnapshot(a));
    expect(serializeSnapshot(a)).toBe(serializeSnapshot(JSON.parse(serializeSnapshot(a))));
  });

  it('writes 2-space JSON with the format first and a final newline', () => {
    const text = serializeSnapshot(snapshotFixture());
    expect(text.startsWith('{\n  "format": "pgadvisor.snapshot/v1",\n  "minor": 3,\n  "tool": {')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    // rows keep the column order of their cell
    expect(text).toMatch(/"table": "public.orders",\s+"indexes": 4,\s+"size": "6.2 MB",\s+"idx_scan": 18234/);
  });
});

describe('snapshotBaseName', () => {
  it('is the UTC stamp and the sanitized database name', () => {
    expect(snapshotBaseName(snapshotFixture())).toBe('20250304-050607-shop');
    // saved from a replay: the data's time first, the save time after, so the original's files are never taken
    expect(snapshotBaseName({ ...snapshotFixture(), savedAt: '2025-06-01T10:00:00Z' })).toBe(
      '20250304-050607-shop-replay-20250601-100000',
    );
    expect(snapshotBaseName({ takenAt: '2024-12-31T23:59:59+02:00', server: { database: 'my db/../"x"' } })).toBe('20241231-215959-my_db_..__x_');
    expect(snapshotBaseName({ takenAt: TAKEN_AT, server: { database: 'café' } })).toBe('20250304-050607-caf_');
    expect(snapshotBaseName({ takenAt: TAKEN_AT, server: { database: '..' } })).toBe('20250304-050607-__');
    expect(snapshotBaseName({ takenAt: TAKEN_AT, server: { database: '' } })).toBe('20250304-050607-db');
  });

  it('refuses an invalid time with a one-line error', () => {
    expect(() => snapshotBaseName({ takenAt: 'yesterday', server: { database: 'x' } })).toThrow(SnapshotError);
    expect(() => snapshotBaseName({ takenAt: 'yesterday', server: { database: 'x' } })).toThrow('snapshot has an invalid takenAt time: "yesterday"');
  });
});
