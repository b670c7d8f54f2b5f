// One --workload file read into a SourceCollector, streamed so memory stays bounded however large it is.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { SourceCollector } from '../collect.ts';
import type { Normalizer } from '../normalize.ts';
import type { WorkloadFormat } from '../types.ts';
import { eachCsvRecord, NotPlainCsv } from './csvlog-fast.ts';
import { detach, eachLine } from './lines.ts';
import { logWindow } from './log-window.ts';
import { LogStatements, type LogRecord } from './log-records.ts';
import { StderrRecords } from './log-stderr.ts';
import { readPgssRows } from './pgss-export.ts';
import { readSqlFile } from './sql-file.ts';

export interface FileContext {
  normalizer: Normalizer;
  /** the inspected database: log entries that name another one are left out */
  database: string;
  signal?: AbortSignal;
  /**
   * false: the general reading only (csv-parse for csvlog, every stderr line through the full prefix and severity
   * patterns); the tests compare it with the quick one, which is the default.
   */
  quick?: boolean;
}

export class WorkloadFileError extends Error {}

export async function readWorkloadFile(path: string, format: WorkloadFormat, ctx: FileContext): Promise<SourceCollector> {
  const kind = format === 'sql' ? 'sql' : format === 'csv' || format === 'json' ? 'pgss-export' : 'log';
  const quick = ctx.quick ?? true;
  let source = new SourceCollector(kind, path, format);
  switch (format) {
    case 'stderr': {
      const statements = new LogStatements(source, ctx.normalizer, ctx.database);
      const records = new StderrRecords((r) => statements.record(r), { quick });
      await eachLine(path, (line) => records.line(line), ctx.signal);
      records.end();
      statements.end();
      setWindow(source, records.first, records.last);
      break;
    }
    case 'jsonlog': {
      const statements = new LogStatements(source, ctx.normalizer, ctx.database);
      let n = 0;
      let first: string | null = null;
      let last: string | null = null;
      await eachLine(
        path,
        (line) => {
          n++;
          if (!line.trim()) return;
          let row: Record<string, unknown>;
          try {
            row = JSON.parse(line);
          } catch {
            source.skip('jsonlog lines that are not JSON', n);
            return;
          }
          if (typeof row.timestamp === 'string') {
            first ??= row.timestamp;
            last = row.timestamp;
          }
          statements.record({
            line: n,
            severity: String(row.error_severity ?? ''),
            message: String(row.message ?? ''),
            detail: row.detail == null ? null : String(row.detail),
            database: row.dbname == null ? null : String(row.dbname),
            application: row.application_name == null ? null : String(row.application_name),
            pid: row.pid == null ? null : String(row.pid),
          });
        },
        ctx.signal,
      );
      statements.end();
      setWindow(source, first, last);
      break;
    }
    case 'csvlog': {
      const read = async (records: (fn: (line: number, fields: string[]) => void) => Promise<void>) => {
        const statements = new LogStatements(source, ctx.normalizer, ctx.database);
        let first: string | null = null;
        let last: string | null = null;
        await records((n, f) => {
          if (f[CSVLOG.time]) {
            first ??= f[CSVLOG.time];
            last = f[CSVLOG.time];
          }
          statements.record(csvlogRecord(n, f));
        });
        statements.end();
        setWindow(source, first && detach(first), last);
      };
      try {
        await read((fn) => (quick ? eachCsvRecord(path, fn, ctx.signal) : csvEach(path, source, fn, ctx.signal)));
      } catch (err) {
        if (!(err instanceof NotPlainCsv)) throw err;
        // read again from the start, through csv-parse
        source = new SourceCollector(kind, path, format);
        await read((fn) => csvEach(path, source, fn, ctx.signal));
      }
      break;
    }
    case 'csv':
      await readPgssRows(source, ctx.normalizer, csvRecords(path, source, true, ctx.signal));
      break;
    case 'json':
      await readPgssRows(source, ctx.normalizer, jsonRows(path, source));
      break;
    case 'sql':
      await readSqlFile(source, ctx.normalizer, createReadStream(path, { encoding: 'utf8', signal: ctx.signal }));
      break;
  }
  return source;
}

/** The log's time window from its first and last entries' timestamps, noted in the sources table. */
function setWindow(source: SourceCollector, first: string | null, last: string | null): void {
  const window = logWindow(first, last);
  if (!window) return;
  source.windowHours = window.hours;
  source.notes.push(window.note);
}

async function csvEach(path: string, source: SourceCollector, fn: (line: number, fields: string[]) => void, signal?: AbortSignal): Promise<void> {
  for await (const [n, f] of csvRecords(path, source, false, signal)) fn(n, f as string[]);
}

// csvlog's columns (the same first 23 from PostgreSQL 13 to 18; later versions only append)
const CSVLOG = { time: 0, user: 1, database: 2, pid: 3, severity: 11, message: 13, detail: 14, application: 22 };

function csvlogRecord(line: number, f: string[]): LogRecord {
  const get = (i: number) => (f[i] == null || f[i] === '' ? null : f[i]);
  return {
    line,
    severity: get(CSVLOG.severity) ?? '',
    message: get(CSVLOG.message) ?? '',
    detail: get(CSVLOG.detail),
    database: get(CSVLOG.database),
    application: get(CSVLOG.application),
    pid: get(CSVLOG.pid),
  };
}

/** CSV records with the line each starts on; records that do not parse are counted and skipped. */
async function* csvRecords(path: string, source: SourceCollector, header: boolean, signal?: AbortSignal): AsyncGenerator<[number, string[] | Record<string, string>]> {
  const parser = createReadStream(path, { signal }).pipe(
    parseCsv({ columns: header ? (h: string[]) => h.map((c) => c.trim().toLowerCase()) : false, relax_column_count: true, skip_records_with_error: true, bom: true, info: true }),
  );
  parser.on('skip', () => source.skip('CSV records that do not parse'));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[] | Record<string, string>; info: { lines: number } }>) yield [info.lines, record];
}

/**
 * Rows of a JSON export: an array of row objects (json_agg) or one object per line. A file written by
 * \copy carries COPY's text escaping (backslashes doubled, newlines as \n): undone when plain JSON fails.
 */
async function* jsonRows(path: string, source: SourceCollector): AsyncGenerator<[number, Record<string, unknown>]> {
  const text = await readFile(path, 'utf8');
  const parse = (t: string): unknown => {
    const s = t.trim();
    if (s.startsWith('[')) return JSON.parse(s);
    return s.split(/\r?\n/).filter((l) => l.trim()).map((l) => JSON.parse(l));
  };
  let rows: unknown;
  try {
    rows = parse(text);
  } catch {
    try {
      rows = parse(text.replace(/\\(\\|n|r|t)/g, (_, c: string) => ({ '\\': '\\', n: '\n', r: '\r', t: '\t' })[c]!));
    } catch {
      // the parser's message quotes the text around the error: user data, so it is not repeated
      throw new WorkloadFileError(`${basename(path)}: not valid JSON (an array of pg_stat_statements rows, or one row object per line)`);
    }
  }
  if (!Array.isArray(rows)) throw new WorkloadFileError(`${basename(path)}: a JSON export is an array of pg_stat_statements rows`);
  for (const [i, row] of rows.entries()) {
    if (row && typeof row === 'object' && !Array.isArray(row)) yield [i + 1, row as Record<string, unknown>];
    else source.skip('JSON array items that are not row objects');
  }
}
