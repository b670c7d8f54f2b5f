// Analyzer "workload-design": what the workload says about design rather than indexes — an expensive
// aggregate repeated often enough that a materialized view (or a cache) should answer it, with the refresh
// interval that keeps its cost small; catalog views read over and over (pg_timezone_names,
// information_schema) whose answers only change with DDL; large tables that grow in time order, queried
// by time ranges or pruned by DELETE … WHERE ts < …, that partitioning by time would serve. Advice only:
// each needs a change in the application or a planned migration.
import { createHash } from 'node:crypto';
import type { Analyzer, FindingRow } from '../analyzer.ts';
import type { Row } from '../types.ts';
import type { WorkloadStatement } from '../../workload/types.ts';
import { qualified, quoteIdent } from '../index-spec.ts';
import { parseShape, type QueryShape } from './query-shape.ts';
import { loadTables, type CatalogTable } from './workload-catalog.ts';
import { formatBytes, formatMs, grade, gradeBasis, pct, round } from './workload-impact.ts';
import { windowHours, workloadOf } from './workload-input.ts';
import { qualifiedName, ResolvedStatement, shorten } from './workload-statements.ts';

export const DESIGN_LIMITS = {
  /** a repeated aggregate: at least this many calls, this mean time, and this share of the workload's time */
  aggregateMinCalls: 10,
  aggregateMinMeanMs: 20,
  aggregateMinShare: 0.05,
  /** a refresh may cost at most this fraction of the time the calls take now */
  refreshMaxOverhead: 0.1,
  /** a concurrent refresh costs about this many executions of the query */
  refreshExecutions: 2,
  /** catalog reads: at least this many calls, or this share of the workload's time */
  catalogMinCalls: 100,
  catalogMinShare: 0.01,
  catalogMinMeanMs: 1,
  /** partitioning: tables of at least this many bytes (or a quarter of it with a retention DELETE) */
  partitionMinBytes: 10 * 1024 ** 3,
  /** the time column follows the physical order at least this closely (|pg_stats.correlation|) */
  partitionMinCorrelation: 0.9,
};

/** Refresh intervals offered, shortest first (minutes). */
const INTERVALS: [number, string][] = [
  [1, 'every minute'],
  [5, 'every 5 minutes'],
  [15, 'every 15 minutes'],
  [60, 'hourly'],
  [24 * 60, 'daily'],
];

const CATALOG_VIEWS = new Set(['pg_timezone_names', 'pg_timezone_abbrevs']);
const TIME_TYPES = new Set(['timestamptz', 'timestamp', 'date']);

type Stmt = ResolvedStatement<WorkloadStatement>;

export const workloadDesign: Analyzer = {
  async run(ctx) {
    const workload = workloadOf(ctx);
    const hours = await windowHours(ctx.query, workload);
    const top = workload.statements.filter((s) => s.toplevel && s.calls > 0);
    const workloadMs = top.some((s) => s.totalMs !== null) ? top.reduce((a, s) => a + (s.totalMs ?? 0), 0) : null;
    const parsed: (WorkloadStatement & { shape: QueryShape })[] = [];
    for (const s of top) {
      const shape = await parseShape(s.query);
      if (shape && shape.kind !== 'other' && (shape.relations.length || shape.target)) parsed.push({ ...s, shape });
    }
    const tables = await loadTables(ctx.query, parsed.flatMap((p) => [...p.shape.relations, ...(p.shape.target ? [p.shape.target] : [])]));
    const resolved = parsed.map((p) => new ResolvedStatement(p, tables));
    const findings: FindingRow[] = [];
    const rows: Row[] = [];
    const facts = { hours, workloadMs };
    for (const st of resolved) {
      const agg = aggregateAdvice(st, facts, resolved);
      if (agg) findings.push(agg);
      const cat = catalogAdvice(st, facts);
      if (cat) findings.push(cat);
    }
    findings.push(...partitionAdvice(resolved, facts));
    for (const f of findings) rows.push({ advice: (f.evidence as { kind: string }).kind, target: f.target, title: f.title, severity: f.severity });
    return { columns: ['advice', 'target', 'title', 'severity'], rows, findings };
  },
};

interface Facts {
  hours: number | null;
  workloadMs: number | null;
}

function perHour(n: number, facts: Facts): number | null {
  return facts.hours ? n / facts.hours : null;
}

function stmtEvidence(st: Stmt, facts: Facts): Record<string, unknown> {
  const s = st.stmt;
  return {
    statement: s.id,
    queryid: s.queryid,
    query: shorten(s.query, 500),
    calls: s.calls,
    calls_per_hour: facts.hours ? round(s.calls / facts.hours) : null,
    mean_ms: s.meanMs === null ? null : round(s.meanMs, 3),
    total_ms: s.totalMs === null ? null : round(s.totalMs),
    share_of_time: facts.workloadMs && s.totalMs !== null ? round(s.totalMs / facts.workloadMs, 4) : null,
  };
}

/** A repeated, expensive aggregate: a materialized view refreshed on a schedule (or a cache, when it has parameters). */
function aggregateAdvice(st: Stmt, facts: Facts, all: Stmt[]): FindingRow | null {
  const s = st.stmt;
  const L = DESIGN_LIMITS;
  if (s.shape.kind !== 'select' || !s.shape.aggregates || s.shape.locking || s.meanMs === null || s.totalMs === null) return null;
  const userTables = [...new Set(s.shape.relations.map((_, i) => st.table(i)).filter((t): t is CatalogTable => t !== null))];
  if (!userTables.length) return null;
  const share = facts.workloadMs ? s.totalMs / facts.workloadMs : 0;
  if (s.calls < L.aggregateMinCalls || s.meanMs < L.aggregateMinMeanMs || share < L.aggregateMinShare) return null;
  const callsPerHour = perHour(s.calls, facts);
  // refresh: the shortest interval whose refreshes cost at most a tenth of what the calls take now
  const refreshMs = s.meanMs * L.refreshExecutions;
  const spentPerHour = callsPerHour !== null ? callsPerHour * s.meanMs : null;
  const interval = spentPerHour !== null ? INTERVALS.find(([min]) => (refreshMs * 60) / min <= spentPerHour * L.refreshMaxOverhead) ?? null : INTERVALS[2];
  if (spentPerHour !== null && !interval) return null;
  const [minutes, label] = interval!;
  const writes = tableWrites(userTables, all);
  const savedMs = s.totalMs - (facts.hours ? (refreshMs * 60 * facts.hours) / minutes : 0);
  const impact = { msPerHour: facts.hours ? Math.max(0, savedMs) / facts.hours : null, totalMs: Math.max(0, savedMs) };
  const names = userTables.map(qualifiedName);
  const params = s.shape.paramCount > 0;
  const view = `${userTables[0].name}_${createHash('sha256').update(s.query).digest('hex').slice(0, 8)}_mv`;
  const mv = qualified(userTables[0].schema, view);
  const key = s.shape.groupKey;
  const ddl = params
    ? null
    : [
        `CREATE MATERIALIZED VIEW ${mv} AS ${s.query.replace(/[\s;]+$/, '')};`,
        ...(key
          ? [
              `-- the unique index REFRESH MATERIALIZED VIEW CONCURRENTLY needs, on the columns that tell the view's rows apart:`,
              `CREATE UNIQUE INDEX ON ${mv} (${key.map(quoteIdent).join(', ')});`,
            ]
          : [
              `-- REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on output columns that tell the rows apart, and this query's`,
              `-- grouping is not all in its select list: add the GROUP BY expressions to it (named), or refresh without CONCURRENTLY,`,
              `-- which locks the view against reads while it runs.`,
            ]),
      ];
  const strategy = writes.changed
    ? `refresh it ${label} (REFRESH MATERIALIZED VIEW${key ? ' CONCURRENTLY' : ''}, from pg_cron or the application's scheduler): each refresh costs about ${formatMs(refreshMs)}, ` +
      `at most ${pct(L.refreshMaxOverhead)} of what the calls take now, and readers see results up to ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`} old`
    : `the tables it reads had no writes in the workload: refresh it after each data load (or from a trigger-queued job), not on a timer`;
  return {
    target: `statement ${s.id}`,
    key: `aggregate/${s.id}`,
    title: params
      ? `Cache the results of a repeated aggregate over ${names.join(', ')} (${s.calls.toLocaleString('en-US')} calls, ${formatMs(s.meanMs)} each)`
      : `Serve a repeated aggregate over ${names.join(', ')} from a materialized view (${s.calls.toLocaleString('en-US')} calls, ${formatMs(s.meanMs)} each)`,
    severity: grade(impact, false),
    rationale:
      `This aggregate runs ${s.calls.toLocaleString('en-US')} times${callsPerHour !== null ? ` (${round(callsPerHour)} per hour)` : ''} at ${formatMs(s.meanMs)} each, ` +
      `${pct(share)} of the workload's execution time, recomputing the same answer from ${names.join(', ')} every time. ` +
      (params
        ? `It takes parameters, so cache its result in the application keyed by them, or keep a summary table grouped by the parameterized columns that the query then filters. `
        : `A materialized view computes it once per refresh and serves every call from a small table: ${strategy}. `) +
      `The application must read the view (or cache) instead, which is why this is advice, not a migration.` +
      (writes.changed && params ? ` Expire cached results on writes to ${names.join(', ')} (${writes.text}).` : ''),
    evidence: {
      kind: params ? 'cache' : 'materialized view',
      statement: stmtEvidence(st, facts),
      tables: names,
      table_writes: writes.text,
      refresh: params ? null : { interval: label, interval_minutes: minutes, cost_ms_each: round(refreshMs), on_change: !writes.changed },
      materialized_view: ddl,
      severity_basis: gradeBasis(impact, false, null),
      thresholds: {
        min_calls: L.aggregateMinCalls,
        min_mean_ms: L.aggregateMinMeanMs,
        min_share_of_time: L.aggregateMinShare,
        refresh_max_overhead: L.refreshMaxOverhead,
        refresh_executions: L.refreshExecutions,
      },
    },
    up: null,
    down: null,
  };
}

function tableWrites(tables: CatalogTable[], all: Stmt[]): { changed: boolean; text: string } {
  const oids = new Set(tables.map((t) => t.oid));
  // statements run once are loads or migrations, not the writes a refresh has to follow
  const writers = all.filter((w) => w.stmt.shape.kind !== 'select' && w.stmt.calls >= 2 && w.targetTable() && oids.has(w.targetTable()!.oid));
  const calls = writers.reduce((a, w) => a + w.stmt.calls, 0);
  const counters = tables.reduce((a, t) => a + (t.activity ? t.activity.inserts + t.activity.updates + t.activity.deletes : 0), 0);
  return {
    changed: calls > 0,
    text: calls ? `${calls.toLocaleString('en-US')} calls of ${writers.length} writing statement${writers.length === 1 ? '' : 's'} in the workload` : `no writing statements in the workload (${counters.toLocaleString('en-US')} row writes in the statistics counters)`,
  };
}

/** Catalog views whose answer changes only with DDL or a time-zone update, read over and over. */
function catalogAdvice(st: Stmt, facts: Facts): FindingRow | null {
  const s = st.stmt;
  const L = DESIGN_LIMITS;
  if (s.shape.kind !== 'select' || s.meanMs === null || s.totalMs === null) return null;
  const views = st
    .allTables()
    .filter((t) => (t.schema === 'pg_catalog' && CATALOG_VIEWS.has(t.name)) || t.schema === 'information_schema')
    .map((t) => `${t.schema}.${t.name}`);
  if (!views.length) return null;
  const share = facts.workloadMs ? s.totalMs / facts.workloadMs : 0;
  if (s.meanMs < L.catalogMinMeanMs || (s.calls < L.catalogMinCalls && share < L.catalogMinShare)) return null;
  const impact = { msPerHour: facts.hours ? s.totalMs / facts.hours : null, totalMs: s.totalMs };
  const tz = views.some((v) => v.startsWith('pg_catalog.pg_timezone'));
  return {
    target: `statement ${s.id}`,
    key: `catalog/${s.id}`,
    title: `Cache a catalog read the application repeats: ${views.join(', ')} (${s.calls.toLocaleString('en-US')} calls, ${formatMs(s.meanMs)} each)`,
    severity: grade(impact, false),
    rationale:
      `${views.join(' and ')} ${views.length === 1 ? 'is' : 'are'} read ${s.calls.toLocaleString('en-US')} times at ${formatMs(s.meanMs)} each (${pct(share)} of the workload's execution time). ` +
      (tz
        ? 'pg_timezone_names reads the time-zone database from disk on every call, and its answer changes only when the server’s time-zone data is updated. '
        : 'information_schema views are built from several catalogs on every call, and their answer changes only with DDL. ') +
      'Read it once (at start-up, or per deploy) and keep it in the application.',
    evidence: { kind: 'catalog cache', statement: stmtEvidence(st, facts), catalog_views: views, severity_basis: gradeBasis(impact, false, null), thresholds: { min_calls: L.catalogMinCalls, min_share_of_time: L.catalogMinShare, min_mean_ms: L.catalogMinMeanMs } },
    up: null,
    down: null,
  };
}

/** Large tables growing in time order, read by time ranges or pruned by DELETE … WHERE ts < …: partition by time. */
function partitionAdvice(all: Stmt[], facts: Facts): FindingRow[] {
  const L = DESIGN_LIMITS;
  const byTable = new Map<number, { table: CatalogTable; column: string; ranges: Stmt[]; prunes: Stmt[] }>();
  for (const st of all) {
    const { shape } = st.stmt;
    shape.relations.forEach((rel, i) => {
      const t = st.table(i);
      if (!t || t.kind !== 'r') return;
      for (const p of shape.predicates) {
        if (p.op !== 'range' || p.key.expr || p.block !== rel.block || st.rel(p.key.column) !== i) continue;
        const col = t.columns.find((c) => c.name === p.key.column.column);
        if (!col || !TIME_TYPES.has(col.typeName) || Math.abs(col.correlation ?? 0) < L.partitionMinCorrelation) continue;
        const e = byTable.get(t.oid) ?? { table: t, column: col.name, ranges: [], prunes: [] };
        if (e.column !== col.name) continue;
        const list = shape.kind === 'delete' && (p.operator === '<' || p.operator === '<=') ? e.prunes : e.ranges;
        if (!list.includes(st)) list.push(st);
        byTable.set(t.oid, e);
      }
    });
  }
  const out: FindingRow[] = [];
  for (const { table, column, ranges, prunes } of byTable.values()) {
    const min = prunes.length ? L.partitionMinBytes / 4 : L.partitionMinBytes;
    const act = table.activity;
    if (table.bytes < min || !act || act.inserts <= act.deletes) continue;
    const stmts = [...prunes, ...ranges];
    const timeMs = stmts.reduce((a, s) => a + (s.stmt.totalMs ?? 0), 0);
    const impact = { msPerHour: facts.hours ? timeMs / facts.hours : null, totalMs: timeMs };
    const q = qualified(table.schema, table.name);
    const renamed = qualified(table.schema, `${table.name}_partitioned`);
    out.push({
      target: qualifiedName(table),
      key: `partition/${qualifiedName(table)}`,
      title: `Partition ${qualifiedName(table)} by ${column} (${formatBytes(table.bytes)}, growing in time order)`,
      severity: grade(impact, false),
      rationale:
        `${qualifiedName(table)} holds ${formatBytes(table.bytes)} (about ${Math.round(table.rows).toLocaleString('en-US')} rows) and grows in the order of ${column} ` +
        `(correlation ${round(table.columns.find((c) => c.name === column)?.correlation ?? 0)}; ${act.inserts.toLocaleString('en-US')} inserts against ${act.deletes.toLocaleString('en-US')} deletes in the statistics). ` +
        (ranges.length ? `${ranges.length} statement${ranges.length === 1 ? '' : 's'} read it by ranges of ${column}: with range partitions on ${column} the planner skips every partition outside the range. ` : '') +
        (prunes.length
          ? `${prunes.length} statement${prunes.length === 1 ? '' : 's'} delete old rows by ${column} (DELETE … WHERE ${column} < …): with partitions, retention becomes DETACH PARTITION … CONCURRENTLY and DROP TABLE — no dead rows, no vacuum, no bloat. `
          : '') +
        'Converting an existing table is a planned migration (a new partitioned table, the data copied or attached in batches), which is why this is advice.',
      evidence: {
        kind: 'partitioning',
        table: qualifiedName(table),
        column,
        table_bytes: table.bytes,
        table_rows: Math.round(table.rows),
        inserts: act.inserts,
        deletes: act.deletes,
        statements: stmts.map((s) => stmtEvidence(s, facts)),
        sketch: [
          `CREATE TABLE ${renamed} (LIKE ${q} INCLUDING ALL) PARTITION BY RANGE (${quoteIdent(column)});`,
          `-- one partition per month (per day when a day's rows reach gigabytes), created ahead of time:`,
          `-- CREATE TABLE … PARTITION OF ${renamed} FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');`,
        ],
        severity_basis: gradeBasis(impact, false, null),
        thresholds: { min_bytes: L.partitionMinBytes, min_bytes_with_retention_delete: L.partitionMinBytes / 4, min_correlation: L.partitionMinCorrelation },
      },
      up: null,
      down: null,
    });
  }
  return out;
}
