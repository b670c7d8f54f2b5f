// pg_stat_statements rows as the workload analyzers read them, parsed and resolved against the catalog.
import type { Row } from '../types.ts';
import { parseShape, resolveUse, type ColumnUse, type QueryShape } from './query-shape.ts';
import { hasColumn, loadTables, refKey, type CatalogTable } from './workload-catalog.ts';

export interface WorkloadStatement {
  queryid: string;
  query: string;
  calls: number;
  rows: number;
  totalMs: number;
  meanMs: number;
  /** false for statements run inside functions (PG 14+; true when unknown) */
  toplevel: boolean;
}

export interface ParsedStatement extends WorkloadStatement {
  shape: QueryShape;
}

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/** Reads the rows of a statements probe (columns queryid, query, calls, rows, total_ms, mean_ms, toplevel). */
export function readStatements(rows: Row[]): WorkloadStatement[] {
  return rows
    .filter((r) => typeof r.query === 'string' && !String(r.query).startsWith('<insufficient'))
    .map((r) => ({
      queryid: String(r.queryid ?? ''),
      query: String(r.query),
      calls: Number(r.calls ?? 0),
      rows: Number(r.rows ?? 0),
      totalMs: Number(r.total_ms ?? 0),
      meanMs: Number(r.mean_ms ?? 0),
      toplevel: r.toplevel == null ? true : Boolean(r.toplevel),
    }));
}

export async function parseStatements(stmts: WorkloadStatement[]): Promise<ParsedStatement[]> {
  const out: ParsedStatement[] = [];
  for (const s of stmts) {
    const shape = await parseShape(s.query);
    if (shape && shape.kind !== 'other' && shape.relations.length) out.push({ ...s, shape });
  }
  return out;
}

/** Statement with its relations resolved to catalog tables (null: not a user table we can see). */
export class ResolvedStatement {
  constructor(
    readonly stmt: ParsedStatement,
    private readonly tables: Map<string, CatalogTable | null>,
  ) {}

  table(rel: number): CatalogTable | null {
    const r = this.stmt.shape.relations[rel];
    const t = r ? this.tables.get(refKey(r)) : null;
    if (!t || SYSTEM_SCHEMAS.has(t.schema) || t.schema.startsWith('pg_temp')) return null;
    return t;
  }

  /** The relation index a column use belongs to (only user tables count). */
  rel(use: ColumnUse): number | null {
    return resolveUse(use, (rel, column) => hasColumn(this.table(rel), column));
  }
}

export async function resolveStatements(
  query: (sql: string, params?: unknown[]) => Promise<Row[]>,
  stmts: ParsedStatement[],
): Promise<ResolvedStatement[]> {
  const tables = await loadTables(
    query,
    stmts.flatMap((s) => s.shape.relations),
  );
  return stmts.map((s) => new ResolvedStatement(s, tables));
}

export function qualifiedName(t: CatalogTable): string {
  return t.qname ?? `${t.schema}.${t.name}`;
}

export function shorten(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
