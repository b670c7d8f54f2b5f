// Plans before and after each candidate index, for the statements it is meant for.
//
// Every statement is planned as the application runs it: with the workload's constants where the
// workload gave them (custom plans, the most frequent sets weighted by their share), else as a
// generic plan, plus — when it filters a skewed or low-cardinality column — custom plans for that
// column's most common and rarest value (pg_stats), so an index that serves the rare value is not lost to
// the generic plan's average. Candidates hypopg can create (btree, BRIN, hash; partial, expression and
// INCLUDE ones too) are created as hypothetical indexes and the plans repeated; GIN candidates, and every
// candidate without hypopg, get the estimate of workload-estimate.ts instead, labelled as such.
// Experiments are bounded (EXPERIMENT_BOUND): past the bound, candidates are estimated.
import type { WorkloadStatement } from '../../workload/types.ts';
import type { Workload } from '../../workload/types.ts';
import { indexBody, quoteIdent } from '../index-spec.ts';
import { quoteName } from '../index-parse.ts';
import { deparse, quoteLiteral, type Predicate } from './query-shape.ts';
import { HypoError, type HypoLab, type PlanCost, type PlanValues } from './hypo-session.ts';
import { columnsRead, isLowCardinality, valueFraction, type Candidate } from './workload-candidates.ts';
import type { CatalogColumn, CatalogIndex, CatalogTable } from './workload-catalog.ts';
import { estimateIndexBytes } from './workload-ddl.ts';
import { estimateStatement, genericEqSelectivity, scanRows, scansOf, type CostSettings } from './workload-estimate.ts';
import { sampleSets } from './workload-input.ts';
import type { ResolvedStatement } from './workload-statements.ts';

export type WStmt = ResolvedStatement<WorkloadStatement>;

export const EXPERIMENT_BOUND = {
  /** hypothetical indexes tried, the candidates whose statements take the most time first */
  maxCandidates: 200,
  /** plans made in all (before and after) */
  maxPlans: 5000,
  /** wall time of the experiments; past it the remaining candidates are estimated */
  maxMs: 30_000,
};

export const THRESHOLDS = {
  /** a statement counts as helped when its plan cost drops by at least this fraction… */
  minSavingFraction: 0.3,
  /** …and by at least this many planner cost units per execution (≈ sequential page reads) */
  minSavingCost: 25,
};

export type VariantLabel = 'generic plan' | 'workload constants' | 'pg_stats common value' | 'pg_stats rare value';

export interface Variant {
  label: VariantLabel;
  /** parameter values (in memory only); null for the generic plan */
  values: PlanValues;
  weight: number;
  plan: PlanCost;
}

export interface Baseline {
  st: WStmt;
  variants: Variant[];
  /** why the statement could not be planned (never quotes a value) */
  error: string | null;
}

export interface VariantOutcome {
  label: VariantLabel;
  weight: number;
  before: number;
  after: number;
  used: boolean;
  nodesAfter: string[];
}

export interface Outcome {
  baseline: Baseline;
  /** which plans the verdict rests on */
  basis: 'generic plan' | 'workload constants' | 'pg_stats rare value';
  /** rests on the assumption that the application asks for the rare value */
  assumed: boolean;
  before: number;
  after: number;
  used: boolean;
  nodesBefore: string[];
  nodesAfter: string[];
  variants: VariantOutcome[];
  /** for estimates: the selectivity assumed and where it came from */
  selectivity: number | null;
}

export interface Evaluation {
  candidate: Candidate;
  /** planned with a hypothetical index (else estimated) */
  validated: boolean;
  hypoBytes: number | null;
  estimatedBytes: number;
  outcomes: Outcome[];
  /** why it was estimated rather than planned, or what went wrong */
  note: string | null;
  /** an existing index the candidate makes redundant (its keys lead the candidate's) */
  replaces: CatalogIndex | null;
  /** that index was hidden from the planner during the experiment (hypopg ≥ 1.4) */
  hidden: boolean;
}

export interface Budget {
  started: number;
  candidates: number;
}

const HYPO_METHODS = new Set(['btree', 'brin', 'hash']);

/** The plans of a statement today: with the workload's constants, else generic plus pg_stats values. */
export async function planBaseline(lab: HypoLab, st: WStmt, workload: Workload): Promise<Baseline> {
  const { shape } = st.stmt;
  const variants: Variant[] = [];
  let error: string | null = null;
  for (const set of sampleSets(workload, st.stmt, shape.paramCount)) {
    const r = await lab.plan(st.stmt.shape.plannable, set.values);
    if (r.cost) variants.push({ label: 'workload constants', values: set.values, weight: set.weight, plan: r.cost });
    else error = r.error;
  }
  if (variants.length) {
    const total = variants.reduce((a, v) => a + v.weight, 0);
    for (const v of variants) v.weight /= total;
    return { st, variants, error: null };
  }
  const generic = await lab.plan(st.stmt.shape.plannable, null);
  if (!generic.cost) return { st, variants: [], error: generic.error ?? error };
  variants.push({ label: 'generic plan', values: null, weight: 1, plan: generic.cost });
  const rep = representativeValues(st);
  if (rep) {
    for (const [label, values] of [['pg_stats common value', rep.common], ['pg_stats rare value', rep.rare]] as const) {
      const r = await lab.plan(st.stmt.shape.plannable, values);
      if (r.cost) variants.push({ label, values, weight: 0, plan: r.cost });
    }
  }
  return { st, variants, error: null };
}

/**
 * Values for every parameter of a statement that filters a skewed or low-cardinality column by
 * equality: that column's most common and rarest value, the most common (or a middle) value of the
 * other equality columns, and LIMIT bound to the rows the statement returns per call. Null when some
 * parameter has no representative value.
 */
export function representativeValues(st: WStmt): { common: (string | null)[]; rare: (string | null)[] } | null {
  const { shape } = st.stmt;
  const n = shape.paramCount;
  if (!n) return null;
  const common: (string | null)[] = [];
  const rare: (string | null)[] = [];
  let skewed = false;
  for (let i = 1; i <= n; i++) {
    const p = shape.predicates.find((x) => x.paramNumber === i && (x.op === 'eq' || x.op === 'range') && !x.multi && !x.key.expr);
    if (p) {
      const rel = st.rel(p.key.column);
      const table = rel === null ? null : st.table(rel);
      const col = table?.columns.find((c) => c.name === p.key.column.column);
      if (!table || !col) return null;
      const mcv = col.mcv?.values.filter((v): v is string => v !== null) ?? [];
      const top = mcv[0] ?? col.median ?? null;
      if (top === null) return null;
      common.push(top);
      if (p.op === 'eq' && mcv.length && (isLowCardinality(table, col.name) || Math.max(...(col.mcv?.freqs ?? [0])) >= 0.5)) {
        skewed = true;
        rare.push(rarest(col) ?? top);
      } else {
        rare.push(top);
      }
      continue;
    }
    const limit = shape.limits.find((l) => l.param === i);
    if (limit) {
      const perCall = st.stmt.rows !== null && st.stmt.calls > 0 ? Math.ceil(st.stmt.rows / st.stmt.calls) : 10;
      common.push(String(Math.max(1, perCall)));
      rare.push(String(Math.max(1, perCall)));
      continue;
    }
    return null;
  }
  return skewed && JSON.stringify(common) !== JSON.stringify(rare) ? { common, rare } : null;
}

function rarest(col: CatalogColumn): string | null {
  const mcv = col.mcv;
  if (!mcv) return null;
  let best = -1;
  mcv.freqs.forEach((f, i) => {
    if (mcv.values[i] !== null && (best < 0 || f < mcv.freqs[best])) best = i;
  });
  return best < 0 ? null : mcv.values[best];
}

/** Plans (or estimates) every related statement with the candidate. */
export async function evaluate(
  lab: HypoLab,
  candidate: Candidate,
  related: Baseline[],
  opts: { settings: CostSettings; replaces: CatalogIndex | null; budget: Budget },
): Promise<Evaluation> {
  const { table } = candidate;
  const estimatedBytes = candidateBytes(candidate);
  const base: Evaluation = { candidate, validated: false, hypoBytes: null, estimatedBytes, outcomes: [], note: null, replaces: opts.replaces, hidden: false };
  const planned = related.filter((b) => b.variants.length);
  if (!planned.length) return { ...base, note: 'none of its statements can be planned' };

  let note: string | null = null;
  if (!lab.hypo) note = `estimated, not planned: ${lab.hypoReason}`;
  else if (!HYPO_METHODS.has(candidate.method)) note = `estimated, not planned: hypopg cannot create ${candidate.method.toUpperCase()} indexes`;
  else if (overBudget(lab, opts.budget)) note = `estimated, not planned: the experiment bound was reached (${boundText()})`;
  if (note) return { ...base, note, outcomes: planned.map((b) => estimated(candidate, b, opts.settings)) };

  opts.budget.candidates++;
  let hidden = false;
  if (opts.replaces?.oid && lab.canHide) hidden = await lab.hide(opts.replaces.oid);
  let hypo;
  try {
    hypo = await lab.create(`CREATE INDEX ON ${indexBody({ schema: table.schema, table: table.name, method: candidate.method, keys: candidate.keys, include: candidate.include, predicate: candidate.predicate?.sql ?? null })}`);
  } catch (err) {
    if (hidden) await lab.unhide(opts.replaces!.oid!);
    if (err instanceof HypoError) throw err;
    const why = String((err as Error).message).split('\n')[0];
    return { ...base, note: `estimated, not planned: hypopg could not create it (${why})`, outcomes: planned.map((b) => estimated(candidate, b, opts.settings)) };
  }
  const outcomes: Outcome[] = [];
  try {
    for (const b of planned) {
      const results: VariantOutcome[] = [];
      for (const v of b.variants) {
        const r = await lab.plan(b.st.stmt.shape.plannable, v.values);
        if (!r.cost) continue;
        results.push({ label: v.label, weight: v.weight, before: v.plan.total, after: r.cost.total, used: r.cost.indexes.includes(hypo.name), nodesAfter: r.cost.nodes });
      }
      if (results.length) outcomes.push(outcome(candidate, b, results));
    }
  } finally {
    await lab.drop(hypo);
    if (hidden) await lab.unhide(opts.replaces!.oid!);
  }
  return { ...base, validated: true, hypoBytes: hypo.bytes, outcomes, hidden };
}

function overBudget(lab: HypoLab, budget: Budget): boolean {
  return budget.candidates >= EXPERIMENT_BOUND.maxCandidates || lab.plans >= EXPERIMENT_BOUND.maxPlans || performance.now() - budget.started >= EXPERIMENT_BOUND.maxMs;
}

export function boundText(): string {
  return `at most ${EXPERIMENT_BOUND.maxCandidates} hypothetical indexes, ${EXPERIMENT_BOUND.maxPlans} plans and ${EXPERIMENT_BOUND.maxMs / 1000} s`;
}

/** An outcome's cost over the variants its basis rests on, each variant's cost taken from `cost`. */
export function basisCost(o: Pick<Outcome, 'basis' | 'variants'>, cost: (v: VariantOutcome) => number): number {
  const label = o.basis === 'workload constants' ? 'workload constants' : o.basis;
  const rs = o.variants.filter((v) => v.label === label);
  if (!rs.length) return 0;
  const weights = rs.every((r) => r.weight > 0) ? rs.map((r) => r.weight) : rs.map(() => 1);
  const total = weights.reduce((a, w) => a + w, 0);
  return rs.reduce((a, r, i) => a + cost(r) * weights[i], 0) / total;
}

/**
 * One statement's verdict from its variants: weighted over the workload's constants; else the generic
 * plan, and when that does not gain, the rare value's plan (an assumption the finding states).
 */
function outcome(candidate: Candidate, b: Baseline, results: VariantOutcome[], selectivity: number | null = null): Outcome {
  const nodesBefore = b.variants[0].plan.nodes;
  const make = (rs: VariantOutcome[], basis: Outcome['basis'], assumed: boolean): Outcome => {
    const weights = rs.every((r) => r.weight > 0) ? rs.map((r) => r.weight) : rs.map(() => 1);
    const total = weights.reduce((a, w) => a + w, 0);
    const avg = (f: (r: VariantOutcome) => number) => rs.reduce((a, r, i) => a + f(r) * weights[i], 0) / total;
    const shown = rs.find((r) => r.used) ?? rs[0];
    return { baseline: b, basis, assumed, before: avg((r) => r.before), after: avg((r) => r.after), used: rs.some((r) => r.used), nodesBefore, nodesAfter: shown.nodesAfter, variants: results, selectivity };
  };
  const sampled = results.filter((r) => r.label === 'workload constants');
  if (sampled.length) return make(sampled, 'workload constants', false);
  const generic = results.filter((r) => r.label === 'generic plan');
  const rare = results.filter((r) => r.label === 'pg_stats rare value');
  const g = generic.length ? make(generic, 'generic plan', false) : null;
  if (g && helps(g)) return g;
  // A partial index on the rare value only ever serves that value; any candidate on a skewed filter may
  // serve the rare value where the generic plan's average says no — unless an index serves the generic plan
  // today: then that index serves the rare value too, and an assumption cannot justify a second one.
  const genericServed = b.variants.some((v) => v.label === 'generic plan' && v.plan.indexes.length > 0);
  if (rare.length && !genericServed) {
    const r = make(rare, 'pg_stats rare value', true);
    if (helps(r) || (candidate.predicate && candidate.predicate.source === 'pg_stats')) return r;
  }
  return g ?? make(results, 'generic plan', false);
}

export function helps(o: Pick<Outcome, 'before' | 'after' | 'used'>): boolean {
  const saved = o.before - o.after;
  return o.used && saved >= THRESHOLDS.minSavingCost && saved >= o.before * THRESHOLDS.minSavingFraction;
}

// --- the estimate ------------------------------------------------------------------------------------

function estimated(c: Candidate, b: Baseline, settings: CostSettings): Outcome {
  let selectivity: number | null = null;
  const results: VariantOutcome[] = b.variants.map((v) => {
    const e = estimateVariant(c, b, v, settings);
    if (!e) return { label: v.label, weight: v.weight, before: v.plan.total, after: v.plan.total, used: false, nodesAfter: v.plan.nodes };
    selectivity ??= e.selectivity;
    return { label: v.label, weight: v.weight, before: v.plan.total, after: e.after, used: e.after < v.plan.total, nodesAfter: e.nodes };
  });
  return outcome(c, b, results, selectivity);
}

function estimateVariant(c: Candidate, b: Baseline, v: Variant, settings: CostSettings): { after: number; nodes: string[]; selectivity: number } | null {
  const { table } = c;
  const { shape } = b.st.stmt;
  const rels = shape.relations.map((_, i) => i).filter((i) => b.st.table(i)?.oid === table.oid);
  if (rels.length !== 1) return null;
  const rel = rels[0];
  const preds = shape.predicates.filter((p) => p.block === shape.relations[rel].block && b.st.rel(p.key.column) === rel);
  // a partial index serves only statements that filter the same way, in plans whose values prove its predicate
  if (c.predicate && !provesPredicate(c, preds, v.values)) return null;
  const served = servedPredicates(c, preds, v.values);
  if (!served.length && !c.predicate) return null;
  const [scan] = scansOf(v.plan, table);
  if (!scan) return null;
  const plannerSel = Math.min(1, scanRows(v.plan, scan) / Math.max(table.rows, 1));
  const everything = preds.every((p) => served.includes(p) || p.key.column.column === c.predicate?.column);
  let selectivity: number;
  let source: 'pg_stats' | 'planner' = 'planner';
  if (everything) {
    selectivity = plannerSel;
  } else {
    let own = c.predicate?.fraction ?? 1;
    let known = true;
    for (const p of served) {
      const s = predicateSelectivity(table, p, v.values);
      if (s === null) known = false;
      else own *= s;
    }
    selectivity = known ? Math.max(own, plannerSel) : plannerSel;
    source = known ? 'pg_stats' : 'planner';
  }
  const lead = c.keys[0]?.column ? table.columns.find((x) => x.name === c.keys[0].column) : undefined;
  const indexRows = table.rows * (c.predicate?.fraction ?? 1);
  const width = (name: string | null) => (name ? (table.columns.find((x) => x.name === name)?.width ?? 8) : 8);
  // the index's size counts its INCLUDE columns too: they widen every leaf entry the scan reads
  const widths = [...c.keys.map((k) => width(k.column)), ...c.include.map(width)];
  const sort = shape.sorts.find((s) => s.block === shape.relations[rel].block);
  const deliversOrder = c.method === 'btree' && !!sort && ordersBy(c, served, sort.keys.map((k) => ({ column: k.column.column, expr: k.expr !== null, desc: k.desc })));
  const entries = c.method === 'gin' ? ginEntries(c, served, v.values) : 1;
  const indexOnly = c.method === 'btree' && coversStatement(c, b);
  const est = estimateStatement(
    v.plan,
    table,
    {
      method: c.method,
      shape: {
        pages: table.pages ?? Math.max(1, table.bytes / settings.blockSize),
        rows: table.rows,
        selectivity,
        indexRows,
        keyWidths: widths,
        correlation: Math.abs(lead?.correlation ?? 0),
        quals: Math.max(1, served.length),
        filters: preds.filter((p) => !served.includes(p) && p.key.column.column !== c.predicate?.column).length,
        indexOnly,
        allVisibleFraction: table.pages ? (table.allVisible ?? 0) / table.pages : 0,
      },
      entries,
      deliversOrder,
    },
    settings,
    source,
  );
  if (!est) return null;
  const kind = c.method === 'btree' ? (indexOnly ? 'Index Only Scan' : 'Index Scan') : `Bitmap Heap Scan > Bitmap Index Scan (${c.method})`;
  return { after: est.after, nodes: [`${kind} (estimated)`], selectivity };
}

/** Every column the statement reads from the table is in the index: an index-only scan. */
function coversStatement(c: Candidate, b: Baseline): boolean {
  const read = columnsRead(b.st as unknown as Parameters<typeof columnsRead>[0], c.table);
  if (!read || c.keys.some((k) => k.column === null)) return false;
  const has = new Set([...c.keys.map((k) => k.column!), ...c.include]);
  return [...read].every((col) => has.has(col));
}

/** The statement's filter implies the partial index's predicate (for a parameter: bound to the predicate's value). */
function provesPredicate(c: Candidate, preds: Predicate[], values: PlanValues): boolean {
  const pred = c.predicate!;
  const on = preds.filter((p) => !p.key.expr && p.key.column.column === pred.column);
  if (pred.param !== null) return on.some((p) => p.op === 'eq' && p.paramNumber === pred.param) && values?.[pred.param - 1] === pred.value;
  const sql = pred.sql;
  if (sql.endsWith(' IS NULL')) return on.some((p) => p.op === 'null');
  if (!sql.includes(' = ')) {
    const negated = sql.startsWith('NOT ');
    return on.some((p) => (p.op === 'bool' && p.negated === negated) || (p.op === 'eq' && p.literal?.kind === 'bool' && (p.literal.text === 'true') !== negated));
  }
  return on.some((p) => p.op === 'eq' && p.literal !== null && sql.endsWith(` = ${quoteLiteral(p.literal.text)}`));
}

/** The statement's predicates the candidate's keys can use as index conditions. */
function servedPredicates(c: Candidate, preds: Predicate[], values: PlanValues): Predicate[] {
  const keyOf = (p: Predicate) => (p.key.expr ? null : p.key.column.column);
  // an expression key serves a predicate on the same expression (with this plan's values for its parameters)
  const sameKey = (k: Candidate['keys'][number], p: Predicate) => {
    if (k.column !== null) return keyOf(p) === k.column;
    if (!p.key.expr) return false;
    const sql = deparse(p.key.expr, p.key.column.column, quoteIdent, (n) => (values?.[n - 1] == null ? null : quoteLiteral(values[n - 1]!)), quoteName);
    return sql !== null && `(${sql})` === k.sql;
  };
  if (c.method === 'btree') {
    const out: Predicate[] = [];
    for (const k of c.keys) {
      const eq = preds.find((p) => (p.op === 'eq' || p.op === 'null') && sameKey(k, p));
      if (eq) {
        out.push(eq);
        continue;
      }
      const range = preds.filter((p) => p.op === 'range' && sameKey(k, p));
      out.push(...range);
      if (k.opclass?.endsWith('pattern_ops')) out.push(...preds.filter((p) => p.op === 'like' && keyOf(p) === k.column));
      break;
    }
    return out;
  }
  const cols = new Set(c.keys.map((k) => k.column).filter(Boolean));
  if (c.method === 'brin') return preds.filter((p) => p.op === 'range' && cols.has(keyOf(p)));
  return preds.filter((p) => !['eq', 'range', 'null', 'notnull', 'bool'].includes(p.op) && c.keys.some((k) => sameKey(k, p)));
}

function ordersBy(c: Candidate, served: Predicate[], sort: { column: string; expr: boolean; desc: boolean }[]): boolean {
  if (sort.some((s) => s.expr)) return false;
  const eqCols = new Set(served.filter((p) => p.op === 'eq' && !p.multi).map((p) => p.key.column.column));
  const rest = c.keys.filter((k, i) => !(i < c.keys.length && k.column && eqCols.has(k.column) && c.keys.slice(0, i).every((x) => x.column && eqCols.has(x.column))));
  if (rest.length < sort.length) return false;
  const same = sort.every((s, i) => rest[i].column === s.column && rest[i].desc === s.desc);
  const reversed = sort.every((s, i) => rest[i].column === s.column && rest[i].desc !== s.desc);
  return same || reversed;
}

function predicateSelectivity(table: CatalogTable, p: Predicate, values: PlanValues): number | null {
  const col = p.key.expr ? undefined : table.columns.find((x) => x.name === p.key.column.column);
  const generic = genericEqSelectivity(table, col);
  switch (p.op) {
    case 'eq': {
      if (p.multi) return Math.min(1, generic * (p.listLength ?? 10));
      const value = p.literal ? p.literal.text : p.paramNumber !== null ? values?.[p.paramNumber - 1] : undefined;
      if (value != null && col) return valueFraction(col, value) ?? generic;
      return generic;
    }
    case 'null':
      return col?.nullFrac ?? 0.005;
    case 'range':
      return p.operator === 'BETWEEN' ? 0.005 : 1 / 3;
    default:
      return null;
  }
}

/** Keys a GIN scan looks up: trigrams of the longest literal run of a pattern, else a few. */
function ginEntries(c: Candidate, served: Predicate[], values: PlanValues): number {
  if (!c.kinds.includes('trigram')) return 2;
  const p = served.find((x) => x.op === 'like' || x.op === 'regex');
  const pattern = p?.literal?.text ?? (p?.paramNumber != null ? values?.[p.paramNumber - 1] : null);
  if (!pattern) return 3;
  const longest = Math.max(0, ...pattern.split(/[%_.*+?()[\]{}|^$\\]+/).map((s) => s.length));
  return Math.max(1, longest - 2);
}

/** Size of the candidate on disk: a btree's entries, a GIN's posting lists, a BRIN's range summaries. */
export function candidateBytes(c: Candidate, blockSize = 8192): number {
  const { table } = c;
  const rows = table.rows * (c.predicate?.fraction ?? 1);
  const widths = [...c.keys.map((k) => (k.column ? (table.columns.find((x) => x.name === k.column)?.width ?? 8) : 8)), ...c.include.map((i) => table.columns.find((x) => x.name === i)?.width ?? 8)];
  if (c.method === 'brin') return (Math.ceil((table.pages ?? 1) / 128 / 500) + 2) * blockSize;
  if (c.method === 'gin') {
    const width = widths[0] ?? 32;
    // trigram and full-text indexes hold an entry per distinct token: roughly the text's own size
    return Math.ceil(rows * Math.max(6, c.kinds.includes('trigram') || c.kinds.includes('gin-fulltext') ? width : width / 2)) + 2 * blockSize;
  }
  return estimateIndexBytes(rows, widths, blockSize);
}
