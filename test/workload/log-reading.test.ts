// Reading large logs quickly must not change what is read: the quick reading (blocks split by indexOf, the
// severity from a line's first `:  `, prefix fields remembered, csvlog without csv-parse) gives the same
// statements, calls, durations, samples, skips and notes as the general one, on the real servers' logs and on
// planted variants of every kind of text a log holds. Also: the line reader against readline, and the time window
// a log's first and last timestamps give.
import { createReadStream, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { windowHours } from '../../src/playbooks/analyzers/workload-input.ts';
import { mergeSources } from '../../src/workload/build.ts';
import { SourceCollector } from '../../src/workload/collect.ts';
import { eachCsvRecord, NotPlainCsv } from '../../src/workload/files/csvlog-fast.ts';
import { detectFormat } from '../../src/workload/files/detect.ts';
import { eachLine } from '../../src/workload/files/lines.ts';
import { logWindow } from '../../src/workload/files/log-window.ts';
import { readWorkloadFile } from '../../src/workload/files/read.ts';
import { Normalizer } from '../../src/workload/normalize.ts';
import type { WorkloadFormat } from '../../src/workload/types.ts';

const LOGS = fileURLToPath(new URL('./logs/', import.meta.url));
const fixtures = readdirSync(LOGS).filter((f) => /^pg\d+-(debian|keyvalue|rds|explainjson)\.(log|csv|json)$/.test(f));

let dir: string;
let normalizer: Normalizer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgadv-logread-'));
  normalizer = await Normalizer.create();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path: string, format: WorkloadFormat, quick: boolean, database = 'shop') {
  const source = await readWorkloadFile(path, format, { normalizer, database, quick });
  const statements = source.collected().sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  return { statements, summary: source.summary(statements.length), windowHours: source.windowHours };
}

async function plant(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

// Entries with every kind of text a statement holds: quote escapes, dollar quotes, comments, E'' strings with
// backslash escapes, numbers with signs, $n parameters whose bind values hold quotes, commas and NULL,
// several statements in one string, a statement over several lines, an error, another database, a parse step.
const TEXTS = {
  quotes: `SELECT id FROM orders WHERE note = 'it''s O''Brien''s' AND customer_id = 7`,
  dollar: `SELECT id FROM orders WHERE note = $$a 'quoted' $ body$$ AND status = $tag$x$$y$tag$`,
  comments: `SELECT id /* the id, with 'quotes' */ FROM orders -- trailing ' comment\n WHERE amount > -1.5e3`,
  escapes: `SELECT id FROM orders WHERE note = E'line\\nbreak \\' quote \\\\ slash' AND customer_id = 0x1F`,
  several: `UPDATE orders SET status = 'paid' WHERE id = 1; DELETE FROM orders WHERE id = 2`,
  multiline: `SELECT o.id,\n       o.created_at\n  FROM orders o\n WHERE o.status = 'pending'\n ORDER BY o.created_at DESC`,
  bound: `SELECT id, amount FROM orders WHERE customer_id = $1 AND note = $2 AND status = $3`,
};
const BIND = `parameters: $1 = '42', $2 = 'O''Brien, "Jr", $3 = x', $3 = NULL`;

interface Entry {
  /** the process, when it matters (a statement and its later duration line) */
  pid?: number;
  severity: string;
  message: string;
  detail?: string;
  database?: string;
}

function entries(): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < 3; i++) {
    out.push({ severity: 'LOG', message: `duration: ${1.5 + i} ms  statement: ${TEXTS.quotes.replace('7', String(7 + i))}` });
    out.push({ severity: 'LOG', message: `duration: 0.25 ms  statement: ${TEXTS.dollar}` });
    out.push({ severity: 'LOG', message: `duration: 12.000 ms  statement: ${TEXTS.comments}` });
    out.push({ severity: 'LOG', message: `duration: 3 ms  statement: ${TEXTS.escapes}` });
    out.push({ severity: 'LOG', message: `duration: 4.5 ms  statement: ${TEXTS.several}` });
    out.push({ severity: 'LOG', message: `duration: 8.125 ms  statement: ${TEXTS.multiline}` });
    out.push({ severity: 'LOG', message: `duration: 0.05 ms  parse <unnamed>: ${TEXTS.bound}` });
    out.push({ severity: 'LOG', message: `duration: 2.5 ms  execute <unnamed>: ${TEXTS.bound}`, detail: BIND });
    out.push({ pid: 4999, severity: 'LOG', message: `statement: SELECT count(*) FROM orders WHERE status = 'open'` });
    out.push({ pid: 4999, severity: 'LOG', message: 'duration: 0.75 ms' });
    out.push({ severity: 'ERROR', message: 'column "nonexistent" does not exist' });
    out.push({ severity: 'LOG', message: `duration: 1 ms  statement: SELECT label FROM things WHERE label = 'x'`, database: 'other' });
    out.push({ severity: 'LOG', message: 'checkpoint starting: time' });
  }
  return out;
}

const at = (i: number) => `2025-03-01 10:${String(Math.floor(i / 2)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}.${String(i * 3).padStart(3, '0')} UTC`;

/** A stderr log of the entries under a log_line_prefix (a function of the entry's number, database and pid). */
function stderrLog(prefix: (i: number, db: string, pid: number) => string, eol = '\n'): string {
  return entries()
    .map((e, i) => {
      const p = prefix(i, e.database ?? 'shop', e.pid ?? 4000 + (i % 3));
      const lines = [`${p}${e.severity}:  ${e.message.replace(/\n/g, '\n\t')}`];
      if (e.detail) lines.push(`${p}DETAIL:  ${e.detail}`);
      return lines.join('\n');
    })
    .join('\n')
    .replace(/\n/g, eol)
    .concat(eol);
}

const csvField = (v: string | undefined) => (v === undefined ? '' : `"${v.replace(/"/g, '""')}"`);

function csvLog(eol = '\n'): string {
  return entries()
    .map((e, i) => [at(i), 'app', e.database ?? 'shop', String(e.pid ?? 4000 + (i % 3)), '"[local]"', '1.2', String(i), 'SELECT', at(0), '3/4', '0', e.severity, '00000', csvField(e.message), csvField(e.detail), '', '', '', '', '', '', '', '"shop-web"', 'client backend', '', '0'].join(','))
    .join('\n')
    .replace(/\n/g, eol)
    .concat(eol);
}

const PREFIXES: [string, (i: number, db: string, pid: number) => string][] = [
  ['debian', (i, db, pid) => `${at(i)} [${pid}] app@${db} `],
  ['keyvalue', (i, db, pid) => `${at(i).replace(/\.\d+/, '')} [${pid}]: [${i + 1}-1] user=app,db=${db},app=shop-web,client=10.0.0.5 `],
  ['rds', (i, db, pid) => `${at(i).replace(/\.\d+/, '')}:10.0.0.5(5432):app@${db}:[${pid}]:`],
  ['pid', (_i, _db, pid) => `[${pid}] `],
  ['empty', () => ''],
  ['heroku', (i, db, pid) => `${at(i).replace(' ', 'T').replace(/\.\d+ UTC/, '+00:00')} app[postgres.${pid}]: [DATABASE] [${i + 1}-1] sql_error_code = 00000 db=${db} `],
];

describe('the quick reading gives what the general one gives', () => {
  test.each(fixtures)('%s (a real server’s log)', async (name) => {
    const path = join(LOGS, name);
    const format = await detectFormat(path);
    for (const database of ['shop', 'other']) {
      const quick = await read(path, format, true, database);
      expect(quick).toEqual(await read(path, format, false, database));
    }
  });

  test.each(PREFIXES)('stderr with the %s prefix, every kind of statement text', async (name, prefix) => {
    for (const eol of ['\n', '\r\n']) {
      const path = await plant(`${name}${eol.length}.log`, stderrLog(prefix, eol));
      expect(await detectFormat(path)).toBe('stderr');
      const quick = await read(path, 'stderr', true);
      expect(quick).toEqual(await read(path, 'stderr', false));
      // what is compared is the real reading: the planted statements, their bind values and literals as samples
      const bound = quick.statements.find((s) => s.query.startsWith('SELECT id, amount FROM orders'));
      expect(bound?.calls).toBe(3);
      expect(bound?.totalMs).toBeCloseTo(7.5);
      expect(bound?.samples).toContainEqual(['42', `O'Brien, "Jr", $3 = x`, null]);
      // quote escapes and E'' backslash escapes give the same statement: the values as the server reads them
      const literal = quick.statements.find((s) => s.query === 'SELECT id FROM orders WHERE note = $1 AND customer_id = $2');
      expect(literal?.samples).toContainEqual([`it's O'Brien's`, '7']);
      expect(literal?.samples).toContainEqual(["line\nbreak ' quote \\ slash", '0x1F']);
      expect(quick.statements.find((s) => s.query.includes('$$') || s.query.includes('$tag$')) ?? null).toBeNull();
      expect(quick.statements.find((s) => s.query.startsWith('SELECT o.id,'))?.calls).toBe(3);
      // log_statement's line takes its time from the later bare duration of the same process
      expect(quick.statements.find((s) => s.query.startsWith('SELECT count(*) FROM orders WHERE status'))?.totalMs).toBeCloseTo(2.25);
      expect(quick.summary.skipped.find((k) => k.reason.startsWith('statements that failed'))?.count).toBe(3);
    }
  });

  test('stderr with syslog continuation lines and a BOM', async () => {
    const syslog = stderrLog((i, db, pid) => `${at(i)} [${pid}]: [${i + 1}-1] db=${db} `).replace(/\n\t/g, () => `\n${at(0)} [4000]: [1-2] #011`);
    for (const [name, content] of [
      ['syslog.log', syslog],
      ['bom.log', `\uFEFF${stderrLog(PREFIXES[0][1])}`],
    ]) {
      const path = await plant(name, content);
      expect(await read(path, 'stderr', true)).toEqual(await read(path, 'stderr', false));
    }
  });

  test('csvlog: plain, with CRLF line ends, with a quote out of place (read through csv-parse), cut in the middle of a record', async () => {
    const plain = csvLog();
    const variants: [string, string][] = [
      ['plain.csv', plain],
      ['crlf.csv', csvLog('\r\n')],
      ['bom.csv', `\uFEFF${plain}`],
      ['no-final-newline.csv', plain.trimEnd()],
      ['stray-quote.csv', plain.replace('"[local]"', '"[loc"al]"')],
      ['open-quote.csv', `${plain}${at(99)},app,shop,1,"[local]",1.2,1,SELECT,${at(0)},3/4,0,LOG,00000,"duration: 1 ms  statement: SELECT 1\n`],
    ];
    for (const [name, content] of variants) {
      const path = await plant(name, content);
      expect(await detectFormat(path)).toBe('csvlog');
      const quick = await read(path, 'csvlog', true);
      expect(quick, name).toEqual(await read(path, 'csvlog', false));
      if (name !== 'stray-quote.csv') expect(quick.statements.find((s) => s.query.startsWith('SELECT id, amount FROM orders'))?.samples).toContainEqual(['42', `O'Brien, "Jr", $3 = x`, null]);
    }
    // the plain one is read without csv-parse; the others are handed to it
    const records: [number, string[]][] = [];
    await eachCsvRecord(join(dir, 'plain.csv'), (line, fields) => records.push([line, fields]));
    expect(records.length).toBe(entries().length);
    expect(records.find(([, f]) => f[13].includes('o.created_at'))?.[1][13]).toContain('\n  FROM orders o\n');
    for (const name of ['crlf.csv', 'stray-quote.csv', 'open-quote.csv']) await expect(eachCsvRecord(join(dir, name), () => undefined)).rejects.toBeInstanceOf(NotPlainCsv);
  });

  test('a csvlog record longer than a block of the file', async () => {
    // lines inside the quoted field: the file's blocks end in the middle of the record
    const long = `SELECT id FROM orders WHERE note = '${`${'x'.repeat(1000)}\n`.repeat(3000)}'`;
    const path = await plant('long.csv', `${at(0)},app,shop,1,"[local]",1.2,1,SELECT,${at(0)},3/4,0,LOG,00000,"duration: 1 ms  statement: ${long}",,,,,,,,,"w","client backend",,0\n${csvLog()}`);
    const quick = await read(path, 'csvlog', true);
    expect(quick).toEqual(await read(path, 'csvlog', false));
    expect(quick.summary.skipped).toContainEqual({ reason: expect.stringMatching(/^statements longer than 100,000 characters/), count: 1 });
    expect(quick.statements.find((s) => s.query.startsWith('SELECT id, amount FROM orders'))?.calls).toBe(3);
  });
});

describe('the line reader', () => {
  async function readline(path: string): Promise<string[]> {
    const out: string[] = [];
    for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) out.push(line);
    return out;
  }

  test('gives the lines readline gives: CRLF, a lone CR, empty lines, no final newline, multi-byte characters across blocks', async () => {
    // multi-byte characters (2, 3 and 4 bytes) placed so that some straddle the 1 MiB block boundary
    const filler = 'é€😀'.repeat(120_000);
    const cases: [string, string][] = [
      ['mixed.txt', 'a\r\nb\rc\n\nd\r\n\r\ne'],
      ['final.txt', 'one\ntwo\n'],
      ['empty-lines.txt', '\n\n\nx\n'],
      ['bom.txt', '\uFEFFfirst\nsecond'],
      ['multibyte.txt', `${filler}\n${filler.slice(1)}\nend é\r\n${'x'.repeat(3 << 20)}\n€`],
    ];
    for (const [name, content] of cases) {
      const path = await plant(name, content);
      const lines: string[] = [];
      await eachLine(path, (l) => lines.push(l));
      expect(lines, name).toEqual(await readline(path));
    }
  });
});

describe('the time a log covers', () => {
  test('from the first and last timestamps, in any zone notation; none under a minute, across zone names, or without timestamps', () => {
    expect(logWindow('2025-03-01 10:00:00.000 UTC [1] ', '2025-03-01 12:30:00.000 UTC [2] ')?.hours).toBe(2.5);
    expect(logWindow('2025-03-01 10:00:00 CET:10.0.0.5', '2025-03-02 10:00:00 CET:10.0.0.5')?.hours).toBe(24);
    // offsets: 10:00+02 is 08:00 UTC, 09:00-01 is 10:00 UTC
    expect(logWindow('2025-03-01T10:00:00+02:00 app', '2025-03-01T09:00:00-01 app')?.hours).toBe(2);
    expect(logWindow('1740823200.000 [1] ', '1740826800.500 [1] ')?.hours).toBeCloseTo(1 + 0.5 / 3600);
    const short = logWindow('2025-03-01 10:00:00 UTC', '2025-03-01 10:00:59 UTC');
    expect(short).toEqual({ hours: null, note: 'the log covers 59 s, under a minute: its counts are not taken as rates per hour' });
    expect(logWindow('2025-10-26 01:00:00 CEST', '2025-10-26 05:00:00 CET')?.hours).toBeNull();
    expect(logWindow('[123] ', '[456] ')).toEqual({ hours: null, note: expect.stringMatching(/carry no timestamp/) });
    expect(logWindow(null, null)).toBeNull();
  });

  test('a log of two hours gives the workload its window, for stderr, csvlog and jsonlog; not when a source has none', async () => {
    const stamp = (h: number, m: number) => `2025-03-01 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000 UTC`;
    const statement = (i: number) => `duration: 1.5 ms  statement: SELECT id FROM orders WHERE customer_id = ${i}`;
    const times = [stamp(10, 0), stamp(10, 45), stamp(11, 30), stamp(12, 0)];
    const stderr = await plant('window.log', times.map((t, i) => `${t} [7] app@shop LOG:  ${statement(i)}\n`).join(''));
    const csv = await plant('window.csv', times.map((t, i) => `${t},app,shop,7,"[local]",1.2,${i},SELECT,${t},3/4,0,LOG,00000,"${statement(i)}",,,,,,,,,"w","client backend",,0\n`).join(''));
    const json = await plant('window.json', times.map((t, i) => `${JSON.stringify({ timestamp: t, user: 'app', dbname: 'shop', pid: 7, error_severity: 'LOG', message: statement(i) })}\n`).join(''));
    const sql = await plant('window.sql', 'SELECT id FROM orders WHERE customer_id = 1;\n');
    const sources: SourceCollector[] = [];
    for (const [path, format] of [
      [stderr, 'stderr'],
      [csv, 'csvlog'],
      [json, 'jsonlog'],
    ] as const) {
      const source = await readWorkloadFile(path, format, { normalizer, database: 'shop' });
      expect(source.windowHours, format).toBe(2);
      expect(source.notes).toContain('the log covers 2 h 0 min (from its first entry to its last): calls per hour are taken over that time');
      sources.push(source);
    }
    const fromLogs = mergeSources(sources);
    expect(fromLogs.windowHours).toBe(2);
    // what the analyzers read: no query is sent for a workload without live pg_stat_statements
    const noQuery = async () => {
      throw new Error('no query expected');
    };
    expect(await windowHours(noQuery, fromLogs)).toBe(2);
    const withSql = mergeSources([...sources, await readWorkloadFile(sql, 'sql', { normalizer, database: 'shop' })]);
    expect(withSql.windowHours).toBeNull();
    expect(await windowHours(noQuery, withSql)).toBeNull();
  });
});
