// Analyzer "workload-indexes": the indexes the application's statements need, every kind an expert would
// write (workload-candidates.ts), each planned before and after with a hypothetical index where hypopg
// can create it and estimated from pg_stats and the cost model where it cannot (workload-validate.ts),
// chosen workload-wide net of write cost (workload-select.ts) and proposed with evidence
// (workload-findings.ts). Its result table aligns the top statements with the index serving each today,
// the proposed one, and the cost before and after (ALIGNMENT_COLUMNS).
import type { Analyzer, AnalyzerContext, FindingRow } from '../analyzer.ts';
import type { Row } from '../types.ts';
import type { WorkloadStatement } from '../../workload/types.ts';
import { createdAfter } from '../../migration/creation-mark.ts';
import { quoteIdent, serves } from '../index-spec.ts';
import { indexStatements } from '../index-parse.ts';
import { parseShape, type QueryShape } from './query-shape.ts';
import { HypoLab } from './hypo-session.ts';
import { buildCandidates, candidateDdl, droppable, parsedOf, type Candidate, type CandidateSkip } from './workload-candidates.ts';
import { loadTables, recreateStatements, type CatalogIndex, type CatalogTable } from './workload-catalog.ts';
import { COST_SETTINGS_SQL, costSettings } from './workload-estimate.ts';
import { EXTENSION_SCHEMA, proposal, type FindingContext } from './workload-findings.ts';
import { entriesPerRow, entryCost, msPerCost, round } from './workload-impact.ts';
import { paramValues, windowHours, workloadOf } from './workload-input.ts';
import { choose, SELECTION, type Verdict } from './workload-select.ts';
import { qualifiedName, ResolvedStatement, shorten } from './workload-statements.ts';
import { evaluate, planBaseline, type Baseline, type Evaluation, type WStmt } from './workload-validate.ts';

export const WORKLOAD_LIMITS = {
  /** statements analysed, by total execution time (by calls when the workload has no times) */
  maxStatements: 200,
  /** statements in the alignment table */
  alignmentRows: 50,
};

/**
 * The result table, the query-to-index alignment: one row per top statement (by total time), in the
 * columns below — those a reader needs first come first, so a narrow table shows them. Stable (the report
 * reads them): query (normalized, shortened), calls, mean_ms, index_today (the indexes its plan uses today,
 * or none), cost_today (its plan's cost), proposed (the names of the indexes proposed for it, as the
 * catalog will hold them), cost_after (with the proposal), saving (fraction of the cost), validated (hypopg
 * | estimate), verdict (proposed, served today, or why not), share_of_time, calls_per_hour, tables,
 * plan_today (node types, outermost first), proposed_targets (the proposals' finding targets, `; `-separated),
 * rank, statement (workload id), queryid.
 */
export const ALIGNMENT_COLUMNS = [
  'query',
  'calls',
  'mean_ms',
  'index_today',
  'cost_today',
  'proposed',
  'cost_after',
  'saving',
  'validated',
  'verdict',
  'share_of_time',
  'calls_per_hour',
  'tables',
  'plan_today',
  'proposed_targets',
  'rank',
  'statement',
  'queryid',
];

const DROP_CHECKS = ['duplicate_indexes', 'redundant_indexes', 'unused_indexes'];
/** statistics counters younger than this give no write rate (one-off loads would dominate it) */
const MIN_COUNTER_HOURS = 24;

export const workloadIndexes: Analyzer = {
  async run(ctx) {
    const workload = workloadOf(ctx);
    const hours = await windowHours(ctx.query, workload);
    const chosenStatements = workload.statements
      .filter((s) => s.toplevel && s.calls > 0)
      .sort((a, b) => (b.totalMs ?? 0) - (a.totalMs ?? 0) || b.calls - a.calls || a.id.localeCompare(b.id))
      .slice(0, WORKLOAD_LIMITS.maxStatements);
    const workloadMs = workload.statements.some((s) => s.totalMs !== null) ? workload.statements.filter((s) => s.toplevel).reduce((a, s) => a + (s.totalMs ?? 0), 0) : null;

    const parsed: (WorkloadStatement & { shape: QueryShape })[] = [];
    for (const s of chosenStatements) {
      const shape = await parseShape(s.query);
      if (shape && shape.kind !== 'other') parsed.push({ ...s, shape });
    }
    const tables = await loadTables(ctx.query, parsed.flatMap((p) => [...p.shape.relations, ...(p.shape.target ? [p.shape.target] : [])]));
    const resolved = parsed.map((p) => new ResolvedStatement(p, tables));
    const readers = resolved.filter((st) => st.stmt.shape.relations.length && (st.stmt.shape.kind !== 'insert' || st.stmt.shape.predicates.length));

    const settings = costSettings(await ctx.query(COST_SETTINGS_SQL));
    const [ext] = await ctx.query(
      `SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm') AS trgm,
              EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_trgm') AS trgm_available,
              to_regnamespace($1) IS NOT NULL AS ext_schema`,
      [EXTENSION_SCHEMA],
    );
    const droppedElsewhere = new Map<string, string>();
    for (const check of DROP_CHECKS) for (const r of ctx.inputs[check] ?? []) for (const d of (r.drops as string[] | null) ?? []) droppedElsewhere.set(d, `indexes/${check}`);

    const opened = await HypoLab.open(ctx.query, { plansOnly: true });
    const lab = opened.lab!;
    try {
      const baselines = new Map<WStmt, Baseline>();
      for (const st of readers) {
        if (ctx.signal.aborted) break;
        baselines.set(st, await planBaseline(lab, st, workload));
      }
      // a statement whose plan uses an index pgadvisor created, with times the workload may have measured
      // before that index existed, is not a candidate again: those times would credit a second index with
      // the first one's saving (the next run must not contradict the migration it wrote)
      const fresh = freshSince(workload, hours);
      const earlier = new Map<WStmt, CandidateSkip>();
      for (const st of readers) {
        const skip = servedByCreatedIndex(st, baselines.get(st), fresh);
        if (skip) earlier.set(st, skip);
      }
      const built = buildCandidates({
        statements: readers.filter((st) => !earlier.has(st)),
        values: (st) => paramValues(workload, st.stmt as unknown as WorkloadStatement),
        preferLeading: fkColumns(ctx.inputs.fk_without_index ?? [], tables),
        trgmSchema: ext?.trgm == null ? null : String(ext.trgm),
        trgmAvailable: ext?.trgm_available === true,
      });
      const { candidates } = built;
      const skips: CandidateSkip[] = [...built.skips, ...earlier.values()];
      const weight = (c: Candidate) => c.statements.reduce((a, s) => a + ((s.stmt as unknown as WorkloadStatement).totalMs ?? s.stmt.calls), 0);
      candidates.sort((a, b) => weight(b) - weight(a) || a.id.localeCompare(b.id));

      const budget = { started: performance.now(), candidates: 0 };
      const evaluations: Evaluation[] = [];
      for (const c of candidates) {
        if (ctx.signal.aborted) break;
        const replaces = replacedIndex(c);
        const related = relatedBaselines(c, candidates, baselines, replaces);
        evaluations.push(await evaluate(lab, c, related, { settings, replaces, budget }));
      }

      const rate = msPerCost([...baselines.values()].filter((b) => b.variants.length).map((b) => ({ meanMs: b.st.stmt.meanMs, cost: b.variants[0].plan.total })));
      const statsHours = statsAgeHours(ctx);
      const writes = writeRates(resolved, hours, statsHours);
      const perEntryMs = (t: CatalogTable) => entryCost(settings, t.rows) * rate.rate;
      // the workload's time: as its sources measured it, else (a .sql file) the analysed statements' planned cost
      const floorBase =
        workloadMs ?? [...baselines.values()].reduce((a, b) => a + (b.variants.length ? b.variants[0].plan.total * rate.rate * b.st.stmt.calls : 0), 0);
      const { choices, verdicts } = choose(evaluations, {
        minBenefitMs: (SELECTION.minWorkloadShare * floorBase) / (hours ?? 1),
        msPerCost: rate.rate,
        windowHours: hours,
        writeCostMs: (e) => {
          const w = writes(e.candidate.table);
          const amount = hours ? (w.perHour ?? 0) : w.total;
          return amount * perEntryMs(e.candidate.table) * entriesPerRow(e.candidate) * (e.candidate.predicate?.fraction ?? 1);
        },
      });

      // one index is replaced by one proposal only: the first chosen (it saves the most) drops it; the
      // others that would replace it too are plain additions, the index being dropped by that one
      const replacedIn = (ch: (typeof choices)[number]) => (ch.evaluation.replaces ? `${quoteIdent(ch.evaluation.replaces.schema)}.${quoteIdent(ch.evaluation.replaces.name)}` : null);
      const owners = new Map<string, (typeof choices)[number]>();
      for (const ch of choices) {
        const q = replacedIn(ch);
        if (q && !droppedElsewhere.has(q) && !owners.has(q)) owners.set(q, ch);
      }
      const schemas = [...new Set(choices.map((c) => c.evaluation.candidate.table.schema))];
      const fctx: FindingContext = {
        server: ctx.server,
        windowHours: hours,
        workloadMs,
        taken: await relationNames(ctx, schemas),
        recreate: await recreateStatements(
          ctx.query,
          choices.flatMap((c) => (c.evaluation.replaces?.oid !== undefined ? [c.evaluation.replaces.oid] : [])),
        ),
        extensionSchemaExists: Boolean(ext?.ext_schema),
        updates: updatesByTable(resolved),
        writes,
        droppedElsewhere,
      };
      const proposals = choices.map((c) => {
        const q = replacedIn(c);
        const owner = q ? owners.get(q) : undefined;
        if (!q || !owner || owner === c) return proposal(c, fctx);
        const by = `the proposal of (${owner.evaluation.candidate.labels.join(', ')}) on the same table`;
        return proposal(c, { ...fctx, droppedElsewhere: new Map([...droppedElsewhere, [q, by]]) });
      });
      const findings = await quoteTargets(ctx, proposals.map((p) => p.finding));
      const proposed = new Map(proposals.map((p, i) => [p.choice, { target: findings[i].target, name: String((findings[i].evidence as { index_name?: string }).index_name) }]));
      const rows = alignment([...baselines.values()], verdicts, skips, proposed, hours, workloadMs);
      return { columns: ALIGNMENT_COLUMNS, rows, findings };
    } finally {
      await lab.close();
    }
  },
};

/**
 * Since when the workload's times are known to be measured: live pg_stat_statements alone, since its reset
 * (the window's start); a file, or a mix, may hold times from any earlier day: null.
 */
function freshSince(workload: { sources: { kind: string }[] }, hours: number | null): Date | null {
  if (hours === null || !workload.sources.every((s) => s.kind === 'pg_stat_statements')) return null;
  return new Date(Date.now() - hours * 3_600_000);
}

/**
 * When the statement's plan uses an index pgadvisor created (its comment says so) after `fresh`, or with
 * `fresh` unknown: why the statement is not a candidate again.
 */
function servedByCreatedIndex(st: WStmt, baseline: Baseline | undefined, fresh: Date | null): CandidateSkip | null {
  const used = new Set(baseline?.variants[0]?.plan.indexes ?? []);
  if (!used.size) return null;
  for (const table of st.allTables()) {
    for (const ix of table.indexes) {
      if (!used.has(ix.name)) continue;
      const after = createdAfter(ix.comment);
      if (!after || (fresh !== null && fresh > after)) continue;
      return {
        statement: st,
        table,
        reason: `served by ${ix.name}, which pgadvisor created; the workload's times may predate it, so they cannot rank a further index (reset pg_stat_statements or take a newer workload to re-measure)`,
      };
    }
  }
  return null;
}

/** An existing index the candidate makes redundant: droppable, and its keys lead the candidate's. */
function replacedIndex(c: Candidate): CatalogIndex | null {
  if (c.method !== 'btree') return null;
  const mine = parsedOf(c.table, candidateDdl(c));
  if (!mine) return null;
  for (const ix of c.table.indexes) {
    if (!droppable(ix) || ix.method !== 'btree') continue;
    const theirs = parsedOf(c.table, ix.definition);
    if (theirs && theirs.keys.length < mine.keys.length + (c.include.length ? 1 : 0) && serves(mine, theirs, 0)) return ix;
  }
  return null;
}

/** Every statement that asked for an index on the table (a wider index may serve them all), and the users of the index it replaces. */
function relatedBaselines(c: Candidate, all: Candidate[], baselines: Map<WStmt, Baseline>, replaces: CatalogIndex | null): Baseline[] {
  const out = new Set<Baseline>();
  for (const other of all) {
    if (other.table.oid !== c.table.oid) continue;
    for (const st of other.statements) {
      const b = baselines.get(st as WStmt);
      if (b) out.add(b);
    }
  }
  if (replaces) {
    for (const b of baselines.values()) if (b.variants.some((v) => v.plan.indexes.includes(replaces.name))) out.add(b);
  }
  return [...out];
}

/** Columns of foreign keys without an index (the fk_without_index rows' CREATE INDEX), per table oid. */
function fkColumns(rows: Row[], tables: Map<string, CatalogTable | null>): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const byName = new Map<string, CatalogTable>();
  for (const t of tables.values()) if (t) byName.set(`${t.schema}\u0000${t.name}`, t);
  for (const r of rows) {
    for (const ix of indexStatements(typeof r.up === 'string' ? r.up : null).creates) {
      const t = ix.schema ? byName.get(`${ix.schema}\u0000${ix.table}`) : undefined;
      if (!t) continue;
      const set = out.get(t.oid) ?? new Set<string>();
      for (const k of ix.keys) if (k.column) set.add(k.column);
      out.set(t.oid, set);
    }
  }
  return out;
}

function statsAgeHours(ctx: AnalyzerContext): number | null {
  const since = ctx.server.statsReset ?? ctx.server.postmasterStart;
  if (!since) return null;
  const h = (Date.now() - new Date(since).getTime()) / 3_600_000;
  return h > 0 ? h : null;
}

/**
 * Row writes that add index entries, per table: the workload's own INSERT and UPDATE statements run more
 * than once (counted over the same window as the time an index saves), else the statistics counters
 * (inserts and non-HOT updates) over their own window when they cover a day or more.
 */
function writeRates(resolved: WStmt[], workloadHours: number | null, statsHours: number | null): FindingContext['writes'] {
  const fromWorkload = new Map<number, number>();
  for (const st of resolved) {
    // a statement run once is a load or a migration, not a write rate
    if (!['insert', 'update'].includes(st.stmt.shape.kind) || st.stmt.calls < 2) continue;
    const t = st.targetTable();
    if (!t) continue;
    const rows = st.stmt.rows ?? st.stmt.calls;
    fromWorkload.set(t.oid, (fromWorkload.get(t.oid) ?? 0) + rows);
  }
  return (t) => {
    const own = fromWorkload.get(t.oid) ?? 0;
    if (own > 0) return { perHour: workloadHours ? own / workloadHours : null, total: own, source: "the workload's repeated INSERT and UPDATE statements" };
    const a = t.activity;
    const counted = a ? a.inserts + Math.max(0, a.updates - a.hotUpdates) : 0;
    // under a day of counters (a restore, a bulk load just done) a rate would extrapolate one-off writes
    if (counted > 0 && statsHours && statsHours >= MIN_COUNTER_HOURS) return { perHour: counted / statsHours, total: counted, source: 'statistics counters since their reset' };
    if (counted > 0) return { perHour: workloadHours ? 0 : null, total: 0, source: `unknown: the statistics counters cover under ${MIN_COUNTER_HOURS} hours and the workload has no writes to this table` };
    return { perHour: workloadHours ? 0 : null, total: 0, source: 'no writes seen' };
  };
}

function updatesByTable(resolved: WStmt[]): Map<number, { columns: Set<string>; calls: number }[]> {
  const out = new Map<number, { columns: Set<string>; calls: number }[]>();
  for (const st of resolved) {
    if (!st.stmt.shape.setColumns.length) continue;
    const t = st.targetTable();
    if (!t) continue;
    const list = out.get(t.oid) ?? [];
    list.push({ columns: new Set(st.stmt.shape.setColumns), calls: st.stmt.calls });
    out.set(t.oid, list);
  }
  return out;
}

function alignment(
  baselines: Baseline[],
  verdicts: Verdict[],
  skips: CandidateSkip[],
  proposed: Map<unknown, { target: string; name: string }>,
  hours: number | null,
  workloadMs: number | null,
): Row[] {
  const ranked = [...baselines].sort((a, b) => (b.st.stmt.totalMs ?? 0) - (a.st.stmt.totalMs ?? 0) || b.st.stmt.calls - a.st.stmt.calls || a.st.stmt.id.localeCompare(b.st.stmt.id));
  return ranked.slice(0, WORKLOAD_LIMITS.alignmentRows).map((b, i) => {
    const s = b.st.stmt;
    const plan = b.variants[0]?.plan ?? null;
    const tables = [...new Set(s.shape.relations.map((_, r) => b.st.table(r)).filter((t): t is CatalogTable => t !== null).map(qualifiedName))];
    const serving = verdicts.filter((v) => v.chosen?.served.some((x) => x.outcome.baseline === b));
    const served = serving.map((v) => v.chosen!.served.find((x) => x.outcome.baseline === b)!);
    const mine = verdicts.filter((v) => v.evaluation.outcomes.some((o) => o.baseline === b));
    const reason = mine.find((v) => !v.chosen)?.reason ?? null;
    const skip = skips.find((k) => k.statement === (b.st as unknown));
    const verdict = b.error
      ? `not planned: ${b.error}`
      : served.length
        ? `proposed: ${serving.map((v) => v.evaluation.candidate.labels.join(', ')).join('; ')}`
        : plan?.indexes.length
          ? `served today${reason ? `; candidate: ${reason}` : skip ? `; ${skip.reason}` : ''}`
          : reason
            ? `candidate not proposed: ${reason}`
            : skip
              ? `no candidate: ${skip.reason}`
              : 'no index candidate';
    const after = served.length ? Math.min(...served.map((x) => x.after)) : null;
    const before = served.length ? served[0].before : plan?.total ?? null;
    const mineProposed = serving.map((v) => proposed.get(v.chosen)).filter((x) => x !== undefined);
    const row: Row = {
      query: shorten(s.query, 200),
      calls: s.calls,
      mean_ms: s.meanMs === null ? null : round(s.meanMs, 3),
      index_today: plan ? (plan.indexes.length ? [...new Set(plan.indexes)].join(', ') : 'none') : null,
      cost_today: before === null ? null : round(before),
      proposed: mineProposed.length ? mineProposed.map((x) => x.name).join('; ') : null,
      cost_after: after === null ? null : round(after),
      saving: after !== null && before ? round(1 - after / before, 3) : null,
      validated: served.length ? (serving.every((v) => v.evaluation.validated) ? 'hypopg' : 'estimate') : null,
      verdict,
      share_of_time: workloadMs && s.totalMs !== null ? round(s.totalMs / workloadMs, 4) : null,
      calls_per_hour: hours ? round(s.calls / hours) : null,
      tables: tables.join(', '),
      plan_today: plan ? plan.nodes.join(' > ') : null,
      proposed_targets: mineProposed.length ? mineProposed.map((x) => x.target).join('; ') : null,
      rank: i + 1,
      statement: s.id,
      queryid: s.queryid,
    };
    return row;
  });
}

async function relationNames(ctx: AnalyzerContext, schemas: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (!schemas.length) return out;
  const rows = await ctx.query(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])`,
    [schemas],
  );
  for (const r of rows) {
    const set = out.get(String(r.schema)) ?? new Set<string>();
    set.add(String(r.name));
    out.set(String(r.schema), set);
  }
  return out;
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


