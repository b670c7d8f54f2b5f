// The catalog facts the workload analyzers need about the tables a workload touches: columns with
// their pg_stats statistics, indexes with their keys, operator classes, predicates and whether they
// may be dropped, foreign keys, sizes, visibility and write counters. Tables are resolved the way the
// server resolves the query text.
//
// The most common values of a column (`mcv`) are user data: they stay in memory, where the analyzers
// use them to plan a statement for a representative value, and are never written anywhere.
import type { Row } from '../types.ts';

export interface CatalogColumn {
  name: string;
  type: string;
  /** the base type's name (`jsonb`, `tsvector`, `text`, `_int4` for int4[] …) */
  typeName: string;
  /** pg_type.typcategory of the column's type (A array, S string, B boolean, D date/time, N numeric, E enum, U user …) */
  category: string;
  notNull: boolean;
  /** pg_stats.avg_width, else the type's fixed length, else null */
  width: number | null;
  /** pg_stats.n_distinct (negative: a fraction of the rows) */
  nDistinct: number | null;
  /** pg_stats.null_frac */
  nullFrac?: number | null;
  /** pg_stats.correlation: physical order against the column's order, -1 … 1 */
  correlation?: number | null;
  /** most common values and their frequencies (in memory only: user data) */
  mcv?: { values: (string | null)[]; freqs: number[] } | null;
  /** the middle histogram bound: a typical value among the others (in memory only: user data) */
  median?: string | null;
}

export interface CatalogIndex {
  oid?: number;
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
  /** per key: DESC */
  desc?: boolean[];
  /** per key: NULLS FIRST where that is not the direction's default, and the reverse */
  nullsNonDefault?: boolean[];
  /** per key: the operator class when it is not the type's default */
  opclasses?: (string | null)[];
  /** INCLUDE columns */
  include?: string[];
  /** the predicate as pg_get_expr prints it */
  predicate?: string | null;
  /** backs a constraint, is the replica identity, is attached to a partitioned index, or belongs to an extension: never dropped */
  pinned?: boolean;
  /** the index's comment (pgadvisor marks what it creates) */
  comment?: string | null;
  /** size from relpages */
  bytes?: number;
  scans?: number;
}

/** What the statistics counters say about writes and scans since they were last reset. */
export interface TableActivity {
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  inserts: number;
  updates: number;
  hotUpdates: number;
  deletes: number;
  liveRows: number;
  /** analyzed (manually or by autovacuum) at least once */
  analyzed: boolean;
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
  /** heap pages and all-visible pages as VACUUM/ANALYZE last recorded them (partitioned: summed) */
  pages?: number;
  allVisible?: number;
  partitions: number;
  activity?: TableActivity;
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
         CASE WHEN c.relkind = 'p' THEN ARRAY(SELECT t.relid FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE ARRAY[c.oid] END AS leaves
    FROM req
    JOIN pg_class c ON c.oid = req.oid
    JOIN pg_namespace n ON n.oid = c.relnamespace
)
SELECT rel.k AS key, rel.oid::int8 AS oid, rel.nspname AS schema, rel.relname AS name, rel.relkind::text AS kind,
       format('%I.%I', rel.nspname, rel.relname) AS qname,
       sz.rows::float8 AS rows, sz.bytes::int8 AS bytes, sz.pages::float8 AS pages, sz.allvisible::float8 AS all_visible,
       CASE WHEN rel.relkind = 'p' THEN cardinality(rel.leaves) ELSE 0 END AS partitions,
       json_build_object(
         'seqScan', st.seq_scan, 'seqTupRead', st.seq_tup_read, 'idxScan', st.idx_scan,
         'inserts', st.ins, 'updates', st.upd, 'hotUpdates', st.hot, 'deletes', st.del, 'liveRows', st.live,
         'analyzed', st.analyzed) AS activity,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', a.attname,
                 'type', format_type(a.atttypid, a.atttypmod),
                 'typeName', t.typname,
                 'category', t.typcategory,
                 'notNull', a.attnotnull,
                 'width', coalesce(s.avg_width, nullif(t.typlen, -1)::int),
                 'nDistinct', s.n_distinct,
                 'nullFrac', s.null_frac,
                 'correlation', s.correlation,
                 'mcv', CASE WHEN s.most_common_vals IS NOT NULL
                             THEN json_build_object('values', s.most_common_vals::text::text[], 'freqs', s.most_common_freqs) END,
                 'median', CASE WHEN s.histogram_bounds IS NOT NULL
                                THEN (s.histogram_bounds::text::text[])[(cardinality(s.histogram_bounds::text::text[]) + 1) / 2] END)
                 ORDER BY a.attnum), '[]')
          FROM pg_attribute a
          JOIN pg_type t ON t.oid = a.atttypid
          LEFT JOIN pg_stats s ON s.schemaname = rel.nspname AND s.tablename = rel.relname
                              AND s.attname = a.attname AND s.inherited = (rel.relkind = 'p')
         WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(json_agg(json_build_object(
                 'oid', i.indexrelid::int8,
                 'schema', ns.nspname,
                 'name', ic.relname,
                 'method', am.amname,
                 'unique', i.indisunique,
                 'primary', i.indisprimary,
                 'valid', i.indisvalid AND i.indisready,
                 'partial', i.indpred IS NOT NULL,
                 'predicate', pg_get_expr(i.indpred, i.indrelid, true),
                 'columns', (SELECT json_agg(a.attname ORDER BY k.ord)
                               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                              WHERE k.ord <= i.indnkeyatts),
                 'include', (SELECT coalesce(json_agg(a.attname ORDER BY k.ord), '[]')
                               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                              WHERE k.ord > i.indnkeyatts),
                 'keys', (SELECT json_agg(pg_get_indexdef(i.indexrelid, k.ord::int, true) ORDER BY k.ord)
                            FROM generate_series(1, i.indnkeyatts) AS k(ord)),
                 'desc', (SELECT json_agg((o.opt & 1) = 1 ORDER BY o.ord)
                            FROM unnest(i.indoption::int2[]) WITH ORDINALITY AS o(opt, ord) WHERE o.ord <= i.indnkeyatts),
                 'nullsNonDefault', (SELECT json_agg(((o.opt & 2) = 2) <> ((o.opt & 1) = 1) ORDER BY o.ord)
                            FROM unnest(i.indoption::int2[]) WITH ORDINALITY AS o(opt, ord) WHERE o.ord <= i.indnkeyatts),
                 'opclasses', (SELECT json_agg(CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END ORDER BY c.ord)
                            FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS c(opc, ord) JOIN pg_opclass oc ON oc.oid = c.opc
                           WHERE c.ord <= i.indnkeyatts),
                 'pinned', (EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
                            OR i.indisreplident OR ic.relkind = 'I'
                            OR EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
                            OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indrelid AND d.deptype = 'e')),
                 'comment', obj_description(i.indexrelid, 'pg_class'),
                 'bytes', ic.relpages::int8 * current_setting('block_size')::int8,
                 'scans', pg_stat_get_numscans(i.indexrelid),
                 'definition', pg_get_indexdef(i.indexrelid))
                 ORDER BY ic.relname), '[]')
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
  FROM rel
  -- sizes and counters over the table itself, or over every leaf partition of a partitioned one
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(greatest(lc.reltuples, 0)), 0) AS rows,
           coalesce(sum(lc.relpages::int8), 0) * current_setting('block_size')::int8 AS bytes,
           coalesce(sum(lc.relpages::int8), 0) AS pages,
           coalesce(sum(lc.relallvisible::int8), 0) AS allvisible
      FROM pg_class lc WHERE lc.oid = ANY (rel.leaves)) sz
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(pg_stat_get_numscans(l)), 0)::int8 AS seq_scan,
           coalesce(sum(pg_stat_get_tuples_returned(l)), 0)::int8 AS seq_tup_read,
           coalesce(sum((SELECT sum(pg_stat_get_numscans(ix.indexrelid)) FROM pg_index ix WHERE ix.indrelid = l)), 0)::int8 AS idx_scan,
           coalesce(sum(pg_stat_get_tuples_inserted(l)), 0)::int8 AS ins,
           coalesce(sum(pg_stat_get_tuples_updated(l)), 0)::int8 AS upd,
           coalesce(sum(pg_stat_get_tuples_hot_updated(l)), 0)::int8 AS hot,
           coalesce(sum(pg_stat_get_tuples_deleted(l)), 0)::int8 AS del,
           coalesce(sum(pg_stat_get_live_tuples(l)), 0)::int8 AS live,
           bool_or(pg_stat_get_last_analyze_time(l) IS NOT NULL OR pg_stat_get_last_autoanalyze_time(l) IS NOT NULL) AS analyzed
      FROM unnest(rel.leaves) AS l) st`;

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
      pages: Number(r.pages),
      allVisible: Number(r.all_visible),
      partitions: Number(r.partitions),
      activity: r.activity as TableActivity,
      columns: (r.columns as CatalogColumn[]) ?? [],
      indexes: ((r.indexes as CatalogIndex[]) ?? []).map((i) => ({ ...i, columns: i.columns ?? [], keys: i.keys ?? [], include: i.include ?? [] })),
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

/**
 * The statements that bring each index back exactly as it is (CREATE INDEX CONCURRENTLY from
 * pg_get_indexdef, its comment, CLUSTER ON), captured with an empty search_path so every name in them
 * is qualified whatever the applier's search_path. The session's search_path is restored afterwards.
 */
export async function recreateStatements(query: (sql: string, params?: unknown[]) => Promise<Row[]>, oids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!oids.length) return out;
  const [{ path }] = await query(`SELECT current_setting('search_path') AS path`);
  try {
    const rows = await query(
      `SELECT i.indexrelid::int8 AS oid,
              regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX ', 'CREATE \\1INDEX CONCURRENTLY IF NOT EXISTS ')
              || CASE WHEN obj_description(i.indexrelid, 'pg_class') IS NOT NULL
                      THEN format(E';\\nCOMMENT ON INDEX %I.%I IS %L', n.nspname, c.relname, obj_description(i.indexrelid, 'pg_class')) ELSE '' END
              || CASE WHEN i.indisclustered THEN format(E';\\nALTER TABLE %s CLUSTER ON %I', i.indrelid::regclass, c.relname) ELSE '' END AS sql
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE i.indexrelid = ANY ($1::oid[]) AND (SELECT set_config('search_path', '', true)) IS NOT NULL`,
      [oids],
    );
    for (const r of rows) out.set(Number(r.oid), String(r.sql));
  } finally {
    await query(`SELECT set_config('search_path', $1, true)`, [path]);
  }
  return out;
}
