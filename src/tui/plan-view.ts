// A plan as screen lines: the statement, how it was planned, the tree with estimated rows and cost per node
// and the node where the cost is spent marked; with hypothetical indexes, the same plan with them beside it
// (below it on a narrow screen).
import type { ExplainOutcome, Plan } from '../explain/explain.ts';
import { costliest, walk } from '../explain/plan-tree.ts';
import type { ExplainChoice } from '../review/explain-targets.ts';
import { blank, line, sqlLines, wrapSegs, type Line } from './lines.ts';
import { displayWidth, printable, truncate } from './text.ts';

const MODE: Record<Plan['mode'], string> = {
  plain: 'EXPLAIN without running it',
  generic: 'generic plan (EXPLAIN EXECUTE under plan_cache_mode = force_generic_plan): the values of $1… are not known, as for a prepared statement',
  custom: "planned with constants the workload saw for it (a custom plan; the constants are not shown, so neither are the plan's conditions)",
};

const cost = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** The tree of one plan, each row cut to `width`. */
export function treeLines(plan: Plan, width: number): Line[] {
  const worst = costliest(plan.tree);
  const out: Line[] = [];
  for (const { node, depth } of walk(plan.tree)) {
    const indent = '  '.repeat(depth) + (depth ? '└ ' : '');
    const mark = node === worst;
    const head = `${indent}${node.role && depth ? `[${node.role}] ` : ''}${node.operation}${node.target ? ` ${node.target}` : ''}`;
    const nums = `  rows ${Math.round(node.rows).toLocaleString('en-US')} · cost ${cost(node.startup)}..${cost(node.total)}${mark ? ' ◀ most expensive' : ''}`;
    const shown = printable(head);
    const headSeg = (room: number) => ({ text: truncate(shown, room), bold: mark, color: mark ? ('red' as const) : undefined });
    const numSeg = { text: nums, dim: !mark, color: mark ? ('red' as const) : undefined };
    // a node too long for one row (a narrow half of the side-by-side) gives its numbers a row of their own
    if (displayWidth(shown) + displayWidth(nums) <= width) out.push(line([headSeg(width), numSeg]));
    else out.push(line([headSeg(width)]), line([{ text: ' '.repeat(indent.length) }, { ...numSeg, text: truncate(nums.trimStart(), Math.max(10, width - indent.length)) }]));
    if (plan.mode !== 'custom') for (const c of node.conditions) out.push(line([{ text: truncate(printable(`${' '.repeat(indent.length + 2)}${c}`), width), dim: true }]));
  }
  return out;
}

function totals(plan: Plan): string {
  const rows = Math.round(plan.tree.rows);
  return `total cost ${cost(plan.tree.total)} · ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} estimated`;
}

export function planLines(choice: ExplainChoice, outcome: ExplainOutcome | null, error: string | null, width: number): Line[] {
  const out: Line[] = [line([{ text: 'Statement', bold: true }, { text: '   (y copies it)', dim: true }]), ...sqlLines(choice.sql.trim(), width, '  ', { color: 'cyan' }), blank()];
  if (error) return [...out, ...wrapSegs([{ text: `cannot plan it: ${printable(error)}`, color: 'red' }], width, '  ', '  ')];
  if (!outcome) return [...out, line([{ text: '  planning…', dim: true }])];
  out.push(...wrapSegs([{ text: MODE[outcome.before.mode], dim: true }], width, '  ', '  '), blank());
  const after = outcome.after;
  if (!after) {
    out.push(line([{ text: 'Plan', bold: true }, { text: `  ${totals(outcome.before)}`, dim: true }]), ...treeLines(outcome.before, width));
    if (choice.hypothetical.length) out.push(blank(), ...wrapSegs([{ text: `no plan with the proposed index: ${printable(outcome.afterNote ?? 'hypopg gave none')}`, color: 'yellow' }], width, '  ', '  '));
    return out;
  }
  const change = outcome.before.tree.total ? Math.round((100 * (after.tree.total - outcome.before.tree.total)) / outcome.before.tree.total) : 0;
  out.push(...wrapSegs([{ text: `with ${outcome.hypothetical.map((h) => `${printable(h.name)}${h.bytes !== null ? ` (~${Math.round(h.bytes / 1024).toLocaleString('en-US')} kB)` : ''}`).join(', ')} — hypothetical (hypopg, this session's memory only), from ${choice.hypoFrom.map(printable).join(', ')}`, dim: true }], width, '  ', '  '));
  out.push(line([{ text: `  total cost ${cost(outcome.before.tree.total)} → ${cost(after.tree.total)} (${change > 0 ? '+' : ''}${change} %)`, bold: true, color: change < 0 ? 'green' : 'yellow' }]), blank());
  const left = [line([{ text: 'Now', bold: true }, { text: `  ${totals(outcome.before)}`, dim: true }])];
  const right = [line([{ text: 'With the proposed index', bold: true }, { text: `  ${totals(after)}`, dim: true }])];
  if (width >= 140) {
    const half = Math.floor((width - 3) / 2);
    const a = [...left, ...treeLines(outcome.before, half)];
    const b = [...right, ...treeLines(after, half)];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const l = a[i] ?? line([]);
      const pad = half - l.segs.reduce((n, s) => n + displayWidth(s.text), 0);
      out.push({ segs: [...l.segs, { text: ' '.repeat(Math.max(0, pad)) }, { text: ' │ ', dim: true }, ...(b[i]?.segs ?? [])] });
    }
    return out;
  }
  return [...out, ...left, ...treeLines(outcome.before, width), blank(), ...right, ...treeLines(after, width)];
}
