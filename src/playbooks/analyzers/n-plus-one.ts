// Analyzer "n-plus-one": statements that fetch one row by its unique key, called far more often
// than anything else — the inner query of a loop in the application. When another statement
// returns the keys (the same table's key, or a foreign key that points at it) and returned about
// as many rows as the lookup has calls, that statement is named as the loop's driver.
import type { Analyzer, FindingRow } from '../analyzer.ts';
import type { Row } from '../types.ts';
import type { Predicate } from './query-shape.ts';
import { uniqueKeys, type CatalogTable } from './workload-catalog.ts';
import { scanTokens } from '../../migration/sql-scan.ts';
import { quoteIdent } from './workload-ddl.ts';
import { parseStatements, qualifiedName, resolveStatements, shorten, topByTime, workloadStatements, type ResolvedStatement, type WorkloadStatement } from './workload-statements.ts';
import { formatMs, grade, gradeBasis } from './workload-impact.ts';
import { windowHours, workloadOf } from './workload-input.ts';

export const N_PLUS_ONE = {
  /** calls of a key lookup with a driver statement found */
  minCalls: 100,
  /** calls of a key lookup with no driver in pg_stat_statements */
  minCallsAlone: 1000,
  /** "about one row per call" */
  maxRowsPerCall: 1.5,
  /** the driver runs at most this fraction as often as the lookup */
  maxDriverCallRatio: 1 / 3,
  /** the driver returned at least this fraction of the lookup's calls as rows */
  minDriverRowCoverage: 0.5,
  /** statements considered: the most time-consuming… */
  topByTime: 500,
  /** …and the most called */
  topByCalls: 200,
  /** what one round trip the batched query avoids costs (network latency and per-statement overhead), assumed */
  roundTripMs: 0.5,
  /** without a driver the batch size is unknown: graded as if the calls were batched by this many */
  assumedBatch: 10,
};

interface Lookup {
  st: ResolvedStatement;
  rel: number;
  table: CatalogTable;
  key: string[];
  predicates: Predicate[];
}

interface Driver {
  st: ResolvedStatement;
  table: CatalogTable;
  column: string;
  via: 'same table' | 'foreign key';
}

export const nPlusOne: Analyzer = {
  async run(ctx) {
    // rows per call is the whole signal: statements whose sources do not count rows cannot be judged
    const known = workloadStatements((ctx.workload?.statements ?? []).filter((s) => s.rows != null));
    const statements = considered(known).filter((s) => s.toplevel && s.calls > 0);
    const resolved = await resolveStatements(ctx.query, await parseStatements(statements));
    const selects = resolved.filter((st) => st.stmt.shape.kind === 'select');
    const hours = await windowHours(ctx.query, workloadOf(ctx));

    const findings: FindingRow[] = [];
    const evidence: Row[] = [];
    for (const st of selects) {
      const { calls, rows: returned } = st.stmt;
      if (calls < N_PLUS_ONE.minCalls || returned / calls > N_PLUS_ONE.maxRowsPerCall) continue;
      const lookup = keyLookup(st);
      if (!lookup) continue;
      const driver = findDriver(lookup, selects);
      if (!driver && calls < N_PLUS_ONE.minCallsAlone) {
        evidence.push(evidenceRow(lookup, null, `no statement returning its keys; under ${N_PLUS_ONE.minCallsAlone} calls`));
        continue;
      }
      findings.push(await finding(lookup, driver, hours));
      evidence.push(evidenceRow(lookup, driver, driver ? 'likely N+1 loop' : 'hot single-row lookup (driver not found)'));
    }
    return { columns: ['table', 'lookup', 'calls', 'rows_per_call', 'driver', 'verdict'], rows: evidence, findings };
  },
};

/** The statements looked at: the 500 that took the most time and the 200 called most often. */
function considered(statements: WorkloadStatement[]): WorkloadStatement[] {
  const byCalls = [...statements].sort((a, b) => b.calls - a.calls).slice(0, N_PLUS_ONE.topByCalls);
  const picked = new Set([...topByTime(statements, N_PLUS_ONE.topByTime), ...byCalls]);
  return statements.filter((s) => picked.has(s));
}

/** The relation a statement fetches by a complete unique key compared with single $n parameters. */
function keyLookup(st: ResolvedStatement): Lookup | null {
  const { shape } = st.stmt;
  // Foreign-key checks the server runs itself (SELECT … FROM ONLY … FOR KEY SHARE) are not application loops.
  if (shape.locking && shape.relations.some((r) => r.only)) return null;
  for (const [index, rel] of shape.relations.entries()) {
    if (rel.block !== shape.topBlock) continue;
    const table = st.table(index);
    if (!table) continue;
    const params = shape.predicates.filter(
      (p) => p.block === shape.topBlock && p.op === 'eq' && p.param && !p.multi && !p.key.expr && st.rel(p.key.column) === index,
    );
    const cols = new Set(params.map((p) => p.key.column.column));
    const key = uniqueKeys(table).find((k) => k.every((c) => cols.has(c)));
    if (key) return { st, rel: index, table, key, predicates: params.filter((p) => key.includes(p.key.column.column)) };
  }
  return null;
}

function findDriver(lookup: Lookup, selects: ResolvedStatement[]): Driver | null {
  if (lookup.key.length !== 1) return null;
  const [keyColumn] = lookup.key;
  const calls = lookup.st.stmt.calls;
  let best: { driver: Driver; score: number } | null = null;
  for (const st of selects) {
    if (st === lookup.st) continue;
    if (st.stmt.calls > calls * N_PLUS_ONE.maxDriverCallRatio || st.stmt.rows < calls * N_PLUS_ONE.minDriverRowCoverage) continue;
    for (const out of outputColumns(st)) {
      const via = pointsAt(out.table, out.column, lookup.table, keyColumn);
      if (!via) continue;
      const score = Math.abs(st.stmt.rows - calls) / calls;
      if (!best || score < best.score) best = { driver: { st, table: out.table, column: out.column, via }, score };
    }
  }
  return best?.driver ?? null;
}

function outputColumns(st: ResolvedStatement): { table: CatalogTable; column: string }[] {
  const out: { table: CatalogTable; column: string }[] = [];
  for (const item of st.stmt.shape.outputs) {
    if ('star' in item) {
      for (const rel of item.star) {
        const t = st.table(rel);
        if (t) for (const c of t.columns) out.push({ table: t, column: c.name });
      }
    } else {
      const rel = st.rel(item.column);
      const t = rel === null ? null : st.table(rel);
      if (t) out.push({ table: t, column: item.column.column });
    }
  }
  return out;
}

function pointsAt(table: CatalogTable, column: string, target: CatalogTable, keyColumn: string): Driver['via'] | null {
  if (table.oid === target.oid && column === keyColumn) return 'same table';
  const fk = table.foreignKeys.find(
    (f) =>
      f.columns.length === 1 &&
      f.columns[0] === column &&
      f.refSchema === target.schema &&
      f.refTable === target.name &&
      f.refColumns[0] === keyColumn,
  );
  return fk ? 'foreign key' : null;
}

async function finding(lookup: Lookup, driver: Driver | null, hours: number | null): Promise<FindingRow> {
  const { st, table, key } = lookup;
  const s = st.stmt;
  // graded by the round trips batching saves: the lookups become as many queries as the driver ran
  const avoided = driver ? Math.max(0, s.calls - driver.st.stmt.calls) : s.calls * (1 - 1 / N_PLUS_ONE.assumedBatch);
  const savedMs = avoided * N_PLUS_ONE.roundTripMs;
  const impact = { msPerHour: hours ? savedMs / hours : null, totalMs: savedMs };
  const severity = grade(impact, !driver);
  const target = qualifiedName(table);
  const keyList = key.join(', ');
  const batched = await batchedRewrite(lookup);
  const join = driver
    ? `JOIN ${await sqlIdent(table.schema)}.${await sqlIdent(table.name)} ON ${await sqlIdent(table.name)}.${await sqlIdent(key[0])} = ` +
      `${await sqlIdent(driver.table.name)}.${await sqlIdent(driver.column)} in the driver query`
    : null;
  const rationale = driver
    ? `${target} is read one row at a time by ${keyList} (${s.calls.toLocaleString('en-US')} calls, ${perCall(s.rows, s.calls)}), ` +
      `and another statement (${driver.st.stmt.calls.toLocaleString('en-US')} calls, ${driver.st.stmt.rows.toLocaleString('en-US')} rows) returns ` +
      `${driver.table.name}.${driver.column}, which ${driver.via === 'same table' ? 'is that key' : 'references it'}: the application most likely loops ` +
      `over that result and runs one query per row (N+1). Each round trip costs network latency and per-statement overhead that ` +
      `one batched query pays once: fetch all keys with = ANY($1)${join ? ', or join the table into the driver query' : ''}.`
    : `${target} is read one row at a time by ${keyList} ${s.calls.toLocaleString('en-US')} times (${perCall(s.rows, s.calls)}) ` +
      `and no statement in pg_stat_statements returns those keys in bulk, so the caller is out of sight (another service, or rows paged in ` +
      `from a cache). Check whether the application loops over a list; if so, batch it with = ANY($1). If it is a hot lookup of the same ` +
      `few rows, cache them in the application.`;
  const cost =
    ` Batching avoids about ${Math.round(avoided).toLocaleString('en-US')} round trips${hours ? ` (${Math.round(avoided / hours).toLocaleString('en-US')} per hour)` : ''}` +
    `${driver ? '' : `, if the calls came in batches of ${N_PLUS_ONE.assumedBatch}`}; at an assumed ${N_PLUS_ONE.roundTripMs} ms each (latency within one region, more across regions) ` +
    `that is ${formatMs(impact.msPerHour ?? savedMs)} ${hours ? 'per hour' : 'over the workload'}.`;
  return {
    target,
    key: `${target}/${s.queryid}`,
    severity,
    title: driver
      ? `N+1: ${target} fetched by ${keyList} one row per query (${s.calls.toLocaleString('en-US')} calls) after a list query`
      : `Likely N+1: ${target} fetched by ${keyList} one row per query (${s.calls.toLocaleString('en-US')} calls)`,
    rationale: rationale + cost,
    evidence: {
      lookup: {
        queryid: s.queryid,
        query: shorten(s.query, 500),
        calls: s.calls,
        rows: s.rows,
        rows_per_call: round(s.rows / s.calls),
        mean_ms: round(s.meanMs),
        total_ms: round(s.totalMs),
        key: key,
      },
      driver: driver
        ? {
            queryid: driver.st.stmt.queryid,
            query: shorten(driver.st.stmt.query, 500),
            calls: driver.st.stmt.calls,
            rows: driver.st.stmt.rows,
            returns: `${driver.table.schema}.${driver.table.name}.${driver.column}`,
            via: driver.via,
            fan_out: round(s.calls / Math.max(driver.st.stmt.calls, 1)),
          }
        : null,
      batched_rewrite: batched,
      join_rewrite: join,
      round_trips_avoided: Math.round(avoided),
      round_trips_avoided_per_hour: hours ? round(avoided / hours) : null,
      severity_basis: gradeBasis(impact, !driver, driver ? null : `no driver found: batches of ${N_PLUS_ONE.assumedBatch} assumed`),
      thresholds: N_PLUS_ONE,
    },
    up: null,
    down: null,
  };
}

/**
 * The lookup with its key parameter turned into an array (`= ANY($1)`), selecting the key too so
 * the rows can be matched back. Null when the key is compared to something other than a bare $n.
 */
async function batchedRewrite(lookup: Lookup): Promise<string | null> {
  if (lookup.key.length !== 1) return null;
  const { shape, query } = lookup.st.stmt;
  const bytes = Buffer.from(query, 'utf8');
  const p = lookup.predicates[0];
  if (p.paramLocation == null || p.paramLocation < 0) return null;
  const m = /^\$(\d+)(?!\s*::)/.exec(bytes.subarray(p.paramLocation).toString('utf8'));
  if (!m) return null;
  const edits: { at: number; cut: number; text: string }[] = [{ at: p.paramLocation, cut: m[0].length, text: `ANY(${m[0]})` }];
  const selectsKey = shape.outputs.some((o) =>
    'star' in o ? o.star.includes(lookup.rel) : o.column.column === lookup.key[0] && lookup.st.rel(o.column) === lookup.rel,
  );
  if (!selectsKey && shape.selectListStart != null) {
    const rel = shape.relations[lookup.rel];
    const qualifier = rel.alias ?? rel.name;
    edits.push({ at: shape.selectListStart, cut: 0, text: `${await sqlIdent(qualifier)}.${await sqlIdent(lookup.key[0])}, ` });
  }
  edits.sort((a, b) => b.at - a.at);
  let out = bytes;
  for (const e of edits) {
    out = Buffer.concat([out.subarray(0, e.at), Buffer.from(e.text, 'utf8'), out.subarray(e.at + e.cut)]);
  }
  return out.toString('utf8');
}

/** An identifier as a person would write it: bare when the scanner reads it as a plain identifier. */
async function sqlIdent(name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return quoteIdent(name);
  const tokens = scanTokens(name);
  return tokens.length === 1 && tokens[0].tokenName === 'IDENT' ? name : quoteIdent(name);
}

function evidenceRow(lookup: Lookup, driver: Driver | null, verdict: string): Row {
  const s = lookup.st.stmt;
  return {
    table: qualifiedName(lookup.table),
    lookup: shorten(s.query, 160),
    calls: s.calls,
    rows_per_call: round(s.rows / s.calls),
    driver: driver ? shorten(driver.st.stmt.query, 160) : null,
    verdict,
  };
}

function perCall(rows: number, calls: number): string {
  const r = round(rows / calls);
  return `${r} row${r === 1 ? '' : 's'} per call`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
