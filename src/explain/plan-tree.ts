// A plan as a tree a person reads: each node's operation, the relation or index it works on, its
// estimated rows and cost, and its own share of the cost (the node's total less its children's), so the
// node where the cost is spent can be marked. Built from EXPLAIN (FORMAT JSON).

export interface PlanNode {
  /** "Index Scan", "Hash Join (Inner)", "Aggregate (Hashed)" */
  operation: string;
  /** "using rental_pkey on rental r", "on payment" */
  target: string | null;
  /** Index Cond, Filter, Hash Cond, Sort Key … (shown only where they hold no workload constants) */
  conditions: string[];
  rows: number;
  startup: number;
  total: number;
  /** total less the children's totals (never below 0) */
  self: number;
  /** "InitPlan", "SubPlan", "Inner", "Outer" … from Parent Relationship */
  role: string | null;
  children: PlanNode[];
}

interface RawNode {
  'Node Type': string;
  Strategy?: string;
  'Join Type'?: string;
  'Scan Direction'?: string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Alias?: string;
  'CTE Name'?: string;
  'Function Name'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Startup Cost': number;
  'Total Cost': number;
  'Plan Rows': number;
  Plans?: RawNode[];
  [key: string]: unknown;
}

const CONDITIONS = ['Index Cond', 'Recheck Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'Filter', 'One-Time Filter', 'TID Cond'];

/** The tree of the first statement of EXPLAIN (FORMAT JSON) output (the value of its one column, text or parsed). */
export function planTree(explainJson: unknown): PlanNode {
  const doc = typeof explainJson === 'string' ? JSON.parse(explainJson) : explainJson;
  const root = (doc as { Plan: RawNode }[])[0]?.Plan;
  if (!root) throw new Error('EXPLAIN returned no plan');
  return node(root);
}

function node(n: RawNode): PlanNode {
  const children = (n.Plans ?? []).map(node);
  const flavour = [n['Join Type'], n.Strategy && n.Strategy !== 'Plain' ? n.Strategy : undefined, n['Scan Direction'] === 'Backward' ? 'Backward' : undefined].filter(Boolean);
  const rel = n['Relation Name'] ?? n['CTE Name'] ?? n['Function Name'];
  const on = rel ? `on ${rel}${n.Alias && n.Alias !== rel ? ` ${n.Alias}` : ''}` : null;
  const target = [n['Index Name'] ? `using ${n['Index Name']}` : null, on].filter(Boolean).join(' ') || null;
  const conditions: string[] = [];
  for (const k of CONDITIONS) if (typeof n[k] === 'string') conditions.push(`${k}: ${n[k]}`);
  if (Array.isArray(n['Sort Key'])) conditions.push(`Sort Key: ${(n['Sort Key'] as string[]).join(', ')}`);
  if (Array.isArray(n['Group Key'])) conditions.push(`Group Key: ${(n['Group Key'] as string[]).join(', ')}`);
  const total = Number(n['Total Cost']);
  const childTotal = children.filter((c) => c.role !== 'InitPlan').reduce((a, c) => a + c.total, 0);
  return {
    operation: `${n['Node Type']}${flavour.length ? ` (${flavour.join(', ')})` : ''}`,
    target,
    conditions,
    rows: Number(n['Plan Rows']),
    startup: Number(n['Startup Cost']),
    total,
    self: Math.max(0, Math.round((total - childTotal) * 100) / 100),
    role: n['Subplan Name'] ?? n['Parent Relationship'] ?? null,
    children,
  };
}

/** Every node, depth first, with its depth. */
export function walk(root: PlanNode): { node: PlanNode; depth: number }[] {
  const out: { node: PlanNode; depth: number }[] = [];
  const visit = (n: PlanNode, depth: number) => {
    out.push({ node: n, depth });
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return out;
}

/** The node whose own cost is the largest (the first of equals, outermost first). */
export function costliest(root: PlanNode): PlanNode {
  let best = root;
  for (const { node: n } of walk(root)) if (n.self > best.self) best = n;
  return best;
}

/** Index names a plan uses (hypothetical ones look like `<13556>btree_rental_customer_id`). */
export function indexesUsed(root: PlanNode): string[] {
  return walk(root).flatMap(({ node: n }) => (n.target?.startsWith('using ') ? [n.target.slice(6).split(' on ')[0]] : []));
}
