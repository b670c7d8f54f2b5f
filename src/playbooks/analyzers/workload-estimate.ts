// The estimate used where no hypothetical index can be planned — without hypopg, and for GIN, which
// hypopg cannot create: the statement's real plan today (EXPLAIN needs no extension), the selectivity of
// the index's conditions from pg_stats (or the planner's own row estimate), and PostgreSQL's cost model
// for the scan the index would give (costsize.c and selfuncs.c in outline: Mackert-Lohman page fetches,
// the correlation between index and heap order, the visibility map for index-only scans, a LIMIT that
// stops early). Every figure is labelled an estimate in the finding.
import type { CatalogColumn, CatalogTable } from './workload-catalog.ts';
import type { PlanCost, PlanNode } from './hypo-session.ts';
import { planNodes } from './hypo-session.ts';
import { estimateIndexBytes } from './workload-ddl.ts';

/** The planner's cost settings, as pg_settings has them (effective_cache_size in pages). */
export interface CostSettings {
  seqPageCost: number;
  randomPageCost: number;
  cpuTupleCost: number;
  cpuIndexTupleCost: number;
  cpuOperatorCost: number;
  effectiveCacheSize: number;
  blockSize: number;
}

export const DEFAULT_COSTS: CostSettings = {
  seqPageCost: 1,
  randomPageCost: 4,
  cpuTupleCost: 0.01,
  cpuIndexTupleCost: 0.005,
  cpuOperatorCost: 0.0025,
  effectiveCacheSize: 524288,
  blockSize: 8192,
};

export const COST_SETTINGS_SQL = `
SELECT name, setting::float8 AS value FROM pg_settings
 WHERE name IN ('seq_page_cost', 'random_page_cost', 'cpu_tuple_cost', 'cpu_index_tuple_cost', 'cpu_operator_cost', 'effective_cache_size', 'block_size')`;

export function costSettings(rows: Record<string, unknown>[]): CostSettings {
  const v = new Map(rows.map((r) => [String(r.name), Number(r.value)]));
  const get = (name: string, dflt: number) => (Number.isFinite(v.get(name)) ? v.get(name)! : dflt);
  return {
    seqPageCost: get('seq_page_cost', DEFAULT_COSTS.seqPageCost),
    randomPageCost: get('random_page_cost', DEFAULT_COSTS.randomPageCost),
    cpuTupleCost: get('cpu_tuple_cost', DEFAULT_COSTS.cpuTupleCost),
    cpuIndexTupleCost: get('cpu_index_tuple_cost', DEFAULT_COSTS.cpuIndexTupleCost),
    cpuOperatorCost: get('cpu_operator_cost', DEFAULT_COSTS.cpuOperatorCost),
    effectiveCacheSize: get('effective_cache_size', DEFAULT_COSTS.effectiveCacheSize),
    blockSize: get('block_size', DEFAULT_COSTS.blockSize),
  };
}

export interface ScanShape {
  /** heap pages and rows of the table */
  pages: number;
  rows: number;
  /** fraction of the table's rows the index conditions select (0…1) */
  selectivity: number;
  /** rows the index holds (a partial index fewer than the table) */
  indexRows: number;
  /** widths of the index's columns, keys and INCLUDE (bytes) */
  keyWidths: number[];
  /** |pg_stats.correlation| of the leading key (btree), 0 when unknown */
  correlation: number;
  /** conditions checked per row */
  quals: number;
  /** the statement's other conditions on the table, which the index does not serve: checked as a filter on each row fetched */
  filters?: number;
  /** the index holds every column the statement needs: an index-only scan, skipping all-visible pages */
  indexOnly: boolean;
  allVisibleFraction: number;
}

export interface ScanCost {
  startup: number;
  total: number;
  /** rows it returns */
  rows: number;
  /** pages of the index */
  indexPages: number;
}

/** Mackert and Lohman's estimate of distinct heap pages fetched for `tuples` random fetches (index_pages_fetched). */
export function pagesFetched(tuples: number, pages: number, cachePages: number): number {
  const T = Math.max(pages, 1);
  const N = Math.max(tuples, 0);
  const b = Math.max(cachePages, 1);
  let out: number;
  if (T <= b) {
    out = Math.min((2 * T * N) / (2 * T + N), T);
  } else {
    const lim = (2 * T * b) / (2 * T - b);
    out = N <= lim ? (2 * T * N) / (2 * T + N) : b + ((N - lim) * (T - b)) / T;
  }
  return Math.ceil(out);
}

/** A btree index scan (or index-only scan) returning `selectivity` of the table. */
export function btreeScan(s: ScanShape, c: CostSettings): ScanCost {
  const indexPages = Math.max(1, Math.ceil(estimateIndexBytes(s.indexRows, s.keyWidths, c.blockSize) / c.blockSize) - 1);
  const tuples = Math.max(1, s.selectivity * s.rows);
  const indexTuples = Math.max(s.indexRows, 1);
  const leafPages = Math.ceil((tuples * indexPages) / indexTuples);
  // descent: one comparison per level of a binary search, and a charge per page level (btcostestimate)
  const height = Math.max(1, Math.ceil(Math.log(indexPages) / Math.log(200)));
  const descent = Math.ceil(Math.log2(indexTuples)) * c.cpuOperatorCost + (height + 1) * 50 * c.cpuOperatorCost;
  const indexCost = leafPages * c.randomPageCost + tuples * (c.cpuIndexTupleCost + c.cpuOperatorCost * s.quals);
  // heap: between every fetch a random page (uncorrelated) and a sequential run (correlated)
  let maxPages = pagesFetched(tuples, s.pages, c.effectiveCacheSize);
  let minPages = Math.ceil(s.selectivity * s.pages);
  if (s.indexOnly) {
    maxPages = Math.ceil(maxPages * (1 - s.allVisibleFraction));
    minPages = Math.ceil(minPages * (1 - s.allVisibleFraction));
  }
  const maxIo = maxPages * c.randomPageCost;
  const minIo = minPages > 0 ? c.randomPageCost + (minPages - 1) * c.seqPageCost : 0;
  const io = maxIo + s.correlation * s.correlation * (minIo - maxIo);
  const cpu = tuples * (c.cpuTupleCost + c.cpuOperatorCost * (s.filters ?? 0));
  return { startup: descent, total: descent + indexCost + io + cpu, rows: tuples, indexPages };
}

/**
 * A bitmap heap scan over a GIN or BRIN index. GIN: `entries` keys looked up (trigrams, jsonb paths,
 * array elements), each a descent plus its posting list; BRIN: the whole (tiny) index read, and the heap
 * ranges whose summary matches (with a correlated column, about the selected fraction plus one range).
 */
export function bitmapScan(s: ScanShape & { method: 'gin' | 'brin'; entries: number; pagesPerRange?: number }, c: CostSettings): ScanCost {
  const tuples = Math.max(1, s.selectivity * s.rows);
  let indexCost: number;
  let indexPages: number;
  let heapPages: number;
  let recheck: number;
  if (s.method === 'gin') {
    // posting lists hold compressed item pointers: a few thousand per page
    indexPages = Math.max(1, Math.ceil((s.rows * Math.max(1, s.entries) * 6) / (c.blockSize * 0.9)));
    const postingPages = Math.ceil((tuples * Math.max(1, s.entries)) / 2000);
    indexCost = s.entries * 2 * c.randomPageCost + postingPages * c.randomPageCost + tuples * s.entries * c.cpuIndexTupleCost;
    heapPages = pagesFetched(tuples, s.pages, Infinity);
    recheck = tuples;
  } else {
    // brincostestimate: the ranges the condition needs, spread by how loosely the column follows the
    // physical order; every row of a matching range is read and rechecked (the bitmap is lossy)
    const perRange = s.pagesPerRange ?? 128;
    const ranges = Math.max(1, Math.ceil(s.pages / perRange));
    const minimal = Math.ceil(ranges * s.selectivity);
    const estimated = s.correlation > 0 ? Math.min(ranges, minimal / s.correlation) : ranges;
    const fraction = estimated / ranges;
    indexPages = Math.max(1, Math.ceil(ranges / 500) + 1);
    indexCost = indexPages * c.seqPageCost + ranges * c.cpuOperatorCost + 0.1 * c.cpuOperatorCost * estimated * perRange;
    // the planner then counts heap pages as for any bitmap scan (rows spread at random: Mackert-Lohman)
    recheck = fraction * s.rows;
    heapPages = pagesFetched(recheck, s.pages, Infinity);
  }
  const perPage = heapPages >= 2 ? c.randomPageCost - (c.randomPageCost - c.seqPageCost) * Math.sqrt(heapPages / Math.max(s.pages, 1)) : c.randomPageCost;
  const heap = heapPages * perPage + recheck * (c.cpuTupleCost + c.cpuOperatorCost * Math.max(1, s.quals));
  return { startup: indexCost, total: indexCost + heap, rows: tuples, indexPages };
}

/** The scan nodes of a plan that read `table` (matched by name, and schema when the plan names it). */
export function scansOf(plan: PlanCost, table: Pick<CatalogTable, 'schema' | 'name'>): PlanNode[] {
  return planNodes(plan.root).filter((n) => n.relation === table.name && (n.schema === null || n.schema === table.schema));
}

/** The rows a scan node returns in all: a parallel scan's estimate is one participant's share. */
export function scanRows(plan: PlanCost, node: PlanNode): number {
  if (!node.parallel) return node.rows;
  for (let p = parentOf(plan.root, node); p; p = parentOf(plan.root, p)) {
    if (p.type === 'Gather' || p.type === 'Gather Merge') {
      // the leader takes part too, less so the more workers it feeds (get_parallel_divisor)
      const w = Math.max(0, p.workers);
      return node.rows * (w + Math.max(0, 1 - 0.3 * w));
    }
  }
  return node.rows;
}

/** The parent of a node in its plan. */
function parentOf(root: PlanNode, node: PlanNode): PlanNode | null {
  for (const n of planNodes(root)) if (n.children.includes(node)) return n;
  return null;
}

/** How many times a node runs per execution: the outer rows of the nested loop it is the inner side of. */
function loopsOf(root: PlanNode, node: PlanNode): number {
  if (!node.repeated) return 1;
  let child = node;
  for (let p = parentOf(root, child); p; child = p, p = parentOf(root, p)) {
    if (p.type === 'Nested Loop' && p.children[1] === child) return Math.max(1, p.children[0].rows) * loopsOf(root, p);
  }
  return 1;
}

export interface StatementEstimate {
  /** the statement's cost with the index, by this estimate */
  after: number;
  /** the scan it replaces: its node type and cost, and the estimated scan with the index */
  replaced: string;
  replacedCost: number;
  scanCost: number;
  /** the selectivity the estimate assumed, and where it came from */
  selectivity: number;
  selectivitySource: 'pg_stats' | 'planner';
}

/**
 * The statement's cost with the index, from its plan today: the scan of the table (with the Sort above
 * it when the index delivers the order, and stopping early under a LIMIT) replaced by the index scan.
 * Null when the plan does not scan the table in a way this model can replace.
 */
export function estimateStatement(
  before: PlanCost,
  table: CatalogTable,
  index: { method: 'btree' | 'gin' | 'brin' | 'gist' | 'hash'; shape: ScanShape; entries?: number; deliversOrder: boolean },
  settings: CostSettings,
  selectivitySource: 'pg_stats' | 'planner',
): StatementEstimate | null {
  const scans = scansOf(before, table).filter((n) => n.type === 'Seq Scan' || n.type.includes('Index') || n.type.startsWith('Bitmap Heap'));
  if (scans.length !== 1) return null;
  const scan = scans[0];
  const est =
    index.method === 'btree' || index.method === 'hash'
      ? btreeScan(index.shape, settings)
      : index.method === 'gin' || index.method === 'brin'
        ? bitmapScan({ ...index.shape, method: index.method, entries: index.entries ?? 1 }, settings)
        : null;
  if (!est) return null;
  const loops = loopsOf(before.root, scan);
  let replaced: PlanNode = scan;
  let newCost = est.total;
  let aggregated = false;
  // Climb what the index scan makes unnecessary: the Gather of a parallel scan (a partial aggregate under
  // it becomes a plain aggregate over the index scan's rows), the Sort when the index delivers the order,
  // and a LIMIT that then stops the scan early.
  for (let p = parentOf(before.root, replaced); p; p = parentOf(before.root, replaced)) {
    if (p.type === 'Gather' || p.type === 'Gather Merge') {
      replaced = p;
      newCost = est.total + (aggregated ? est.rows * settings.cpuOperatorCost : 0);
    } else if (p.type === 'Aggregate' && p.partial) {
      aggregated = true;
      replaced = p;
    } else if (p.type === 'Sort' && index.deliversOrder) {
      replaced = p;
    } else if (p.type === 'Limit' && est.rows > 0 && (index.deliversOrder || !planNodes(replaced).some((n) => n.type === 'Sort'))) {
      const wanted = Math.min(est.rows, Math.max(1, p.rows));
      newCost = est.startup + (est.total - est.startup) * (wanted / est.rows);
      replaced = p;
      break;
    } else {
      break;
    }
  }
  if (aggregated && replaced.partial) return null;
  if (newCost >= replaced.total) {
    return { after: before.total, replaced: replaced.type, replacedCost: replaced.total, scanCost: newCost, selectivity: index.shape.selectivity, selectivitySource };
  }
  const after = Math.max(0, before.total - (replaced.total - newCost) * loops);
  return { after, replaced: replaced.type, replacedCost: replaced.total, scanCost: newCost, selectivity: index.shape.selectivity, selectivitySource };
}

/** Fraction of the rows an equality with an unknown value selects (the planner's generic estimate). */
export function genericEqSelectivity(table: CatalogTable, col: CatalogColumn | undefined): number {
  const nd = col?.nDistinct;
  const nulls = col?.nullFrac ?? 0;
  if (nd == null || nd === 0) return 0.005;
  const distinct = nd < 0 ? -nd * Math.max(table.rows, 1) : nd;
  return Math.min(1, (1 - nulls) / Math.max(distinct, 1));
}
