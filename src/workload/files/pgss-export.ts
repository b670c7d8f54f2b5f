// Rows of a pg_stat_statements export from another server (CSV from \copy … CSV HEADER, or JSON from
// json_agg): any subset of the view's columns that has query and calls, with the names of PostgreSQL 13–18
// (total_exec_time, or total_time before 13). The texts are already normalized by that server; their
// queryids are that server's and mean nothing here, so they are not kept.
import type { SourceCollector } from '../collect.ts';
import type { Normalizer } from '../normalize.ts';
import { isOwnStatement } from '../own.ts';
import { OWN } from './log-records.ts';

export async function readPgssRows(source: SourceCollector, normalizer: Normalizer, rows: AsyncIterable<[number, unknown]>): Promise<void> {
  const databases = new Set<string>();
  let checked = false;
  for await (const [line, raw] of rows) {
    const row = raw as Record<string, unknown>;
    if (!checked) {
      checked = true;
      const missing = ['query', 'calls'].filter((c) => !(c in row));
      if (missing.length) throw new Error(`${source.name}: a pg_stat_statements export needs the columns query and calls (missing: ${missing.join(', ')})`);
    }
    source.entries++;
    const text = row.query == null ? '' : String(row.query);
    const calls = num(row.calls);
    if (!text || text.startsWith('<insufficient privilege>')) {
      source.skip('rows whose text the exporting role could not see (<insufficient privilege>)');
      continue;
    }
    if (isOwnStatement(text)) {
      source.skip(OWN);
      continue;
    }
    if (!calls) {
      source.skip('rows planned but never executed (calls = 0)');
      continue;
    }
    const database = row.datname ?? row.dbid;
    if (database != null) databases.add(String(database));
    const n = normalizer.normalize(text);
    if ('skip' in n) {
      source.skip(n.skip, line);
      continue;
    }
    const total = num(row.total_exec_time) ?? num(row.total_time) ?? mul(num(row.mean_exec_time) ?? num(row.mean_time), calls);
    const toplevel = row.toplevel == null || row.toplevel === '' ? true : !/^(f|false|0)$/i.test(String(row.toplevel));
    source.add({
      fingerprint: n.fingerprint,
      query: n.query,
      queryid: null,
      calls,
      totalMs: total,
      rows: num(row.rows),
      toplevel,
      tempBlksWritten: num(row.temp_blks_written),
      sharedBlksHit: num(row.shared_blks_hit),
      sharedBlksRead: num(row.shared_blks_read),
      sample: null,
    });
  }
  if (databases.size > 1) {
    source.notes.push(`the export holds the statements of ${databases.size} databases: all were read (export one database's rows to analyze only it)`);
  }
}

function num(v: unknown): number | null {
  if (v == null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function mul(a: number | null, b: number): number | null {
  return a == null ? null : a * b;
}
