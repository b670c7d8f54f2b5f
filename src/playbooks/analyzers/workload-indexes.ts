// Analyzer "workload-indexes": missing btree indexes proposed from pg_stat_statements and proven with
// hypopg. Each candidate (equality keys, then a range key, then ORDER BY keys) is created as a
// hypothetical index; every statement that filters its table is re-planned (generic plan) and the
// candidate is proposed only when a statement's plan uses it and gets cheaper by the thresholds
// below. Candidates are then chosen greedily by calls × cost saved, so one wider index that serves
// several statements wins over several narrow ones.
import type { Analyzer, AnalyzerContext, FindingRow } from '../analyzer.ts';
import { lockOf } from '../locks.ts';
import type { Row, ServerFacts } from '../types.ts';
import { buildCandidates, candidateLabel, type Candidate } from './workload-candidates.ts';
import { createIndexSql, dropIndexSql, estimateIndexBytes, indexName, keySql, qualified, quoteIdent, type IndexKey } from './workload-ddl.ts';
import { HypoError, withHypoLab, type HypoLab, type PlanCost } from './hypo-session.ts';
import { parseStatements, qualifiedName, resolveStatements, shorten, workloadStatements, type ResolvedStatement } from './workload-statements.ts';
import type { CatalogTable } from './workload-catalog.ts';

export const THRESHOLDS = {
  /** a statement counts as helped when its plan cost drops by at least this fraction… */
  minSavingFraction: 0.3,
  /** …and by at least this many planner cost units per execution (≈ sequential page reads) */
  minSavingCost: 25,
  /** statements considered, by total execution time */
  maxStatements: 100,
  /** hypothetical indexes tried, by the time their statements take */
  maxCandidates: 40,
};

interface StatementResult {
  stmt: ResolvedStatement;
  before: PlanCost;
  after: PlanCost;
  used: boolean;
}

interface Evaluation {
  candidate: Candidate;
  hypoBytes: number | null;
  results: StatementResult[];
  error: string | null;
}

interface TableActivity {
  /** the probe's verdict: a large table read mostly by sequential scans */
  seqHeavy: boolean;
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  writes: number;
  hotUpdates: number;
  updates: number;
}

export const workloadIndexes: Analyzer = {
  async run(ctx) {
    const activity = readActivity(ctx.inputs.workload_tables);

    const statements = workloadStatements(ctx.workload?.statements ?? [])
      .filter((s) => s.toplevel && s.calls > 0)
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, THRESHOLDS.maxStatements);
    const totalMs = statements.reduce((a, s) => a + s.totalMs, 0);
    const parsed = (await parseStatements(statements)).filter((s) => s.shape.kind !== 'insert' || s.shape.predicates.length);
    const resolved = await resolveStatements(ctx.query, parsed);
    const candidates = buildCandidates(resolved)
      .sort((a, b) => weight(b) - weight(a) || a.id.localeCompare(b.id))
      .slice(0, THRESHOLDS.maxCandidates);

    const lab = await withHypoLab(ctx.query, (l) => evaluate(l, candidates, resolved, ctx.signal));
    if (lab.result === null) throw new Error(lab.reason);
    const chosen = choose(lab.result);
    const taken = await relationNames(ctx, chosen.map((c) => c.evaluation.candidate.table.schema));
    const findings = await quoteTargets(ctx, chosen.map((c) => finding(c.evaluation, c.served, ctx.server, activity, totalMs, taken)));
    return { columns: EVIDENCE_COLUMNS, rows: evidenceRows(lab.result, chosen, findings, activity), findings };
  },
};

function weight(c: Candidate): number {
  return c.statements.reduce((a, s) => a + s.stmt.totalMs, 0);
}

async function evaluate(lab: HypoLab, candidates: Candidate[], statements: ResolvedStatement[], signal: AbortSignal): Promise<Evaluation[]> {
  const baseline = new Map<ResolvedStatement, PlanCost | null>();
  const costOf = async (st: ResolvedStatement) => {
    if (!baseline.has(st)) baseline.set(st, (await lab.cost(st.stmt.query)).cost);
    return baseline.get(st) ?? null;
  };
  const out: Evaluation[] = [];
  for (const candidate of candidates) {
    if (signal.aborted) break;
    // Every statement that produced a candidate on this table: a wider index may serve them all.
    const related = statements.filter((st) => candidates.some((c) => c.table.oid === candidate.table.oid && c.statements.includes(st)));
    const before: [ResolvedStatement, PlanCost][] = [];
    for (const st of related) {
      const cost = await costOf(st);
      if (cost) before.push([st, cost]);
    }
    if (!before.length) {
      out.push({ candidate, hypoBytes: null, results: [], error: 'none of its statements can be planned standalone' });
      continue;
    }
    let hypo;
    try {
      hypo = await lab.create(`CREATE INDEX ON ${qualified(candidate.table.schema, candidate.table.name)} USING btree (${candidate.keys.map(keySql).join(', ')})`);
    } catch (err) {
      if (err instanceof HypoError) throw err;
      out.push({ candidate, hypoBytes: null, results: [], error: `hypopg could not create it: ${String((err as Error).message).split('\n')[0]}` });
      continue;
    }
    const results: StatementResult[] = [];
    try {
      for (const [stmt, cost] of before) {
        const after = (await lab.cost(stmt.stmt.query)).cost;
        if (after) results.push({ stmt, before: cost, after, used: after.indexes.includes(hypo.name) });
      }
    } finally {
      await lab.drop(hypo);
    }
    out.push({ candidate, hypoBytes: hypo.bytes, results, error: null });
  }
  return out;
}

export function helps(r: StatementResult): boolean {
  const saved = r.before.total - r.after.total;
  return r.used && saved >= THRESHOLDS.minSavingCost && saved >= r.before.total * THRESHOLDS.minSavingFraction;
}

/** Greedy choice: the candidate saving the most calls × cost on statements not yet served, until none helps. */
function choose(evaluations: Evaluation[]): { evaluation: Evaluation; served: StatementResult[] }[] {
  const chosen: { evaluation: Evaluation; served: StatementResult[] }[] = [];
  const served = new Set<ResolvedStatement>();
  const left = evaluations.filter((e) => e.results.some(helps));
  for (;;) {
    let best: { evaluation: Evaluation; served: StatementResult[]; benefit: number } | null = null;
    for (const e of left) {
      const mine = e.results.filter((r) => helps(r) && !served.has(r.stmt));
      const benefit = mine.reduce((a, r) => a + r.stmt.stmt.calls * (r.before.total - r.after.total), 0);
      if (!mine.length) continue;
      if (
        !best ||
        benefit > best.benefit ||
        (benefit === best.benefit && e.candidate.keys.length < best.evaluation.candidate.keys.length) ||
        (benefit === best.benefit && e.candidate.keys.length === best.evaluation.candidate.keys.length && e.candidate.id < best.evaluation.candidate.id)
      ) {
        best = { evaluation: e, served: mine, benefit };
      }
    }
    if (!best) break;
    chosen.push({ evaluation: best.evaluation, served: best.served });
    for (const r of best.served) served.add(r.stmt);
    left.splice(left.indexOf(best.evaluation), 1);
  }
  return chosen;
}

function finding(
  e: Evaluation,
  served: StatementResult[],
  server: ServerFacts,
  activity: Map<string, TableActivity>,
  totalMs: number,
  taken: Map<string, Set<string>>,
): FindingRow {
  const { table, keys } = e.candidate;
  const names = taken.get(table.schema) ?? new Set<string>();
  const name = indexName(table.name, keys, names);
  names.add(name);
  taken.set(table.schema, names);
  const label = `${qualifiedName(table)} (${candidateLabel(e.candidate)})`;
  const calls = served.reduce((a, r) => a + r.stmt.stmt.calls, 0);
  const timeMs = served.reduce((a, r) => a + r.stmt.stmt.totalMs, 0);
  const best = Math.max(...served.map((r) => 1 - r.after.total / r.before.total));
  const act = activity.get(`${table.schema}.${table.name}`);
  const days = statsAgeDays(server);
  // Under a day of statistics a per-day rate would be an extrapolation; show the raw count instead.
  const writesPerDay = act && days && days >= 1 ? Math.round(act.writes / days) : null;
  const estimate = estimateIndexBytes(table.rows, keys.map((k) => keyWidth(table, k)));
  const partitioned = table.kind === 'p';
  const sizeText = `about ${formatBytes(e.hypoBytes ?? estimate)}`;
  const writeText =
    writesPerDay != null
      ? `${writesPerDay.toLocaleString('en-US')} row writes/day on the table, each also maintaining this index`
      : act && days
        ? `${act.writes.toLocaleString('en-US')} row writes on the table in the ${formatAge(days)} since statistics were reset, each also maintaining this index`
        : 'write rate unknown';
  const rationale =
    `${served.length} statement${served.length === 1 ? '' : 's'} (${calls.toLocaleString('en-US')} calls, ` +
    `${pct(timeMs / Math.max(totalMs, 1e-9))} of the workload's execution time) plan up to ${pct(best)} cheaper with this index ` +
    `(hypopg, generic plans; proposed only when a plan uses it and saves ≥ ${pct(THRESHOLDS.minSavingFraction)} and ≥ ${THRESHOLDS.minSavingCost} cost units). ` +
    `Cost: ${sizeText} on disk; ${writeText}.` +
    (partitioned ? ' The table is partitioned: CREATE INDEX CONCURRENTLY does not work on a partitioned table, so this is advice — build it per partition (see evidence).' : '');
  // the index name is quoted by the server afterwards (quoteTargets), as quote_ident would
  const target = `${qualifiedName(table)}.${name}`;
  return {
    target,
    key: target,
    title: `Add index on ${label}`,
    rationale,
    evidence: {
      table: qualifiedName(table),
      index_name: name,
      keys: keys.map((k) => ({ column: k.column, function: k.func?.join('.') ?? null, desc: k.desc })),
      source: e.candidate.source,
      statements: served.map((r) => ({
        queryid: r.stmt.stmt.queryid,
        query: shorten(r.stmt.stmt.query),
        calls: r.stmt.stmt.calls,
        mean_ms: round(r.stmt.stmt.meanMs),
        total_ms: round(r.stmt.stmt.totalMs),
        cost_before: round(r.before.total),
        cost_after: round(r.after.total),
        saving: round(1 - r.after.total / r.before.total),
        plan_before: r.before.nodes.join(' > '),
        plan_after: r.after.nodes.join(' > '),
      })),
      thresholds: { min_saving_fraction: THRESHOLDS.minSavingFraction, min_saving_cost: THRESHOLDS.minSavingCost },
      method: 'hypopg hypothetical index; generic plans via PREPARE + EXPLAIN EXECUTE under plan_cache_mode = force_generic_plan',
      index_bytes_hypopg: e.hypoBytes,
      index_bytes_estimate: estimate,
      table_rows: Math.round(table.rows),
      table_bytes: table.bytes,
      existing_indexes: table.indexes.map((i) => i.definition),
      writes_per_day: writesPerDay,
      writes_since_stats_reset: act?.writes ?? null,
      stats_age_days: days ? round(days) : null,
      hot_update_ratio: act && act.updates ? round(act.hotUpdates / act.updates) : null,
      seq_scans: act?.seqScan ?? null,
      seq_rows_read: act?.seqTupRead ?? null,
      ...(partitioned ? { partitioned_procedure: partitionedProcedure(table, name, keys) } : { lock: lockOf('SHARE UPDATE EXCLUSIVE', [qualified(table.schema, table.name)], 'build') }),
    },
    up: partitioned ? null : createIndexSql(table.schema, table.name, name, keys),
    down: partitioned ? null : dropIndexSql(table.schema, name),
  };
}

function partitionedProcedure(table: CatalogTable, name: string, keys: IndexKey[]): string[] {
  return [
    `-- for each partition P of ${qualified(table.schema, table.name)}: CREATE INDEX CONCURRENTLY ON P USING btree (${keys.map(keySql).join(', ')});`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ONLY ${qualified(table.schema, table.name)} USING btree (${keys.map(keySql).join(', ')});`,
    `-- then for each partition index: ALTER INDEX ${qualified(table.schema, name)} ATTACH PARTITION <partition index>;`,
  ];
}

const EVIDENCE_COLUMNS = ['table', 'keys', 'statements', 'best_saving', 'verdict'];

function evidenceRows(
  evaluations: Evaluation[],
  chosen: { evaluation: Evaluation }[],
  findings: FindingRow[],
  activity: Map<string, TableActivity>,
): Row[] {
  const rows: Row[] = evaluations.map((e) => {
    const i = chosen.findIndex((c) => c.evaluation === e);
    const best = e.results.length ? Math.max(...e.results.map((r) => (r.used ? 1 - r.after.total / r.before.total : 0))) : null;
    const verdict =
      i >= 0
        ? `proposed: ${findings[i].target}`
        : e.error
          ? e.error
          : !e.results.some((r) => r.used)
            ? 'not used by any plan'
            : e.results.some(helps)
              ? 'a wider proposed index serves the same statements'
              : `below threshold (saves < ${pct(THRESHOLDS.minSavingFraction)} or < ${THRESHOLDS.minSavingCost} cost units)`;
    return {
      table: qualifiedName(e.candidate.table),
      keys: candidateLabel(e.candidate),
      statements: e.candidate.statements.length,
      best_saving: best == null ? null : round(best),
      verdict,
    };
  });
  // Tables the scans say are read in full, but no statement filters them in a way a btree serves.
  for (const [table, act] of activity) {
    if (act.seqHeavy && !rows.some((r) => r.table === table)) {
      rows.push({ table, keys: null, statements: 0, best_saving: null, verdict: `${act.seqScan} sequential scans; no statement filters it by a btree-indexable condition` });
    }
  }
  return rows;
}

function readActivity(rows: Row[]): Map<string, TableActivity> {
  const out = new Map<string, TableActivity>();
  for (const r of rows) {
    if (r.schema == null || r.table == null) continue;
    out.set(`${r.schema}.${r.table}`, {
      seqHeavy: Boolean(r.seq_heavy),
      seqScan: Number(r.seq_scan ?? 0),
      seqTupRead: Number(r.seq_tup_read ?? 0),
      idxScan: Number(r.idx_scan ?? 0),
      writes: Number(r.n_tup_ins ?? 0) + Number(r.n_tup_upd ?? 0) + Number(r.n_tup_del ?? 0),
      hotUpdates: Number(r.n_tup_hot_upd ?? 0),
      updates: Number(r.n_tup_upd ?? 0),
    });
  }
  return out;
}

async function relationNames(ctx: AnalyzerContext, schemas: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (!schemas.length) return out;
  const rows = await ctx.query(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])`,
    [[...new Set(schemas)]],
  );
  for (const r of rows) {
    const set = out.get(String(r.schema)) ?? new Set<string>();
    set.add(String(r.name));
    out.set(String(r.schema), set);
  }
  return out;
}

function keyWidth(table: CatalogTable, k: IndexKey): number {
  const w = table.columns.find((c) => c.name === k.column)?.width;
  return w && w > 0 ? w : 8;
}

export function statsAgeDays(server: ServerFacts): number | null {
  const since = server.statsReset ?? server.postmasterStart;
  if (!since) return null;
  const ms = Date.now() - new Date(since).getTime();
  return ms > 0 ? ms / 86_400_000 : null;
}

function formatAge(days: number): string {
  if (days >= 1) return `${round(days)} days`;
  const hours = days * 24;
  return hours >= 1 ? `${Math.round(hours)} h` : `${Math.max(1, Math.round(hours * 60))} min`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(n < 10 ? 1 : 0) : n} ${units[i]}`;
}

/** Index names in targets quoted the way the SQL checks quote them (quote_ident: only when needed). */
async function quoteTargets(ctx: AnalyzerContext, findings: FindingRow[]): Promise<FindingRow[]> {
  if (!findings.length) return findings;
  const names = findings.map((f) => String((f.evidence as { index_name?: string } | undefined)?.index_name ?? ''));
  const rows = await ctx.query(`SELECT quote_ident(n) AS q FROM unnest($1::text[]) WITH ORDINALITY AS u(n, o) ORDER BY o`, [names]);
  return findings.map((f, i) => {
    const table = String((f.evidence as { table?: string }).table);
    const target = `${table}.${rows[i].q}`;
    return { ...f, target, key: target };
  });
}
