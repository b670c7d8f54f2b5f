// The --workload sources read on the real server: logs written by real PostgreSQL 13, 15 and 18 servers
// (stderr with three log_line_prefix styles, csvlog, jsonlog; log_min_duration_statement, log_statement = all,
// auto_explain in text and JSON), .sql files and pg_stat_statements exports, resolved against a database that
// has the logs' schema but not every table they name. See logs/generate.sh for how the logs were made.
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type Connected } from '../../src/playbooks/live.ts';
import { buildWorkload } from '../../src/workload/build.ts';
import { detectFormat } from '../../src/workload/files/detect.ts';
import type { Workload, WorkloadFormat, WorkloadSourceSummary } from '../../src/workload/types.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';

const LOGS = fileURLToPath(new URL('./logs/', import.meta.url));
const SCHEMA = join(LOGS, 'schema.sql');
const SECRET = 'ZQX-SECRET-4417';

const LOOKUP = 'SELECT id, status FROM orders WHERE customer_id = $1 AND note = $2';
const EXTENDED = 'SELECT id, amount FROM orders WHERE customer_id = $1 AND status = $2';
const PREPARED = 'SELECT count(*) FROM orders WHERE status = $1';
const NOTE = 'INSERT INTO notes (body) VALUES ($1)';

const fixtures = readdirSync(LOGS).filter((f) => /^pg\d+-(debian|keyvalue|rds|explainjson)\.(log|csv|json)$/.test(f));

describe.skipIf(!hasRealServer)('workload files (real server)', () => {
  let db: TestDatabase;
  let conn: Connected;
  const read = async (path: string, format?: WorkloadFormat, logDatabase = 'shop'): Promise<Workload> => {
    const built = await buildWorkload({
      server: conn.server,
      feed: null,
      files: [{ path, format: format ?? (await detectFormat(path)) }],
      logDatabase,
      query: async (sql, params) => (await conn.db.query(sql, params)).rows,
    });
    if (!built.workload) throw new Error(built.reason);
    return built.workload;
  };
  const byQuery = (w: Workload, q: string) => w.statements.find((s) => s.query === q);
  const skipped = (s: WorkloadSourceSummary, re: RegExp) => s.skipped.filter((k) => re.test(k.reason)).reduce((n, k) => n + k.count, 0);

  beforeAll(async () => {
    const { readFile } = await import('node:fs/promises');
    db = await createDatabase(`CREATE EXTENSION pg_stat_statements;\n${await readFile(SCHEMA, 'utf8')}`);
    conn = await connect(db.url);
  });
  afterAll(async () => {
    await conn?.close();
    await db?.drop();
  });

  test('there is a fixture for every format and version', () => {
    expect(fixtures.length).toBe(4 * 3 * 2 + 4 * 2);
  });

  test.each(fixtures)('%s: the application\'s statements with their calls, nothing of pgadvisor, other databases or missing tables', async (file) => {
    const [, version, scenario, ext] = /^pg(\d+)-(\w+)\.(\w+)$/.exec(file)!;
    const format = await detectFormat(join(LOGS, file));
    expect(format).toBe(ext === 'log' ? 'stderr' : ext === 'csv' ? 'csvlog' : 'jsonlog');
    const w = await read(join(LOGS, file));
    const [source] = w.sources;
    expect(source).toMatchObject({ kind: 'log', format });

    // two simple-protocol executions of one statement, literals different
    expect(byQuery(w, LOOKUP)?.calls).toBe(2);
    // five extended-protocol executions, counted once each (not also for their parse and bind steps)
    expect(byQuery(w, EXTENDED)?.calls).toBe(5);
    expect(byQuery(w, PREPARED)?.calls).toBe(2);
    const multiline = w.statements.find((s) => s.query.startsWith('SELECT o.id,'));
    expect(multiline?.query).toBe('SELECT o.id,\n       o.created_at\n  FROM orders o\n WHERE o.status = $1\n ORDER BY o.created_at DESC\n LIMIT $2');
    expect(w.samples(multiline!.id)).toEqual([['pending', '20']]);
    // the literals of a simple-protocol statement are its samples; E'' escapes and '' are decoded
    expect(w.samples(byQuery(w, LOOKUP)!.id)).toEqual([['42', SECRET], ['43', 'other note']]);
    expect(w.samples(byQuery(w, NOTE)!.id)).toEqual([[`first line\nsecond line, it's ${SECRET}`]]);
    // bind values: from DETAIL lines, and for auto_explain from PostgreSQL 16 on (Query Parameters)
    const extendedSamples = w.samples(byQuery(w, EXTENDED)!.id);
    if (scenario === 'debian' || scenario === 'keyvalue' || Number(version) >= 16) {
      expect(extendedSamples).toContainEqual(['101', SECRET]);
      expect(extendedSamples.length).toBe(5);
    } else expect(extendedSamples).toEqual([]);
    const update = w.statements.find((s) => s.query === 'UPDATE orders SET note = $1 WHERE id = $2')!;
    if (extendedSamples.length) expect(w.samples(update.id)).toEqual([[`it's\n${SECRET}`, '3']]);
    expect(w.samples(byQuery(w, 'SELECT id FROM orders WHERE note IS NOT DISTINCT FROM $1')!.id)).toEqual(extendedSamples.length ? [[null]] : []);

    // durations: log_min_duration_statement and auto_explain give every statement its time
    for (const s of w.statements) expect(s.totalMs, s.query).not.toBeNull();
    expect(w.statements.every((s) => s.sources.join() === 'log')).toBe(true);

    // left out, counted: pgadvisor's own, the other database, the failed statement, the table this database lacks
    expect(skipped(source, /^pgadvisor's own statements$/)).toBeGreaterThanOrEqual(2);
    expect(skipped(source, /^statements that failed \(ERROR\)/)).toBe(1);
    if (scenario === 'explainjson' && ext === 'log') {
      // log_line_prefix '%m [%p] ' names no database: every entry is read, and the other database's table is missing here
      expect(source.notes).toContainEqual(expect.stringMatching(/entries do not name their database \(no %d in log_line_prefix\)/));
      expect(source.skipped.find((k) => /lacks/.test(k.reason))?.reason).toBe('statements that refer to relations this database lacks (legacy_audit, things), or temporary tables');
    } else {
      expect(skipped(source, /^entries of other databases$/)).toBeGreaterThanOrEqual(1);
      expect(source.skipped.find((k) => /lacks/.test(k.reason))?.reason).toBe('statements that refer to relations this database lacks (legacy_audit), or temporary tables');
    }
    expect(w.statements.some((s) => /pgadvisor|pg_class|things|legacy_audit|nonexistent/.test(s.query))).toBe(false);
    // no reason or note repeats a statement's text or a constant
    expect(JSON.stringify(w.sources)).not.toMatch(/ZQX|orders|other note|pending/);
  });

  test.each(['pg13-pgss.csv', 'pg13-pgss.json', 'pg15-pgss.csv', 'pg18-pgss.csv', 'pg18-pgss.json'])(
    '%s: an export of another server\'s pg_stat_statements (its texts, calls and times; no queryids)',
    async (file) => {
      const w = await read(join(LOGS, file));
      expect(w.sources[0]).toMatchObject({ kind: 'pgss-export', format: file.endsWith('.csv') ? 'csv' : 'json' });
      // the generator ran the workload four times (once per scenario)
      expect(byQuery(w, EXTENDED)).toMatchObject({ calls: 20, queryid: null, sources: ['pgss-export'] });
      expect(byQuery(w, EXTENDED)!.totalMs).toBeGreaterThan(0);
      expect(byQuery(w, EXTENDED)!.rows).toBeGreaterThan(0);
      expect(w.statements.some((s) => /pgadvisor|legacy_audit/.test(s.query))).toBe(false);
      expect(skipped(w.sources[0], /^pgadvisor's own statements$/)).toBeGreaterThanOrEqual(2);
      // the JSON export was taken after the CSV one, whose COPY of pg_stat_statements it lists
      expect(w.sources[0].skipped.find((k) => /lacks/.test(k.reason))?.reason).toMatch(/\(legacy_audit(, pg_stat_statements)?\)/);
    },
  );

  test('an export written by \\copy of json_agg (COPY text escaping) and one with PostgreSQL 12 column names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-export-'));
    const rows = [
      { query: EXTENDED, calls: 7, total_time: 14, rows: 7 },
      { query: 'SELECT id FROM orders\nWHERE note = $1', calls: 3, mean_time: 2, rows: 3 },
    ];
    await writeFile(join(dir, 'copy.json'), JSON.stringify(rows, null, 1).replace(/\\/g, '\\\\').replace(/\n/g, '\\n'));
    await writeFile(join(dir, 'old.csv'), `query,calls,total_time,rows\n"${EXTENDED}",7,14,7\n"SELECT id FROM orders\nWHERE note = $1",3,6,3\n`);
    for (const f of ['copy.json', 'old.csv']) {
      const w = await read(join(dir, f));
      expect(byQuery(w, EXTENDED)).toMatchObject({ calls: 7, totalMs: 14, meanMs: 2, rows: 7 });
      expect(byQuery(w, 'SELECT id FROM orders\nWHERE note = $1')).toMatchObject({ calls: 3, totalMs: 6 });
    }
  });

  test('a .sql file: -- calls: N, constants as samples, psql meta-commands and bad statements counted with their lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-sql-'));
    const file = join(dir, 'app.sql');
    await writeFile(
      file,
      [
        '\\set ON_ERROR_STOP on',
        '-- the order list',
        '-- calls: 1200',
        "SELECT id, status FROM orders WHERE customer_id = 42 AND note = 'ZQX-SECRET-4417';",
        '',
        "SELECT id, status FROM orders WHERE customer_id = 7 AND note = 'x'; -- calls: 9 (a trailing comment belongs to no statement)",
        'SELEKT broken FROM;',
        '/* calls in a block comment do not count */ INSERT INTO notes (body) VALUES ($$a; b$$);',
        'SELECT * FROM missing_table WHERE id = 1;',
        'SELECT 1',
      ].join('\n'),
    );
    expect(await detectFormat(file)).toBe('sql');
    const w = await read(file);
    const source = w.sources[0];
    expect(source).toMatchObject({ kind: 'sql', format: 'sql', entries: 7 });
    expect(byQuery(w, LOOKUP)).toMatchObject({ calls: 1201, totalMs: null, rows: null });
    expect(w.samples(byQuery(w, LOOKUP)!.id)).toEqual([['42', SECRET], ['7', 'x']]);
    expect(w.samples(byQuery(w, NOTE)!.id)).toEqual([['a; b']]);
    expect(byQuery(w, 'SELECT $1')?.calls).toBe(1);
    expect(source.skipped).toEqual(
      expect.arrayContaining([
        { reason: 'psql meta-commands (\\set, \\timing …) (line 1)', count: 1 },
        { reason: 'statements the parser (libpg-query, PostgreSQL 18 grammar) cannot read (line 7)', count: 1 },
        { reason: 'statements that refer to relations this database lacks (missing_table), or temporary tables', count: 1 },
      ]),
    );
  });

  test('the same statement from pg_stat_statements and a log is one entry: the figures of the source with more calls, the samples of the log', async () => {
    const { loadNotebooks } = await import('../../src/playbooks/loader.ts');
    const { runWorkload } = await import('../playbooks/workload/support.ts');
    await runWorkload(db.url, [{ sql: EXTENDED, times: 30, params: (i) => [i, 'paid'] }]);
    const feed = (await loadNotebooks()).flatMap((n) => n.cells).find((c) => c.feeds)!;
    const fed = await conn.db.query(feed.sql!);
    const run = { cell: feed.id, status: 'ok', reason: null, columns: fed.columns } as never;
    const built = await buildWorkload({
      server: conn.server,
      feed: { run, rows: fed.rows },
      files: [{ path: join(LOGS, 'pg15-debian.log'), format: 'stderr' }],
      logDatabase: 'shop',
      query: async (sql, params) => (await conn.db.query(sql, params)).rows,
    });
    const w = built.workload!;
    const s = byQuery(w, EXTENDED)!;
    // pg_stat_statements may have more than the 30 calls if another test file ran it here; never the log's 5
    expect(s.calls).toBeGreaterThanOrEqual(30);
    expect(s.sources).toEqual(['pg_stat_statements', 'log']);
    expect(s.queryid).toMatch(/^-?\d+$/);
    expect(s.id).toBe(`fp:${s.fingerprint}`);
    expect(s.rows).toBeGreaterThan(0);
    expect(w.samples(s.id)).toContainEqual(['101', SECRET]);
    expect(w.sources.map((x) => x.kind)).toEqual(['pg_stat_statements', 'log']);
  });

  test('log entries of one database only: the inspected one unless --workload-database names another', async () => {
    const file = join(LOGS, 'pg15-debian.log');
    const here = await read(file, undefined, conn.server.database);
    expect(here.statements).toEqual([]);
    expect(here.sources[0].notes[0]).toMatch(/^no entry of database ".*"; the log names "shop" \(\d+\), "other" \(1\)|^no entry of database ".*"; the log names /);
    expect((await read(file, undefined, 'other')).statements.map((s) => s.query)).toEqual([]);
  });
});

describe('format detection', () => {
  const file = async (name: string, content: string | Buffer) => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-detect-'));
    await writeFile(join(dir, name), content);
    return join(dir, name);
  };

  test.each([
    ['heroku.log', '2024-05-01T10:00:00+00:00 app[postgres.1234]: [DATABASE] [9-1] sql_error_code = 00000 LOG:  duration: 1.5 ms  statement: SELECT 1\n', 'stderr'],
    ['azure.log', '2024-05-01 10:00:00 UTC-663a1f2b.5a3-LOG:  duration: 1.5 ms  statement: SELECT 1\n', 'stderr'],
    ['empty-prefix.log', 'LOG:  duration: 1.5 ms  statement: SELECT 1\n', 'stderr'],
    ['export.csv', 'userid,dbid,query,calls\n10,5,SELECT 1,3\n', 'csv'],
    ['rows.json', '{"query": "SELECT 1", "calls": 3}\n', 'json'],
    ['app.sql', 'select 1;\n', 'sql'],
  ] as const)('%s → %s', async (name, content, format) => {
    expect(await detectFormat(await file(name, content))).toBe(format);
  });

  test.each([
    ['notes.txt', 'Meeting notes: the database is slow on Mondays.\n', /notes\.txt: not a workload in any known format \(a PostgreSQL server log/],
    ['empty.log', '', /empty\.log: the workload file is empty/],
    ['image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /image\.png: not a workload in any known format \(a binary file/],
    ['broken.json', '{"no": "query column"}\n', /broken\.json: not a workload in any known format/],
  ] as const)('%s is one clear error', async (name, content, message) => {
    await expect(detectFormat(await file(name, content))).rejects.toThrow(message);
  });

  test('a missing file or a directory', async () => {
    await expect(detectFormat('/nonexistent/app.log')).rejects.toThrow('/nonexistent/app.log: cannot read the workload file (no such file)');
    await expect(detectFormat(tmpdir())).rejects.toThrow(/cannot read the workload file \(a directory\)/);
  });
});
