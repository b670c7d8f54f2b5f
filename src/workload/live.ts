// The live source: the rows of the probe that feeds the workload (pg_stat_statements in this database,
// pgadvisor's own entries already left out by its SQL), read into a SourceCollector.
import { WORKLOAD_FEED_COLUMNS } from '../playbooks/inputs.ts';
import type { CellRun, Row, ServerFacts } from '../playbooks/types.ts';
import { SourceCollector } from './collect.ts';
import { isOwnStatement } from './own.ts';
import { statementFingerprint } from './key.ts';

export type LiveFeed = { run: CellRun; rows: Row[] };

/** The live source, or the reason there is none (the probe was skipped or failed). */
export function readLive(feed: LiveFeed, server: ServerFacts): { source: SourceCollector; reason: null } | { source: null; reason: string } {
  const { run, rows } = feed;
  if (run.status !== 'ok') return { source: null, reason: `pg_stat_statements could not be read (${run.cell}: ${run.status}): ${run.reason}` };
  const missing = WORKLOAD_FEED_COLUMNS.filter((c) => !run.columns.includes(c));
  if (missing.length) throw new Error(`the probe "${run.cell}" that feeds the workload has no column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);

  const source = new SourceCollector('pg_stat_statements', 'pg_stat_statements', 'live');
  let shared = false;
  for (const r of rows) {
    source.entries++;
    const text = typeof r.query === 'string' ? r.query : null;
    if (text == null || text.startsWith('<insufficient privilege>')) {
      source.skip(`statements of other roles, whose text this role cannot see (GRANT pg_read_all_stats TO ${server.user})`);
      continue;
    }
    // the probe's SQL leaves these out already; this guards a probe edited without the filter
    if (isOwnStatement(text)) {
      source.skip("pgadvisor's own statements");
      continue;
    }
    const fingerprint = statementFingerprint(text);
    if (r.own_role) shared = true;
    source.add({
      fingerprint,
      query: text,
      queryid: r.queryid == null ? null : String(r.queryid),
      calls: Number(r.calls ?? 0),
      totalMs: num(r.total_ms),
      rows: num(r.rows),
      toplevel: r.toplevel == null ? true : Boolean(r.toplevel),
      tempBlksWritten: num(r.temp_blks_written),
      sharedBlksHit: num(r.shared_blks_hit),
      sharedBlksRead: num(r.shared_blks_read),
      sample: null,
    });
  }
  if (shared && server.versionNum >= 160000) {
    source.notes.push(
      `pgadvisor connects as ${server.user}, a role the application also uses: from PostgreSQL 16 on, pg_stat_statements counts the same ` +
        `transaction-control statement of one role as one entry (BEGIN, COMMIT, ROLLBACK, SAVEPOINT …), so those figures include pgadvisor's ` +
        `own, or are left out with them when pgadvisor's came first. Connect as a role of its own to keep them apart.`,
    );
  }
  return { source, reason: null };
}

function num(v: unknown): number | null {
  return v == null ? null : Number(v);
}
