// Workload-wide choice among the evaluated candidates: greedily the candidate that saves the most time
// per hour net of what it costs to maintain, counting for each statement only what it gains over the
// indexes already chosen — so one index serving several statements beats several narrow ones, and a
// second index for a statement already served gains nothing. Between candidates within 10 % of each other
// the smaller wins (a partial index over a full one, BRIN over btree, no INCLUDE over INCLUDE) unless a
// larger one saves enough over it to be proposed on its own next time. Two chosen indexes where one leads
// the other are merged into the wider. Pure: everything it needs is in its arguments.
import { serves } from '../index-spec.ts';
import { candidateDdl, parsedOf } from './workload-candidates.ts';
import { basisCost, helps, THRESHOLDS, type Evaluation, type Outcome } from './workload-validate.ts';

export const SELECTION = {
  /** candidates whose net benefit is within this fraction of the best are ranked by size instead */
  sizeTolerance: 0.1,
  /**
   * an index is worth proposing only when it saves at least this share of the workload's time (what it
   * adds over the indexes already chosen): below it, one more index on the table costs more attention,
   * space and write work than it gives back
   */
  minWorkloadShare: 0.001,
};

export interface Costing {
  /** ms of execution a statement's call takes per planner cost unit, when its own time is unknown */
  msPerCost: number;
  /** hours the workload's counters cover (null: unknown; benefits are then totals over the workload) */
  windowHours: number | null;
  /** ms per hour (or over the workload) spent writing the candidate's index entries */
  writeCostMs: (e: Evaluation) => number;
  /** the least an index must save, in the unit of its benefit (SELECTION.minWorkloadShare of the workload's time); 0: no floor */
  minBenefitMs: number;
}

export interface Served {
  outcome: Outcome;
  /** cost per call before (with the indexes chosen earlier) and after */
  before: number;
  after: number;
  /** ms saved per call, and over the workload's calls */
  msPerCall: number;
  totalMs: number;
}

export interface Choice {
  evaluation: Evaluation;
  served: Served[];
  /** ms saved per hour (or over the workload when the window is unknown), before and after write costs */
  benefitMs: number;
  writeMs: number;
  /** candidates merged into this one (their keys lead its keys) */
  absorbed: Evaluation[];
}

export interface Verdict {
  evaluation: Evaluation;
  chosen: Choice | null;
  /** why it was not chosen */
  reason: string | null;
}

/** Time a statement call saves going from cost `before` to `after`. */
export function msSaved(o: Outcome, before: number, after: number, msPerCost: number): number {
  const meanMs = o.baseline.st.stmt.meanMs;
  if (meanMs !== null && meanMs > 0 && o.before > 0) return meanMs * ((before - after) / o.before);
  return (before - after) * msPerCost;
}

function perHour(ms: number, c: Costing): number {
  return c.windowHours ? ms / c.windowHours : ms;
}

export function choose(evaluations: Evaluation[], c: Costing): { choices: Choice[]; verdicts: Verdict[] } {
  // each statement's cost with the indexes chosen so far, per plan it was planned with (generic, the
  // workload's constants, pg_stats's values): a candidate's gain is counted against the same plans
  const current = new Map<string, Map<string, number>>();
  const costOf = (o: Outcome) => {
    const now = current.get(o.baseline.st.stmt.id);
    return now ? basisCost(o, (v) => now.get(v.label) ?? v.before) : o.before;
  };
  // a gain resting on an assumed value does not count for a statement whose generic plan an index already
  // serves (as the next run would see it, with that index in place)
  const servedGenerically = (o: Outcome) => {
    const g = o.variants.find((v) => v.label === 'generic plan');
    const now = current.get(o.baseline.st.stmt.id)?.get('generic plan');
    return g !== undefined && now !== undefined && now < g.before;
  };
  const gains = (e: Evaluation): Served[] =>
    e.outcomes.flatMap((o) => {
      if (o.assumed && servedGenerically(o)) return [];
      const before = costOf(o);
      const saved = before - o.after;
      if (!o.used || saved < THRESHOLDS.minSavingCost || saved < before * THRESHOLDS.minSavingFraction) return [];
      const msPerCall = msSaved(o, before, o.after, c.msPerCost);
      return [{ outcome: o, before, after: o.after, msPerCall, totalMs: msPerCall * o.baseline.st.stmt.calls }];
    });
  const choices: Choice[] = [];
  const left = new Set(evaluations.filter((e) => e.outcomes.some((o) => o.used)));
  for (;;) {
    const scored = [...left]
      .map((e) => {
        const served = gains(e);
        const benefitMs = perHour(served.reduce((a, s) => a + s.totalMs, 0), c);
        const writeMs = c.writeCostMs(e);
        return { e, served, benefitMs, writeMs, net: benefitMs - writeMs };
      })
      .filter((s) => s.served.length && s.net > 0 && s.benefitMs >= c.minBenefitMs);
    if (!scored.length) break;
    const top = Math.max(...scored.map((s) => s.net));
    const near = scored.filter((s) => s.net >= top * (1 - SELECTION.sizeTolerance));
    near.sort((a, b) => bytes(a.e) - bytes(b.e) || b.net - a.net || a.e.candidate.id.localeCompare(b.e.candidate.id));
    // the smallest, unless a larger one is itself worth proposing over it (the next run, with the smaller
    // index in place, would propose the larger one: choose it now)
    let best = near[0];
    for (const other of near.slice(1)) if (beats(other, best, c)) best = other;
    // a gain that rests on an assumed value (the rarest value of a column, with no constants to show it is
    // the one asked for) gives way to one every plan gets for the same statements
    if (best.served.some((x) => x.outcome.assumed)) {
      const sure = scored
        .filter((x) => x !== best && !x.served.some((y) => y.outcome.assumed) && best.served.every((b) => x.served.some((y) => y.outcome.baseline === b.outcome.baseline)))
        .sort((a, b) => b.net - a.net || bytes(a.e) - bytes(b.e));
      if (sure.length) best = sure[0];
    }
    choices.push({ evaluation: best.e, served: best.served, benefitMs: best.benefitMs, writeMs: best.writeMs, absorbed: [] });
    for (const s of best.served) {
      const now = current.get(s.outcome.baseline.st.stmt.id) ?? new Map<string, number>();
      for (const v of s.outcome.variants) now.set(v.label, Math.min(now.get(v.label) ?? v.before, v.after));
      current.set(s.outcome.baseline.st.stmt.id, now);
    }
    left.delete(best.e);
  }
  mergePrefixes(choices, c);

  const verdicts: Verdict[] = evaluations.map((e) => {
    const chosen = choices.find((ch) => ch.evaluation === e) ?? null;
    if (chosen) return { evaluation: e, chosen, reason: null };
    const into = choices.find((ch) => ch.absorbed.includes(e));
    return { evaluation: e, chosen: null, reason: into ? `merged into a wider proposed index` : rejection(e, choices, c) };
  });
  return { choices, verdicts };
}

function rejection(e: Evaluation, choices: Choice[], c: Costing): string {
  if (e.note && !e.outcomes.length) return e.note;
  if (!e.outcomes.some((o) => o.used)) return e.validated ? 'no plan uses it' : 'no estimated plan uses it';
  const own = e.outcomes.filter((o) => o.used && o.before - o.after >= THRESHOLDS.minSavingCost && o.before - o.after >= o.before * THRESHOLDS.minSavingFraction);
  if (!own.length) return `below threshold (saves < ${Math.round(THRESHOLDS.minSavingFraction * 100)} % or < ${THRESHOLDS.minSavingCost} cost units)`;
  const statements = new Set(own.map((o) => o.baseline.st.stmt.id));
  if (choices.some((ch) => ch.served.some((s) => statements.has(s.outcome.baseline.st.stmt.id)))) return 'a proposed index serves the same statements as well or better';
  const benefit = perHour(own.reduce((a, o) => a + msSaved(o, o.before, o.after, c.msPerCost) * o.baseline.st.stmt.calls, 0), c);
  const unit = c.windowHours ? ' per hour' : '';
  if (benefit < c.minBenefitMs) {
    return `saves too little to be worth an index: ${Math.round(benefit)} ms${unit}, under ${SELECTION.minWorkloadShare * 100} % of the workload's time (${Math.round(c.minBenefitMs)} ms${unit})`;
  }
  return `its write cost (${Math.round(c.writeCostMs(e))} ms) outweighs the time it saves (${Math.round(benefit)} ms)`;
}

/** Never two chosen indexes where one leads the other: the wider keeps both sets of statements. */
function mergePrefixes(choices: Choice[], c: Costing): void {
  for (let i = 0; i < choices.length; i++) {
    const a = choices[i];
    const ta = a.evaluation.candidate.table;
    const pa = parsedOf(ta, candidateDdl(a.evaluation.candidate));
    if (!pa) continue;
    const wider = choices.find((b) => {
      if (b === a || b.evaluation.candidate.table.oid !== ta.oid) return false;
      const pb = parsedOf(ta, candidateDdl(b.evaluation.candidate));
      return pb !== null && pb.keys.length >= pa.keys.length && serves(pb, pa, a.evaluation.candidate.freePrefix) && !(pb.keys.length === pa.keys.length && b.evaluation.candidate.include.length < a.evaluation.candidate.include.length);
    });
    if (!wider) continue;
    for (const s of a.served) {
      if (wider.served.some((x) => x.outcome.baseline.st.stmt.id === s.outcome.baseline.st.stmt.id)) continue;
      const o = wider.evaluation.outcomes.find((x) => x.baseline.st.stmt.id === s.outcome.baseline.st.stmt.id);
      if (!o || !o.used || o.after >= s.before) continue;
      const msPerCall = msSaved(o, s.before, o.after, c.msPerCost);
      wider.served.push({ outcome: o, before: s.before, after: o.after, msPerCall, totalMs: msPerCall * o.baseline.st.stmt.calls });
    }
    wider.benefitMs = perHour(wider.served.reduce((x, s) => x + s.totalMs, 0), c);
    wider.absorbed.push(a.evaluation, ...a.absorbed);
    choices.splice(i, 1);
    i = -1;
  }
}

/**
 * With `b` in place, `a` would still be proposed: it makes some statement cheaper by the thresholds again,
 * and what it saves over `b` outweighs its own write cost — what the next run would decide.
 */
function beats(a: { e: Evaluation; served: Served[]; writeMs: number }, b: { served: Served[] }, c: Costing): boolean {
  let gain = 0;
  let helped = false;
  for (const x of a.served) {
    const y = b.served.find((s) => s.outcome.baseline === x.outcome.baseline);
    const from = y ? y.after : x.before;
    if (x.after >= from) continue;
    helped ||= y !== undefined && helps({ before: from, after: x.after, used: true });
    gain += msSaved(x.outcome, from, x.after, c.msPerCost) * x.outcome.baseline.st.stmt.calls;
  }
  return helped && perHour(gain, c) > a.writeMs && perHour(gain, c) >= c.minBenefitMs;
}

function bytes(e: Evaluation): number {
  return e.hypoBytes ?? e.estimatedBytes;
}
