import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { fromUrl } from '../../src/db/target.ts';
import { probeServer } from '../../src/db/server-facts.ts';
import type { Analyzer, AnalyzerContext } from '../../src/playbooks/analyzer.ts';
import { loadNotebooks, parseNotebook, type AnalyzerDeclarations } from '../../src/playbooks/loader.ts';
import { runPlaybooks, type RunEvent } from '../../src/playbooks/runner.ts';
import { unmetRequirement } from '../../src/playbooks/requirements.ts';
import type { Notebook, ServerFacts, RunResult } from '../../src/playbooks/types.ts';

// PGlite enforces no statement_timeout and ignores cancel requests: the slow cell runs on a real server only.
const SLOW = `\`\`\`sql probe slow
-- title: Takes too long
SELECT pg_sleep(3)
\`\`\`
`;

const NOTEBOOK = `---
id: engine
title: Engine test
order: 1
---
Prose.

\`\`\`sql probe tables
-- title: Tables
SELECT relname FROM pg_class WHERE relname = 'things'
\`\`\`

\`\`\`sql check things
-- title: Things without a note
-- severity: warning
SELECT format('public.things.%s', id) AS target, 'thing ' || id AS title, 'because' AS rationale,
       jsonb_build_object('id', id) AS evidence, NULL AS up, NULL AS down,
       CASE WHEN id = 3 THEN 'critical' END AS severity
FROM things ORDER BY id
\`\`\`

\`\`\`sql probe future
-- title: Needs a future server
-- requires: pg >= 99
SELECT 1
\`\`\`

\`\`\`sql probe ext
-- title: Needs an extension
-- requires: extension no_such_ext
SELECT 1
\`\`\`

\`\`\`sql probe writes
-- title: Tries to write
CREATE TABLE sneaky (id int)
\`\`\`

SLOW_CELL
\`\`\`sql check broken
-- title: Returns rows without the finding columns
-- severity: info
SELECT 1 AS nothing
\`\`\`
`;

describe('runner against a real server', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createDatabase(`CREATE TABLE things (id int); INSERT INTO things VALUES (1), (2), (3);`);
    dir = await mkdtemp(join(tmpdir(), 'pgadv-engine-'));
    await writeFile(join(dir, 'engine.md'), NOTEBOOK.replace('SLOW_CELL', hasRealServer ? SLOW : ''));
  });
  afterAll(() => db?.drop());

  it('runs cells, skips unmet ones with reasons, reports errors per cell and goes on', async () => {
    const session = await ReadOnlyDb.open(fromUrl(db.url, 'url'), { statementTimeoutMs: 1000 });
    const events: RunEvent[] = [];
    try {
      const server = await probeServer(session);
      const data = await runPlaybooks({ db: session, server, notebooks: await loadNotebooks(dir), analyzers: {}, onEvent: (e) => events.push(e) });
      const runs = Object.fromEntries(data.playbooks[0].runs.map((r) => [r.cell, r]));
      expect(runs.tables).toMatchObject({ status: 'ok', rows: [{ relname: 'things' }], columns: ['relname'] });
      expect(runs.future).toMatchObject({ status: 'skipped', reason: expect.stringContaining('needs PostgreSQL 99 or later') });
      expect(runs.ext).toMatchObject({ status: 'skipped', reason: expect.stringContaining('needs the no_such_ext extension') });
      expect(runs.writes).toMatchObject({ status: 'error', reason: expect.stringContaining('read-only transaction') });
      if (hasRealServer) expect(runs.slow).toMatchObject({ status: 'timeout', reason: 'timed out after statement_timeout 1 s' });
      expect(runs.broken).toMatchObject({ status: 'error', reason: 'row 1 of check "broken" has no target' });
      expect(data.findings.map((f) => [f.id, f.severity])).toEqual([
        ['engine/things/public.things.1', 'warning'],
        ['engine/things/public.things.2', 'warning'],
        ['engine/things/public.things.3', 'critical'],
      ]);
      expect(data.findings[0].evidence).toEqual({ id: 1 });
      expect(data.skipped.map((s) => s.check).sort()).toEqual(['ext', 'future']);
      expect(events.filter((e) => e.type === 'cell-start')).toHaveLength(hasRealServer ? 7 : 6);
      const check = await db.exec(`SELECT to_regclass('sneaky') AS t`);
      expect(check.rows[0].t).toBeNull();
    } finally {
      await session.close();
    }
  });

  it('sets aside findings in platform-managed schemas and says so on the cell', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'pgadv-managed-'));
    await writeFile(
      join(dir2, 'm.md'),
      `---\nid: m\ntitle: M\norder: 1\n---\n\`\`\`sql check c\n-- severity: info\n` +
        `SELECT t AS target, t AS title, 'r' AS rationale FROM unnest(ARRAY['auth.users', 'public.users', '"auth".sessions', 'setting ssl']) t\n\`\`\`\n`,
    );
    const session = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
    try {
      const server = { ...(await probeServer(session)), managedSchemas: ['auth'] };
      const data = await runPlaybooks({ db: session, server, notebooks: await loadNotebooks(dir2), analyzers: {} });
      expect(data.findings.map((f) => f.target)).toEqual(['public.users', 'setting ssl']);
      expect(data.playbooks[0].runs[0].reason).toBe('2 findings in platform-managed schemas set aside (auth): the platform owns them');
    } finally {
      await session.close();
    }
  });

  it.skipIf(!hasRealServer)('a connection killed mid-cell fails that cell as "connection lost"; the session heals for the next run', async () => {
    const dir3 = await mkdtemp(join(tmpdir(), 'pgadv-lost-'));
    await writeFile(
      join(dir3, 'lost.md'),
      `---\nid: lost\ntitle: Lost\norder: 1\n---\n\`\`\`sql probe victim\nSELECT pg_sleep(5) AS slept\n\`\`\`\n\`\`\`sql probe fine\nSELECT 1 AS one\n\`\`\`\n`,
    );
    const session = await ReadOnlyDb.open(fromUrl(db.url, 'url'), { connections: 1 });
    try {
      const server = await probeServer(session);
      const notebooks = await loadNotebooks(dir3);
      const pending = runPlaybooks({ db: session, server, notebooks, analyzers: {} });
      await new Promise((r) => setTimeout(r, 500));
      await db.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%SELECT pg_sleep(5)%' AND pid <> pg_backend_pid()`);
      const data = await pending;
      const runs = Object.fromEntries(data.playbooks[0].runs.map((r) => [r.cell, r]));
      expect(runs.victim.status).toBe('error');
      expect(runs.victim.reason).toMatch(/^connection lost: /);
      expect(runs.fine).toMatchObject({ status: 'ok', rows: [{ one: 1 }] });
      const again = await runPlaybooks({ db: session, server, notebooks: notebooks.map((n) => ({ ...n, cells: n.cells.filter((c) => c.id === 'fine') })), analyzers: {} });
      expect(again.playbooks[0].runs[0]).toMatchObject({ status: 'ok', rows: [{ one: 1 }] });
    } finally {
      await session.close();
    }
  });

  it.skipIf(!hasRealServer)('cancels a running probe on the server', async () => {
    const session = await ReadOnlyDb.open(fromUrl(db.url, 'url'), { statementTimeoutMs: 20_000 });
    try {
      const server = await probeServer(session);
      const controller = new AbortController();
      const started = Date.now();
      const pending = runPlaybooks({ db: session, server, notebooks: await loadNotebooks(dir), analyzers: {}, signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      const data = await pending;
      expect(Date.now() - started).toBeLessThan(2500);
      const slow = data.playbooks[0].runs.find((r) => r.cell === 'slow')!;
      expect(['cancelled']).toContain(slow.status);
    } finally {
      await session.close();
    }
  });
});

describe('what analyzers read', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(hasRealServer ? 'CREATE EXTENSION pg_stat_statements' : '');
  });
  afterAll(() => db?.drop());

  const DECLARED: AnalyzerDeclarations = {
    picky: { probes: { p: ['a', 'b'] }, workload: false, findings: true },
    wants_z: { probes: { p: ['a', 'z'] }, workload: false, findings: true },
    wants_skipped: { probes: { gone: ['a'] }, workload: false, findings: true },
    reader: { probes: {}, workload: true, findings: true, requires: { workload: true } },
    needy: { probes: {}, workload: true, findings: true, requires: { workload: true }, needs: ['workload'] },
  };
  const seen: Record<string, AnalyzerContext[]> = {};
  const recorder = (name: string): Analyzer => ({
    async run(ctx) {
      (seen[name] ??= []).push(ctx);
      return { columns: [], rows: [], findings: [] };
    },
  });
  const analyzers = Object.fromEntries(Object.keys(DECLARED).map((n) => [n, recorder(n)]));
  const cell = (id: string, analyzer: string, uses: string) => `\`\`\`analyzer ${id}\n-- analyzer: ${analyzer}\n-- uses: ${uses}\n-- severity: info\n\`\`\`\n`;
  const NB = `---\nid: e\ntitle: E\norder: 1\n---\n\`\`\`sql probe p\nSELECT 1 AS a, 2 AS b, 3 AS c\n\`\`\`\n\`\`\`sql probe gone\n-- requires: pg >= 99\nSELECT 1 AS a\n\`\`\`\n${cell('x', 'picky', 'p')}${cell('y', 'wants_z', 'p')}${cell('w', 'wants_skipped', 'gone')}`;

  const run = async (notebooks: Notebook[]): Promise<RunResult> => {
    const session = await ReadOnlyDb.open(fromUrl(db.url, 'url'));
    try {
      return await runPlaybooks({ db: session, server: await probeServer(session), notebooks, analyzers, inputs: DECLARED });
    } finally {
      await session.close();
    }
  };
  const runOf = (data: RunResult, id: string) => data.playbooks.flatMap((p) => p.runs).find((r) => r.cell === id)!;

  it('hands an analyzer exactly the rows it declares, cut to the declared columns; a missing column or a skipped input is that cell\'s', async () => {
    const data = await run([parseNotebook('/x/e.md', NB, DECLARED)]);
    expect(runOf(data, 'x').status).toBe('ok');
    expect(seen.picky.at(-1)!.inputs).toEqual({ p: [{ a: 1, b: 2 }] });
    expect(seen.picky.at(-1)!.workload).toBeNull();
    expect(runOf(data, 'y')).toMatchObject({ status: 'error', reason: 'its input "p" has no column z' });
    expect(runOf(data, 'w')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^its input "gone" was skipped: needs PostgreSQL 99/) });
    expect(seen.wants_z).toBeUndefined();
    expect(seen.wants_skipped).toBeUndefined();
  });

  it.skipIf(!hasRealServer)('reads the workload once per run, from the one feeding probe, for every analyzer of every notebook that reads it', async () => {
    const shipped = await loadNotebooks();
    const workloadNb = shipped.find((n) => n.cells.some((c) => c.feeds))!;
    const feedOnly = { ...workloadNb, cells: workloadNb.cells.filter((c) => c.feeds) };
    const readers = ['a', 'b'].map((id, i) =>
      parseNotebook(`/x/${id}.md`, `---\nid: ${id}\ntitle: ${id}\norder: ${i + 2}\n---\n${cell('r', 'reader', 'workload')}`, DECLARED),
    );
    seen.reader = [];
    const data = await run([feedOnly, ...readers]);
    expect(seen.reader).toHaveLength(2);
    const [first, second] = seen.reader;
    expect(first.workload).not.toBeNull();
    expect(second.workload).toBe(first.workload);
    expect(data.playbooks.flatMap((p) => p.runs).filter((r) => r.cell === 'statements')).toHaveLength(1);
    expect(data.workload?.map((s) => s.kind)).toEqual(['pg_stat_statements']);
  });

  it.skipIf(!hasRealServer)('a workload of statements that name no table is nothing to analyze: it is not built, and the analyzer not run', async () => {
    const shipped = await loadNotebooks();
    const workloadNb = shipped.find((n) => n.cells.some((c) => c.feeds))!;
    const feedOnly = { ...workloadNb, cells: workloadNb.cells.filter((c) => c.feeds) };
    const needy = parseNotebook('/x/n.md', `---\nid: n\ntitle: n\norder: 2\n---\n${cell('r', 'needy', 'workload')}`, DECLARED);
    const oid = (await db.exec('SELECT oid FROM pg_database WHERE datname = current_database()')).rows[0].oid;
    await db.exec(`SELECT pg_stat_statements_reset(0, ${oid}, 0)`);
    for (const sql of ['SELECT 1', "SET work_mem = '8MB'", 'SHOW work_mem', 'SELECT now(), version()']) await db.exec(sql);
    seen.needy = [];
    const idle = await run([feedOnly, needy]);
    expect(runOf(idle, 'statements').rowCount).toBeGreaterThanOrEqual(4);
    expect(runOf(idle, 'r')).toMatchObject({ status: 'ok', reason: 'nothing to analyze: workload has no rows (a statement counts when it names a table)' });
    expect(seen.needy).toHaveLength(0);
    expect(idle.workload).toBeUndefined();
    // near miss: one statement on a table, and the workload is built for the analyzer
    await db.exec('SELECT count(*) FROM pg_class WHERE relkind = $1', ['r']);
    const busy = await run([feedOnly, needy]);
    expect(seen.needy).toHaveLength(1);
    expect(seen.needy[0].workload?.statements.some((st) => /FROM pg_class/.test(st.query))).toBe(true);
    expect(busy.workload?.map((w) => w.kind)).toEqual(['pg_stat_statements']);
  });

  it('with no workload source the readers are skipped, naming both ways to give one', async () => {
    const bare = await createDatabase();
    const session = await ReadOnlyDb.open(fromUrl(bare.url, 'url'));
    try {
      const server = await probeServer(session);
      const reader = parseNotebook('/x/a.md', `---\nid: a\ntitle: a\norder: 1\n---\n${cell('r', 'reader', 'workload')}`, DECLARED);
      const data = await runPlaybooks({ db: session, server, notebooks: [reader], analyzers, inputs: DECLARED });
      expect(data.playbooks[0].runs[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^needs a workload: pg_stat_statements in this database \(.*\), or --workload FILE/) });
    } finally {
      await session.close();
      await bare.drop();
    }
  });
});

describe('requirements', () => {
  const server = {
    version: '15.4',
    versionNum: 150004,
    user: 'app',
    extensions: [{ name: 'hypopg', version: '1.4', schema: 'public' }],
    availableExtensions: ['pg_stat_statements'],
    privileges: { superuser: false, pg_read_all_stats: false, pg_monitor: true, pg_read_all_settings: false },
  } as unknown as ServerFacts;
  it.each([
    [{ minVersion: 130000 }, null],
    [{ minVersion: 160000 }, 'needs PostgreSQL 16 or later (server is 15.4)'],
    [{ maxVersion: 149999 }, 'applies to PostgreSQL before 15 (server is 15.4)'],
    [{ extensions: ['hypopg'] }, null],
    [{ extensions: ['hypopg'], extensionVersions: { hypopg: '1.3' } }, null],
    [{ extensions: ['hypopg'], extensionVersions: { hypopg: '1.10' } }, 'needs hypopg 1.10 or later (installed: 1.4): ALTER EXTENSION hypopg UPDATE'],
    [{ extensions: ['pg_stat_statements'] }, 'needs the pg_stat_statements extension: CREATE EXTENSION pg_stat_statements (and add it to shared_preload_libraries, then restart)'],
    [{ extensions: ['postgis'] }, 'needs the postgis extension: install the postgis package on the server, then CREATE EXTENSION postgis'],
    [{ privileges: ['pg_read_all_stats', 'pg_monitor'] }, null],
    [{ privileges: ['superuser'] }, 'needs superuser'],
    [{ privileges: ['superuser', 'pg_read_all_stats'] }, 'needs superuser or pg_read_all_stats (GRANT pg_read_all_stats TO app)'],
    [
      { workload: true },
      "needs a workload: pg_stat_statements in this database (CREATE EXTENSION pg_stat_statements, with pg_stat_statements in shared_preload_libraries), or --workload FILE with the application's statements (a server log, a .sql file, or a pg_stat_statements export)",
    ],
  ] as const)('%j → %s', (req, reason) => {
    expect(unmetRequirement(req as never, server)).toBe(reason);
  });

  it('a workload file meets the workload requirement without pg_stat_statements', () => {
    expect(unmetRequirement({ workload: true }, server, { workloadFiles: 1 })).toBeNull();
  });
});
