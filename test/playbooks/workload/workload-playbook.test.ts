// The Workload notebook on the real server: N+1 loops, hot tiny statements, slow statements and
// sequential-scan-heavy tables, each planted next to a near miss.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { createDatabase, hasRealServer, psqlFile, type TestDatabase } from '../../support/db.ts';
import { cellRun, retryOnReset, runNotebooks, runWorkload } from './support.ts';

// pg_stat_statements keeps the literal text when another test file's pg_stat_statements_reset() (cluster-wide)
// lands between a statement's parse and its execution; the entry is the same statement either way.
const asNormalized = (q: string) => q.replace(/pg_sleep\(0\.12\)/, 'pg_sleep($1)');

const SETUP = `
CREATE EXTENSION pg_stat_statements;
CREATE TABLE authors (id int PRIMARY KEY, email text UNIQUE NOT NULL, name text);
CREATE TABLE posts (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors (id), title text);
CREATE TABLE tags (id int, label text);
CREATE TABLE profiles (id int PRIMARY KEY, role text);
CREATE TABLE "Big Table" (id int PRIMARY KEY, v int);
CREATE TABLE big_indexed (id int PRIMARY KEY, v int);
CREATE INDEX big_indexed_v ON big_indexed (v);
CREATE TABLE small_scanned (id int PRIMARY KEY, v int);
INSERT INTO authors SELECT g, 'a' || g || '@example.org', 'author ' || g FROM generate_series(1, 500) g;
INSERT INTO posts SELECT g, g % 500 + 1, 'post ' || g FROM generate_series(1, 20000) g;
INSERT INTO tags SELECT g % 100, 'tag ' || g FROM generate_series(1, 500) g;
INSERT INTO profiles SELECT g, 'member' FROM generate_series(1, 100) g;
INSERT INTO "Big Table" SELECT g, g % 1000 FROM generate_series(1, 20000) g;
INSERT INTO big_indexed SELECT g, g % 1000 FROM generate_series(1, 20000) g;
INSERT INTO small_scanned SELECT g, g % 100 FROM generate_series(1, 2000) g;
ANALYZE;
`;

const WORK = [
  // N+1: one list of 150 posts, then one author per post.
  { sql: 'SELECT id, author_id, title FROM posts WHERE id <= $1 ORDER BY id', times: 1, params: () => [150] },
  { sql: 'SELECT name, email FROM authors WHERE id = $1', times: 150, params: (i: number) => [(i % 500) + 1] },
  // Unique-key lookup with no driver in sight, 1 000 times: likely N+1 (info).
  { sql: 'SELECT id FROM authors WHERE email = $1', times: 1000, params: (i: number) => [`a${(i % 500) + 1}@example.org`] },
  // Near misses: not a unique key; batched already; too few calls for a lookup whose driver exists.
  { sql: 'SELECT label FROM tags WHERE id = $1', times: 150, params: (i: number) => [i % 100] },
  { sql: 'SELECT name FROM authors WHERE id = ANY($1)', times: 150, params: (i: number) => [[i + 1, i + 2]] },
  { sql: 'SELECT title FROM posts WHERE id = $1', times: 60, params: (i: number) => [i + 1] },
  // Hot tiny statement (a role lookup per request) and a near miss under 1 000 calls.
  { sql: "SELECT role FROM profiles WHERE id = coalesce(current_setting('app.uid', true), '7')::int", times: 1200 },
  { sql: 'SELECT 1 FROM profiles WHERE id = $1', times: 900, params: (i: number) => [i % 100] },
  // Slow statement and a near miss at 60 ms.
  { sql: 'SELECT pg_sleep(0.12)', times: 10 },
  { sql: 'SELECT 1 FROM pg_sleep(0.06)', times: 10 },
  // Sequential scans: a big table without an index, with a name that needs quoting (planted), a small one and an indexed one (near misses).
  { sql: 'SELECT count(*) FROM "Big Table" WHERE v = $1', times: 12, params: (i: number) => [i] },
  { sql: 'SELECT count(*) FROM small_scanned WHERE v = $1', times: 12, params: (i: number) => [i] },
  { sql: 'SELECT count(*) FROM big_indexed WHERE v = $1', times: 12, params: (i: number) => [i] },
];

function byCheck(data: RunResult, check: string): Finding[] {
  return data.findings.filter((f) => f.playbook === 'workload' && f.check === check);
}

describe.skipIf(!hasRealServer)('workload playbook (real server; needs TEST_DATABASE_URL)', () => {
  let db: TestDatabase;
  let data: RunResult;

  beforeAll(async () => {
    db = await createDatabase(SETUP);
    data = await retryOnReset(
      async () => {
        await runWorkload(db.url, WORK);
        // Table counters reach pg_stat_user_tables when the workload's backend exits; wait for them.
        for (let i = 0; i < 50; i++) {
          const { rows } = await db.exec(`SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'Big Table'`);
          if (Number(rows[0]?.seq_scan) >= 12) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        return runNotebooks(db.url, undefined, ['workload']);
      },
      (d) => cellRun(d, 'statements').rows.some((r) => String(r.query) === 'SELECT name, email FROM authors WHERE id = $1'),
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('every cell runs (or is skipped for its version) without error', () => {
    const runs = data.playbooks.find((p) => p.id === 'workload')!.runs;
    const status = Object.fromEntries(runs.map((r) => [r.cell, r.status === 'ok' ? 'ok' : `${r.status}: ${r.reason}`]));
    expect(status).toEqual({
      statements_window: 'ok',
      statements_window_pre14: expect.stringMatching(/^skipped: applies to PostgreSQL before 14/),
      statements: 'ok',
      workload_sources: 'ok',
      top_by_total_time: 'ok',
      top_by_mean_time: 'ok',
      top_by_calls: 'ok',
      slow_statements: 'ok',
      n_plus_one: 'ok',
      hot_tiny_statements: 'ok',
      table_scans: 'ok',
      seq_scan_heavy: 'ok',
      workload_design: 'ok',
      connection_churn: 'ok',
      pg_stat_statements_not_created: 'ok',
    });
    expect(cellRun(data, 'workload_sources').rows).toEqual([
      expect.objectContaining({ source: 'pg_stat_statements', kind: 'pg_stat_statements', format: 'live', entries: cellRun(data, 'statements').rowCount }),
    ]);
    const window = cellRun(data, 'statements_window').rows[0];
    expect(Number(window.statements_in_this_database)).toBeGreaterThanOrEqual(13);
    const top = cellRun(data, 'top_by_calls').rows[0];
    expect(top.query).toBe("SELECT role FROM profiles WHERE id = coalesce(current_setting($1, $2), $3)::int");
    expect(Number(top['share of calls %'])).toBeGreaterThan(30);
    expect(cellRun(data, 'top_by_calls').columns[0]).toBe('query');
    expect(cellRun(data, 'top_by_calls').columns.at(-1)).toBe('queryid');
    const mean = cellRun(data, 'top_by_mean_time').rows[0];
    expect(asNormalized(String(mean.query))).toBe('SELECT pg_sleep($1)');
  });

  test('N+1: the per-row author lookup is found with its driver and a batched rewrite', () => {
    const found = byCheck(data, 'n_plus_one');
    const loop = found.find((f) => f.target === 'public.authors' && f.title.startsWith('N+1:'))!;
    expect(loop).toBeDefined();
    // graded by the round trips batching saves per hour (149 at 0.5 ms each, over hours of statistics): info
    const basis = loop.evidence as { round_trips_avoided: number; severity_basis: { ms_saved_in_workload: number; lowered_one_level: string | null } };
    expect(basis.round_trips_avoided).toBeGreaterThanOrEqual(149);
    expect(basis.severity_basis.ms_saved_in_workload).toBeCloseTo(basis.round_trips_avoided * 0.5, 0);
    expect(basis.severity_basis.lowered_one_level).toBeNull();
    expect(loop.severity).toBe('info');
    expect(loop.rationale).toMatch(/Batching avoids about [\d,]+ round trips \([\d,]+ per hour\); at an assumed 0\.5 ms each/);
    expect(loop.title).toMatch(/^N\+1: public\.authors fetched by id one row per query \(\d+ calls\) after a list query$/);
    const ev = loop.evidence as { lookup: { query: string; calls: number }; driver: { query: string; returns: string; via: string; fan_out: number }; batched_rewrite: string; join_rewrite: string };
    expect(ev.lookup.query).toBe('SELECT name, email FROM authors WHERE id = $1');
    expect(ev.lookup.calls).toBeGreaterThanOrEqual(150);
    expect(ev.driver.query).toBe('SELECT id, author_id, title FROM posts WHERE id <= $1 ORDER BY id');
    expect(ev.driver).toMatchObject({ returns: 'public.posts.author_id', via: 'foreign key' });
    expect(ev.driver.fan_out).toBeGreaterThanOrEqual(150);
    expect(ev.batched_rewrite).toBe('SELECT authors.id, name, email FROM authors WHERE id = ANY($1)');
    expect(ev.join_rewrite).toBe('JOIN public.authors ON authors.id = posts.author_id in the driver query');
    expect(loop.up).toBeNull();
  });

  test('N+1: a hot unique-key lookup without a visible driver is info; near misses are not flagged', () => {
    const found = byCheck(data, 'n_plus_one');
    const alone = found.find((f) => (f.evidence as { lookup: { query: string } }).lookup.query === 'SELECT id FROM authors WHERE email = $1')!;
    expect(alone.severity).toBe('info');
    expect(alone.title).toMatch(/^Likely N\+1: public\.authors fetched by email/);
    expect((alone.evidence as { batched_rewrite: string }).batched_rewrite).toBe('SELECT authors.email, id FROM authors WHERE email = ANY($1)');
    // tags.id is not unique, = ANY is already batched, posts-by-id ran only 60 times.
    expect(found).toHaveLength(2);
    const rows = cellRun(data, 'n_plus_one').rows.map((r) => r.lookup);
    expect(rows).not.toContain('SELECT label FROM tags WHERE id = $1');
    expect(rows).not.toContain('SELECT name FROM authors WHERE id = ANY($1)');
  });

  test('hot tiny statements: the per-request role lookup, not the 900-call near miss', () => {
    const found = byCheck(data, 'hot_tiny_statements');
    const queries = found.map((f) => (f.evidence as { query: string }).query);
    expect(queries).toContain("SELECT role FROM profiles WHERE id = coalesce(current_setting($1, $2), $3)::int");
    expect(queries).not.toContain('SELECT $1 FROM profiles WHERE id = $2');
    const role = found.find((f) => (f.evidence as { query: string }).query.startsWith('SELECT role'))!;
    expect(role.severity).toBe('info');
    expect(role.rationale).toMatch(/cache it in the application or in a session variable/);
    expect(role.target).toMatch(/^queryid -?\d+$/);
  });

  test('slow statements: 120 ms on average is flagged, 60 ms is not', () => {
    const found = byCheck(data, 'slow_statements');
    expect(found.map((f) => asNormalized((f.evidence as { query: string }).query))).toEqual(['SELECT pg_sleep($1)']);
    expect(found[0].severity).toBe('warning');
    expect(Number((found[0].evidence as { mean_ms: number }).mean_ms)).toBeGreaterThanOrEqual(100);
  });

  test('sequential-scan-heavy tables: the big unindexed one only, its name quoted', () => {
    const found = byCheck(data, 'seq_scan_heavy');
    expect(found.map((f) => f.target)).toEqual(['public."Big Table"']);
    expect(found[0].rationale).toMatch(/Indexes from the workload/);
    const ev = found[0].evidence as { live_rows: number; seq_scan: number };
    expect(ev.live_rows).toBe(20000);
    expect(ev.seq_scan).toBeGreaterThanOrEqual(12);
  });

  test('pg_stat_statements present: no "not created" finding', () => {
    expect(byCheck(data, 'pg_stat_statements_not_created')).toEqual([]);
  });
});

describe.skipIf(!hasRealServer)('pg_stat_statements preloaded but not created (real server)', () => {
  test('proposes CREATE EXTENSION, and the migration pair applies and reverts with psql', async () => {
    const db = await createDatabase('CREATE TABLE t (id int)');
    try {
      const data = await runNotebooks(db.url, undefined, ['workload']);
      expect(cellRun(data, 'top_by_total_time').status).toBe('skipped');
      expect(cellRun(data, 'top_by_total_time').reason).toMatch(/CREATE EXTENSION pg_stat_statements/);
      const [f] = byCheck(data, 'pg_stat_statements_not_created');
      expect(f.up).toBe('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      expect(f.down).toBe('DROP EXTENSION IF EXISTS pg_stat_statements');
      const file = join(tmpdir(), `pgadv-pgss-${db.name}.sql`);
      await writeFile(file, `${f.up};\n`);
      await psqlFile(db.url, file);
      expect((await db.exec(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`)).rows[0].n).toBe(1);
      const again = await runNotebooks(db.url, undefined, ['workload']);
      expect(byCheck(again, 'pg_stat_statements_not_created')).toEqual([]);
      await writeFile(file, `${f.down};\n`);
      await psqlFile(db.url, file);
      expect((await db.exec(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`)).rows[0].n).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
