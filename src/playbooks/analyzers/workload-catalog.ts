// The catalog facts the workload analyzers need about the tables a workload touches: columns
// (with pg_stats widths and distinct counts, never value samples), btree-relevant index keys,
// foreign keys and sizes. Tables are resolved the way the server resolves the query text.
import type { Row } from '../types.ts';

export interface CatalogColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** pg_stats.avg_width, else the type's fixed length, else null */
  width: number | null;
  /** pg_stats.n_distinct (negative: a fraction of the rows) */
  nDistinct: number | null;
}

export interface CatalogIndex {
  schema: string;
  name: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  partial: boolean;
  /** key columns in order: a column name, or null for an expression key */
  columns: (string | null)[];
  /** each key as pg_get_indexdef prints it (column or expression) */
  keys: string[];
  definition: string;
}

export interface CatalogForeignKey {
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface CatalogTable {
  oid: number;
  schema: string;
  name: string;
  /** format('%I.%I', schema, name): the same form the SQL checks use for targets */
  qname?: string;
  /** pg_class.relkind: r table, p partitioned, m matview, v view, f foreign … */
  kind: string;
  /** estimated rows (partitioned: sum over leaf partitions) */
  rows: number;
  /** heap bytes (partitioned: sum over leaf partitions) */
  bytes: number;
  partitions: number;
  columns: CatalogColumn[];
  indexes: CatalogIndex[];
  foreignKeys: CatalogForeignKey[];
}

export interface TableRef {
  schema: string | null;
  name: string;
}

export function refKey(ref: TableRef): string {
  return `${ref.schema ?? ''}\u0000${ref.name}`;
}

const CATALOG_SQL = `
WITH req AS (
  SELECT r.k,
         to_regclass(CASE WHEN r.s IS NULL THEN quote_ident(r.n) ELSE quote_ident(r.s) || '.' || quote_ident(r.n) END) AS oid
    FROM jsonb_to_recordset($1::jsonb) AS r(k text, s text, n text)
), rel AS (
  SELECT req.k, c.oid, n.nspname, c.relname, c.relkind,
         CASE WHEN c.relkind = 'p' THEN
           (SELECT coalesce(sum(greatest(lc.reltuples, 0)), 0) FROM pg_partition_tree(c.oid) t JOIN pg_class lc ON lc.oid = t.relid WHERE t.isleaf)
         ELSE greatest(c.reltuples, 0) END AS rows,
         CASE WHEN c.relkind = 'p' THEN
           (SELECT coalesce(sum(pg_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)
         ELSE pg_relation_size(c.oid) END AS bytes,
         CASE WHEN c.relkind = 'p' THEN (SELECT count(*) FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE 0 END AS partitions
    FROM req
    JOIN pg_class c ON c.oid = req.oid
    JOIN pg_namespace n ON n.oid = c.relnamespace
)
SELECT rel.k AS key, rel.oid::int8 AS oid, rel.nspname AS schema, rel.relname AS name, rel.relkind::text AS kind,
       format('%I.%I', rel.nspname, rel.relname) AS qname,
       rel.rows::float8 AS rows, rel.bytes::int8 AS bytes, rel.partitions::int AS partitions,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', a.attname,
                 'type', format_type(a.atttypid, a.atttypmod),
                 'notNull', a.attnotnull,
                 'width', coalesce(s.avg_width, nullif(t.typlen, -1)::int),
                 'nDistinct', s.n_distinct) ORDER BY a.attnum), '[]')
          FROM pg_attribute a
          JOIN pg_type t ON t.oid = a.atttypid
          LEFT JOIN pg_stats s ON s.schemaname = rel.nspname AND s.tablename = rel.relname
                              AND s.attname = a.attname AND s.inherited = (rel.relkind = 'p')
         WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(json_agg(json_build_object(
                 'schema', ns.nspname,
                 'name', ic.relname,
                 'method', am.amname,
                 'unique', i.indisunique,
                 'primary', i.indisprimary,
                 'valid', i.indisvalid AND i.indisready,
                 'partial', i.indpred IS NOT NULL,
                 'columns', (SELECT json_agg(a.attname ORDER BY k.ord)
                               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                              WHERE k.ord <= i.indnkeyatts),
                 'keys', (SELECT json_agg(pg_get_indexdef(i.indexrelid, k.ord::int, true) ORDER BY k.ord)
                            FROM generate_series(1, i.indnkeyatts) AS k(ord)),
                 'definition', pg_get_indexdef(i.indexrelid)) ORDER BY ic.relname), '[]')
          FROM pg_index i
          JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_namespace ns ON ns.oid = ic.relnamespace
          JOIN pg_am am ON am.oid = ic.relam
         WHERE i.indrelid = rel.oid) AS indexes,
       (SELECT coalesce(json_agg(json_build_object(
                 'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(fk.conkey) WITH ORDINALITY AS k(attnum, ord)
                              JOIN pg_attribute a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum),
                 'refSchema', rn.nspname,
                 'refTable', rc.relname,
                 'refColumns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(fk.confkey) WITH ORDINALITY AS k(attnum, ord)
                                 JOIN pg_attribute a ON a.attrelid = fk.confrelid AND a.attnum = k.attnum))
                 ORDER BY fk.conname), '[]')
          FROM pg_constraint fk
          JOIN pg_class rc ON rc.oid = fk.confrelid
          JOIN pg_namespace rn ON rn.oid = rc.relnamespace
         WHERE fk.conrelid = rel.oid AND fk.contype = 'f') AS foreign_keys
  FROM rel`;

/** Resolves each reference as the server would (search_path for unqualified names); missing ones map to null. */
export async function loadTables(
  query: (sql: string, params?: unknown[]) => Promise<Row[]>,
  refs: TableRef[],
): Promise<Map<string, CatalogTable | null>> {
  const unique = new Map<string, TableRef>();
  for (const r of refs) unique.set(refKey(r), r);
  const out = new Map<string, CatalogTable | null>();
  for (const k of unique.keys()) out.set(k, null);
  if (!unique.size) return out;
  // jsonb cannot hold \u0000, so the request is keyed by position.
  const keys = [...unique.keys()];
  const req = keys.map((k, i) => ({ k: String(i), s: unique.get(k)!.schema, n: unique.get(k)!.name }));
  const rows = await query(CATALOG_SQL, [JSON.stringify(req)]);
  for (const r of rows) {
    out.set(keys[Number(r.key)], {
      oid: Number(r.oid),
      schema: String(r.schema),
      name: String(r.name),
      qname: String(r.qname),
      kind: String(r.kind),
      rows: Number(r.rows),
      bytes: Number(r.bytes),
      partitions: Number(r.partitions),
      columns: (r.columns as CatalogColumn[]) ?? [],
      indexes: ((r.indexes as CatalogIndex[]) ?? []).map((i) => ({ ...i, columns: i.columns ?? [], keys: i.keys ?? [] })),
      foreignKeys: (r.foreign_keys as CatalogForeignKey[]) ?? [],
    });
  }
  return out;
}

/** Column sets of the table's valid, non-partial unique btree indexes on plain columns (PK first). */
export function uniqueKeys(table: CatalogTable): string[][] {
  return table.indexes
    .filter((i) => i.unique && i.valid && !i.partial && i.method === 'btree' && i.columns.every((c) => c !== null))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || a.columns.length - b.columns.length)
    .map((i) => i.columns as string[]);
}

export function hasColumn(table: CatalogTable | null | undefined, column: string): boolean {
  return Boolean(table?.columns.some((c) => c.name === column));
}
