// Proving a DROP INDEX harmless before proposing it: hide the index from the planner with
// hypopg_hide_index (hypopg 1.4+), re-plan the workload's statements whose plans use it, and report
// every statement that gets noticeably more expensive. For the index checks to call when they
// propose a drop; nothing is hidden for longer than the check, and the lab unhides everything.
import { HypoLab, type PlanCost, type Query } from './hypo-session.ts';
import { plannableText } from './query-shape.ts';
import type { WorkloadStatement } from './workload-statements.ts';

export const DROP_REGRESSION = {
  /** a statement regresses when its plan cost rises by more than this fraction… */
  maxIncreaseFraction: 0.1,
  /** …and by more than this many cost units per execution */
  maxIncreaseCost: 25,
};

export interface DropRegression {
  queryid: string;
  query: string;
  calls: number;
  cost_before: number;
  cost_after: number;
}

export type DropValidation =
  | { supported: false; reason: string }
  | {
      supported: true;
      /** statements whose current plan uses the index */
      usedBy: number;
      /** statements that could be planned at all */
      planned: number;
      regressions: DropRegression[];
    };

/**
 * Would dropping the index (by OID) make any workload statement more expensive? `statements` are
 * normalized pg_stat_statements rows; ones that cannot be planned standalone are skipped.
 */
export async function validateDrop(query: Query, index: { oid: number; name: string }, statements: WorkloadStatement[]): Promise<DropValidation> {
  const opened = await HypoLab.open(query);
  if (!opened.lab) return { supported: false, reason: opened.reason };
  const lab = opened.lab;
  try {
    if (!lab.canHide) {
      return { supported: false, reason: `hypopg ${lab.version} cannot hide indexes; ALTER EXTENSION hypopg UPDATE to 1.4 or later to prove drops` };
    }
    const using: [WorkloadStatement, string, PlanCost][] = [];
    let planned = 0;
    for (const s of statements) {
      const text = await plannableText(s.query);
      const { cost } = await lab.cost(text);
      if (!cost) continue;
      planned++;
      if (cost.indexes.includes(index.name)) using.push([s, text, cost]);
    }
    const regressions: DropRegression[] = [];
    if (using.length) {
      if (!(await lab.hide(index.oid))) return { supported: false, reason: `hypopg could not hide index ${index.name}` };
      for (const [s, text, before] of using) {
        const { cost: after } = await lab.cost(text);
        if (!after) continue;
        const rise = after.total - before.total;
        if (rise > DROP_REGRESSION.maxIncreaseCost && rise > before.total * DROP_REGRESSION.maxIncreaseFraction) {
          regressions.push({ queryid: s.queryid, query: s.query, calls: s.calls, cost_before: before.total, cost_after: after.total });
        }
      }
      await lab.unhide(index.oid);
    }
    return { supported: true, usedBy: using.length, planned, regressions };
  } finally {
    await lab.close();
  }
}
