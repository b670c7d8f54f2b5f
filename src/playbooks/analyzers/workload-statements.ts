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

/** A statement (from any source) with its parse. */
export type Parsed<S extends { query: string } = WorkloadStatement> = S & { shape: QueryShape };
export type ParsedStatement = Parsed<WorkloadStatement>;

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

export async function parseStatements<S extends { query: string }>(stmts: S[]): Promise<Parsed<S>[]> {
  const out: Parsed<S>[] = [];
  for (const s of stmts) {
    const shape = await parseShape(s.query);
    if (shape && shape.kind !== 'other' && shape.relations.length) out.push({ ...s, shape });
  }
  return out;
}

/** Statement with its relations resolved to catalog tables (null: not a user table we can see). */
export class ResolvedStatement<S extends { query: string } = WorkloadStatement> {
  constructor(
    readonly stmt: Parsed<S>,
    private readonly tables: Map<string, CatalogTable | null>,
  ) {}

  /** The table an INSERT, UPDATE or DELETE writes (a user table), or null. */
  targetTable(): CatalogTable | null {
    const t = this.stmt.shape.target ? this.tables.get(refKey(this.stmt.shape.target)) : null;
    if (!t || SYSTEM_SCHEMAS.has(t.schema) || t.schema.startsWith('pg_temp')) return null;
    return t;
  }

  /** Every catalog table the statement reads, system ones included (for catalog-read advice). */
  allTables(): CatalogTable[] {
    return this.stmt.shape.relations.map((r) => this.tables.get(refKey(r)) ?? null).filter((t): t is CatalogTable => t !== null);
  }

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

export async function resolveStatements<S extends { query: string }>(
  query: (sql: string, params?: unknown[]) => Promise<Row[]>,
  stmts: Parsed<S>[],
): Promise<ResolvedStatement<S>[]> {
  const tables = await loadTables(
    query,
    stmts.flatMap((s) => [...s.shape.relations, ...(s.shape.target ? [s.shape.target] : [])]),
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
