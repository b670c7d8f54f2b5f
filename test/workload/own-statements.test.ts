// pgadvisor's own statements never reach the workload: after several `check` runs and a session with
// hypopg experiments, pg_stat_statements holds them only under the marker, every unmarked entry is
// exactly what the application ran (same texts, same call counts), and nothing pgadvisor sent shows in
// any cell that reads pg_stat_statements, in the workload the analyzers read, or in a finding.
// Runs against whatever server TEST_DATABASE_URL names (PostgreSQL 13–18), with
// pg_stat_statements.track = all and track_utility = on set on the test database.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HypoLab } from '../../src/playbooks/analyzers/hypo-session.ts';
import { connect, runLive, selectNotebooks } from '../../src/playbooks/live.ts';
import { readsStatementStats } from '../../src/playbooks/loader.ts';
import type { RunResult } from '../../src/playbooks/types.ts';
import { isOwnStatement, markOwn, OWN_STATEMENT_PATTERN } from '../../src/workload/own.ts';
import { runCli } from '../cli/run-cli.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { runWorkload } from '../playbooks/workload/support.ts';

describe('the own-statement marker', () => {
  test.each([
    ['SELECT 1', false],
    [markOwn('SELECT 1'), true],
    ['/* pgadvisor */ BEGIN TRANSACTION READ ONLY /* pgadvisor */', true],
    // PostgreSQL 18 keeps no comment before a statement's first token
    ['SELECT count(*) FROM t WHERE id = $1\n-- a trailing comment\n/* pgadvisor */', true],
    ['  /*pgadvisor*/ COMMIT', true],
    ['SELECT max(oid) FROM pg_catalog.pg_class WHERE oid < $1', true],
    ['SELECT max(oid) FROM pg_catalog.pg_class WHERE oid < $1 AND relkind = $2', false],
    ['SELECT $1 /* pgadvisor */ FROM t WHERE a = b', false],
    ["SELECT '/* pgadvisor */' AS x", false],
  ])('%j → %s', (text, own) => {
    expect(isOwnStatement(text)).toBe(own);
  });

  test('a statement ending in a line comment keeps its closing marker', () => {
    expect(markOwn('SELECT 1 -- note')).toBe('/* pgadvisor */ SELECT 1 -- note\n/* pgadvisor */');
  });
});

const SETUP = `
CREATE EXTENSION pg_stat_statements;
CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, plan text NOT NULL);
CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL REFERENCES accounts (id), kind text NOT NULL, at timestamptz NOT NULL);
INSERT INTO accounts SELECT g, 'user' || g || '@example.org', (ARRAY['free', 'pro'])[g % 2 + 1] FROM generate_series(1, 2000) g;
INSERT INTO events SELECT g, g % 2000 + 1, (ARRAY['login', 'view', 'buy'])[g % 3 + 1], '2025-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, 40000) g;
CREATE INDEX events_account_id_idx ON events (account_id);
CREATE INDEX events_account_id_at_idx ON events (account_id, at);
ANALYZE;
`;

const APP = [
  { sql: 'SELECT id, kind, at FROM events WHERE account_id = $1 ORDER BY at DESC LIMIT $2', times: 40, params: (i: number) => [i + 1, 20] },
  { sql: 'SELECT email FROM accounts WHERE id = $1', times: 120, params: (i: number) => [i + 1] },
  { sql: 'SELECT count(*) FROM events WHERE kind = $1', times: 12, params: (i: number) => [['login', 'buy'][i % 2]] },
];

type Entry = { query: string; calls: number; toplevel: boolean };

describe.skipIf(!hasRealServer)('own statements stay out of the workload (real server)', () => {
  let db: TestDatabase;
  let hypopg = false;
  let before: Entry[];
  let after: Entry[];
  let marked: Entry[];
  const runs: RunResult[] = [];

  // This database's entries, split into pgadvisor's (by the marker) and everything else.
  const entries = async (): Promise<{ own: Entry[]; other: Entry[]; reset: string | null }> => {
    const { rows } = await db.exec(
      `SELECT /* test probe */ query, calls::int AS calls, coalesce((to_jsonb(s) ->> 'toplevel')::boolean, true) AS toplevel
         FROM pg_stat_statements s WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 0`,
    );
    // the window of the statistics: from PostgreSQL 14 the time of the last reset (before that, none to compare)
    const { rows: v } = await db.exec(`SELECT /* test probe */ current_setting('server_version_num')::int >= 140000 AS has_info`);
    const info = v[0].has_info ? (await db.exec(`SELECT /* test probe */ stats_reset::text AS reset FROM pg_stat_statements_info`)).rows : [{ reset: null }];
    const re = new RegExp(OWN_STATEMENT_PATTERN);
    const all = (rows as Entry[]).filter((e) => !e.query.includes('/* test probe */'));
    return { own: all.filter((e) => re.test(e.query)), other: all.filter((e) => !re.test(e.query)), reset: info[0].reset };
  };
  const key = (e: Entry) => `${e.toplevel}|${e.query}`;

  beforeAll(async () => {
    db = await createDatabase(SETUP);
    const { rows } = await db.exec(`SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'`);
    hypopg = rows.length > 0;
    if (hypopg) await db.exec('CREATE EXTENSION hypopg');
    await db.exec(`ALTER DATABASE ${db.name} SET pg_stat_statements.track = 'all'`);
    await db.exec(`ALTER DATABASE ${db.name} SET pg_stat_statements.track_utility = on`);
    const out = await mkdtemp(join(tmpdir(), 'pgadv-own-'));
    // pg_stat_statements is cluster-wide and other test files reset it: try again when a reset lands in between
    for (let attempt = 0; attempt < 3; attempt++) {
      runs.length = 0;
      await runWorkload(db.url, APP);
      const start = await entries();
      before = start.other;
      for (let i = 0; i < 2; i++) {
        const conn = await connect(db.url);
        try {
          runs.push(await runLive(conn, await selectNotebooks(undefined), undefined, undefined, { findingsOnly: true }));
        } finally {
          await conn.close();
        }
      }
      const cli = await runCli(['check', '--url', db.url, '--save', out, '--accept', 'all', '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      // a session: every cell, hypopg experiments included, then a lab that creates, hides and drops
      const conn = await connect(db.url);
      try {
        runs.push(await runLive(conn, await selectNotebooks(undefined)));
        if (hypopg) {
          await conn.db.pinned(async (q) => {
            const { lab } = await HypoLab.open(q);
            if (!lab) return;
            await lab.cost('SELECT email FROM accounts WHERE id = $1');
            const h = await lab.create('CREATE INDEX ON events (kind)');
            await lab.cost('SELECT count(*) FROM events WHERE kind = $1');
            await lab.drop(h);
            if (lab.canHide) {
              const [ix] = await q(`SELECT 'events_account_id_idx'::regclass::oid::int8 AS oid`);
              await lab.hide(Number(ix.oid));
              await lab.cost('SELECT id FROM events WHERE account_id = $1');
              await lab.unhide(Number(ix.oid));
            }
            await lab.close();
          });
        }
      } finally {
        await conn.close();
      }
      const end = await entries();
      after = end.other;
      marked = end.own;
      if (start.reset === end.reset && APP.every((w) => before.some((e) => e.query === w.sql))) return;
    }
    throw new Error('pg_stat_statements kept being reset by another test run');
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
  });

  test('pgadvisor sent its statements, all of them marked (the check is not vacuous)', () => {
    const texts = marked.map((e) => e.query).join('\n');
    expect(marked.length).toBeGreaterThan(20);
    expect(texts).toMatch(/BEGIN TRANSACTION READ ONLY/);
    expect(texts).toMatch(/COMMIT/);
    expect(texts).toMatch(/SAVEPOINT/);
    expect(texts).toMatch(/pgadvisor_settings/);
    if (hypopg) expect(texts).toMatch(/EXPLAIN \(FORMAT JSON, VERBOSE\) EXECUTE pgadvisor_hypo/);
  });

  test('every other entry is one the application or the setup made, with the same calls as before pgadvisor ran', () => {
    const was = new Map(before.map((e) => [key(e), e.calls]));
    const grew = after.filter((e) => was.get(key(e)) !== e.calls);
    expect(grew.map((e) => `${e.calls} (was ${was.get(key(e)) ?? 'absent'}): ${e.query}`)).toEqual([]);
  });

  test('no cell that reads pg_stat_statements, no workload and no finding shows anything pgadvisor sent', () => {
    for (const data of runs) {
      for (const p of data.playbooks) {
        // the cells that read pg_stat_statements (pg_stat_activity, which other cells read, shows every session running now)
        for (const r of p.runs.filter((run) => run.sql && readsStatementStats(run.sql))) {
          for (const row of r.rows) {
            for (const v of Object.values(row)) if (typeof v === 'string') expect(isOwnStatement(v), `${p.id}/${r.cell}: ${v}`).toBe(false);
          }
        }
      }
      const statements = data.playbooks.flatMap((p) => p.runs).find((r) => r.cell === 'statements');
      if (statements) {
        const texts = statements.rows.map((r) => String(r.query));
        for (const w of APP) expect(texts).toContain(w.sql);
        // entries pg_stat_statements evicted since (it is full on a busy server) are in the earlier list
        const known = new Set([...before, ...after].map((e) => e.query));
        expect(texts.filter((t) => !known.has(t) && !t.includes('/* test probe */'))).toEqual([]);
      }
      const evidence = JSON.stringify(data.findings);
      expect(evidence).not.toMatch(/pgadvisor_hypo|pgadvisor_settings|\/\* pgadvisor \*\//);
    }
  });
});
