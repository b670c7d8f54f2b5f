// The run's workload as the workload analyzers read it, parsed and resolved against the catalog.
import type { WorkloadStatement as Statement } from '../../workload/types.ts';
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

/**
 * The workload's statements with the figures these analyzers compute with (a figure no source gave counts
 * as 0); `queryid` is the pg_stat_statements queryid, or the workload's id for a statement only files gave.
 */
export function workloadStatements(statements: readonly Statement[]): WorkloadStatement[] {
  return statements.map((s) => ({
    queryid: s.queryid ?? s.id,
    query: s.query,
    calls: s.calls,
    rows: s.rows ?? 0,
    totalMs: s.totalMs ?? 0,
    meanMs: s.meanMs ?? 0,
    toplevel: s.toplevel,
  }));
}

/** The `n` statements that took the most execution time. */
export function topByTime(statements: WorkloadStatement[], n: number): WorkloadStatement[] {
  return [...statements].sort((a, b) => b.totalMs - a.totalMs).slice(0, n);
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
