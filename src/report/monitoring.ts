// The monitoring checklist: what to watch after the migration, as queries the engineer can paste.
import { quoteLiteral } from '../migration/quote.ts';
import { splitStatements } from '../migration/statements.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { code, type Block } from './doc.ts';
import { decisionOf } from './model.ts';

/** Names of the indexes the accepted findings create, as pg_stat_user_indexes.indexrelname shows them. */
export function createdIndexNames(s: Snapshot): string[] {
  const names = new Set<string>();
  for (const f of s.findings) {
    if (!f.up || decisionOf(s, f.id).state !== 'accepted') continue;
    let stmts;
    try {
      stmts = splitStatements(f.up, f.id);
    } catch {
      continue; // the migration itself reports SQL that does not parse
    }
    for (const st of stmts) {
      const name = st.node.IndexStmt?.idxname;
      if (typeof name === 'string' && name) names.add(name);
    }
  }
  return [...names].sort();
}

export function monitoringChecklist(s: Snapshot): Block[] {
  const created = createdIndexNames(s);
  const hasStatements = s.server.extensions.some((e) => e.name === 'pg_stat_statements');
  const meanCol = s.server.versionNum >= 130000 ? 'mean_exec_time' : 'mean_time';
  const totalCol = s.server.versionNum >= 130000 ? 'total_exec_time' : 'total_time';
  const sql = (text: string): Block => ({ t: 'code', lang: 'sql', text });
  const out: Block[] = [];

  out.push({ t: 'heading', level: 3, text: 'New indexes are used' });
  if (created.length) {
    const verb = created.length === 1 ? 'shows' : 'show';
    out.push(
      { t: 'list', checklist: true, items: [[...created.flatMap((n, i) => [...(i ? [', '] : []), code(n)]), ` ${verb} a rising `, code('idx_scan'), ' within a day of normal traffic']] },
      sql(
        `SELECT schemaname, relname, indexrelname, idx_scan, pg_size_pretty(pg_relation_size(indexrelid)) AS size\n` +
            `  FROM pg_stat_user_indexes\n WHERE indexrelname IN (${created.map(quoteLiteral).join(', ')})\n ORDER BY idx_scan;`,
      ),
    );
  } else {
    out.push({ t: 'list', checklist: true, items: ['No accepted finding creates an index; watch the existing ones for scans:'] });
    out.push(sql('SELECT schemaname, relname, indexrelname, idx_scan\n  FROM pg_stat_user_indexes\n ORDER BY idx_scan\n LIMIT 20;'));
  }
  out.push({ t: 'list', checklist: true, items: [['No index was left invalid by an interrupted ', code('CREATE INDEX CONCURRENTLY'), ':']] });
  out.push(sql('SELECT indexrelid::regclass AS index, indrelid::regclass AS table\n  FROM pg_index\n WHERE NOT indisvalid;'));

  out.push({ t: 'heading', level: 3, text: 'Statement times do not regress' });
  out.push({
    t: 'list',
    checklist: true,
    items: [
      `The mean time of the top statements stays at or below its level before the migration${hasStatements ? '' : ' (needs the pg_stat_statements extension, which this database does not have)'}`,
    ],
  });
  out.push(
    sql(
      `SELECT queryid, calls, round(${meanCol}::numeric, 2) AS mean_ms, round(${totalCol}::numeric) AS total_ms, left(query, 80) AS query\n` +
        `  FROM pg_stat_statements\n ORDER BY ${meanCol} DESC\n LIMIT 20;`,
    ),
  );

  out.push({ t: 'heading', level: 3, text: 'Dead tuples and vacuum keep up' });
  out.push({ t: 'list', checklist: true, items: [[code('n_dead_tup'), ' stays small relative to ', code('n_live_tup'), ', and autovacuum runs on the busy tables']] });
  out.push(sql('SELECT schemaname, relname, n_live_tup, n_dead_tup, last_autovacuum, last_autoanalyze\n  FROM pg_stat_user_tables\n ORDER BY n_dead_tup DESC\n LIMIT 20;'));

  out.push({ t: 'heading', level: 3, text: 'Nothing waits on locks while the migration runs' });
  out.push({ t: 'list', checklist: true, items: [['No session waits long on a lock; ', code('lock_timeout'), ' makes the migration give up rather than queue']] });
  out.push(
    sql(
      "SELECT pid, wait_event_type, wait_event, now() - query_start AS waiting, left(query, 80) AS query\n" +
        "  FROM pg_stat_activity\n WHERE wait_event_type = 'Lock';",
    ),
  );
  return out;
}
