// --workload on the command line: bad files are one line and exit 2 before anything connects; a run with a
// log, a .sql file and a pg_stat_statements export shows where its workload came from, and the constant
// planted in every source reaches no output: check's text and JSON, the saved snapshot, migration and
// rollback, and the report made from that snapshot.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { runWorkload } from '../playbooks/workload/support.ts';

const LOGS = fileURLToPath(new URL('./logs/', import.meta.url));
const SECRET = 'ZQX-SECRET-4417';

describe('bad --workload input: one line on stderr, exit 2', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgadv-badwl-'));
    await writeFile(join(dir, 'notes.txt'), 'Meeting notes: the database is slow.\n');
    await writeFile(join(dir, 'empty.sql'), '');
    await writeFile(join(dir, 'blob.bin'), Buffer.from([1, 2, 0, 3, 4]));
  });

  test.each([
    [['--workload', '/nonexistent/prod.log'], '/nonexistent/prod.log: cannot read the workload file (no such file)'],
    [['--workload', 'DIR/notes.txt'], 'DIR/notes.txt: not a workload in any known format (a PostgreSQL server log (stderr, csvlog or jsonlog), a .sql file of statements, or a pg_stat_statements export (CSV or JSON))'],
    [['--workload', 'DIR/empty.sql'], 'DIR/empty.sql: the workload file is empty'],
    [['--workload', 'DIR/blob.bin'], 'DIR/blob.bin: not a workload in any known format (a binary file;'],
    [['--workload', 'DIR/notes.txt', '--workload-format', 'xml'], '--workload-format must be one of stderr, csvlog, jsonlog, sql, csv, json (got "xml")'],
    [['--workload-format', 'sql'], '--workload-format needs --workload FILE'],
  ])('%j', async (args, message) => {
    const r = await runCli(['check', '--url', 'postgres://nobody@127.0.0.1:1/none', ...args.map((a) => a.replace('DIR', dir))]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message.replace(/DIR/g, dir));
  });
});

describe.skipIf(!hasRealServer)('a run with workload files (real server)', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createDatabase(`CREATE EXTENSION pg_stat_statements;\n${await readFile(join(LOGS, 'schema.sql'), 'utf8')}`);
    dir = await mkdtemp(join(tmpdir(), 'pgadv-wl-'));
    await writeFile(
      join(dir, 'app.sql'),
      `-- calls: 300\nSELECT id, status FROM orders WHERE customer_id = 9 AND note = '${SECRET}';\nSELECT * FROM orders WHERE note = 'only-in-sql ${SECRET}';\n`,
    );
    // the live workload holds the secret too, as a bind value pg_stat_statements never shows
    await runWorkload(db.url, [{ sql: 'SELECT id FROM orders WHERE note = $1', times: 3, params: () => [SECRET] }]);
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('check, --save and report: the sources are shown, their constants nowhere', async () => {
    const files = ['--workload', join(LOGS, 'pg18-keyvalue.log'), '--workload', join(dir, 'app.sql'), '--workload', join(LOGS, 'pg13-pgss.csv'), '--workload', join(LOGS, 'pg15-debian.json')];
    const args = ['check', '--url', db.url, '--playbook', 'workload', '--playbook', 'indexes', ...files, '--workload-database', 'shop', '--allow-errors'];
    const text = await runCli(args);
    const json = await runCli([...args, '--json']);
    const out = join(dir, 'out');
    const saved = await runCli([...args, '--save', out, '--accept', 'all']);
    for (const r of [text, json, saved]) expect(r.code, r.stderr).toBe(0);

    const report = JSON.parse(json.stdout) as { workload: { name: string; kind: string; format: string; statements: number }[] };
    expect(report.workload.map((s) => [s.kind, s.format])).toEqual([
      ['pg_stat_statements', 'live'],
      ['log', 'stderr'],
      ['sql', 'sql'],
      ['pgss-export', 'csv'],
      ['log', 'jsonlog'],
    ]);
    for (const s of report.workload) expect(s.statements, s.name).toBeGreaterThan(0);
    expect(text.stdout).toContain(`Workload:\n  pg_stat_statements (live): `);
    expect(text.stdout).toMatch(/pg18-keyvalue\.log \(stderr\): \d+ entries, \d+ statements, \d+ left out\n {4}\d+ × /);

    const written = await readdir(out);
    const snapshot = written.find((f) => f.endsWith('.snapshot.json'))!;
    const md = await runCli(['report', join(out, snapshot)]);
    expect(md.code, md.stderr).toBe(0);
    const outputs: Record<string, string> = { text: text.stdout + text.stderr, json: json.stdout, saved: saved.stdout + saved.stderr, report: md.stdout };
    for (const f of written) outputs[f] = await readFile(join(out, f), 'utf8');
    for (const [name, content] of Object.entries(outputs)) expect(content.includes(SECRET) || content.includes('only-in-sql'), name).toBe(false);
    // the sources table is in the snapshot, as the workload_sources cell
    const doc = JSON.parse(outputs[snapshot]) as { playbooks: { runs: { cell: string; rows: { source: string }[] }[] }[] };
    const sources = doc.playbooks.flatMap((p) => p.runs).find((r) => r.cell === 'workload_sources')!;
    expect(sources.rows.map((r) => r.source)).toEqual(report.workload.map((s) => s.name));
  });
});
