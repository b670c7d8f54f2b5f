// Before an index is dropped: hide it from the planner with hypopg (1.4+) and re-plan the workload's
// statements that use it. A drop that makes a statement noticeably costlier becomes a finding of its own.
import type { Analyzer, FindingRow } from '../analyzer.ts';
import { SkipCell } from '../analyzer.ts';
import type { Row } from '../types.ts';
import { DROP_REGRESSION, validateDrop } from './hypo-drop.ts';
import { shorten, topByTime, workloadStatements } from './workload-statements.ts';

const CHECKS = ['duplicate_indexes', 'redundant_indexes', 'unused_indexes', 'stale_indexes'];

/** statements re-planned per index: the ones that took the most execution time */
const STATEMENTS = 500;

export const dropValidation: Analyzer = {
  async run(ctx) {
    const proposals = new Map<string, string[]>(); // dropped index → the checks proposing it
    for (const check of CHECKS) {
      for (const r of ctx.inputs[check] ?? []) {
        for (const name of (r.drops as string[] | null) ?? []) proposals.set(name, [...(proposals.get(name) ?? []), check]);
      }
    }
    const names = [...proposals.keys()].sort();
    const columns = ['index', 'proposed_by', 'statements_using_it', 'statements_planned', 'verdict'];
    if (!names.length) return { columns, rows: [], findings: [] };
    const statements = topByTime(workloadStatements(ctx.workload?.statements ?? []), STATEMENTS);
    const resolved = await ctx.query(
      `SELECT u.n AS name, c.oid::int8 AS oid, c.relname AS relname
         FROM unnest($1::text[]) WITH ORDINALITY AS u(n, o) JOIN pg_class c ON c.oid = to_regclass(u.n) ORDER BY u.o`,
      [names],
    );
    const rows: Row[] = [];
    const findings: FindingRow[] = [];
    for (const r of resolved) {
      const name = String(r.name);
      const v = await validateDrop(ctx.query, { oid: Number(r.oid), name: String(r.relname) }, statements);
      if (!v.supported) throw new SkipCell(v.reason);
      const worst = [...v.regressions].sort((a, b) => b.cost_after / b.cost_before - a.cost_after / a.cost_before)[0];
      rows.push({
        index: name,
        proposed_by: proposals.get(name)!.join(', '),
        statements_using_it: v.usedBy,
        statements_planned: v.planned,
        verdict: worst ? `${v.regressions.length} statement(s) costlier without it` : v.usedBy ? 'others serve its statements as well' : 'no statement uses it',
      });
      if (worst) {
        findings.push({
          target: name,
          key: `${name}/drop`,
          title: `Dropping ${name} makes ${v.regressions.length} workload statement${v.regressions.length === 1 ? '' : 's'} costlier`,
          rationale:
            `With ${name} hidden from the planner (hypopg_hide_index: nothing is dropped), ${v.regressions.length} of the ${v.usedBy} ` +
            `statements whose plans use it get more than ${Math.round(DROP_REGRESSION.maxIncreaseFraction * 100)} % and ` +
            `${DROP_REGRESSION.maxIncreaseCost} cost units costlier — worst ${worst.cost_before.toFixed(1)} → ${worst.cost_after.toFixed(1)}. ` +
            `Reject the drop proposed by ${proposals.get(name)!.join(' and ')}, or keep another index that serves these statements.`,
          severity: 'warning',
          evidence: { proposed_by: proposals.get(name), regressions: v.regressions.map((g) => ({ ...g, query: shorten(g.query) })) },
          up: null,
          down: null,
        });
      }
    }
    return { columns, rows, findings };
  },
};
