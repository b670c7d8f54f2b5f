// CREATE INDEX and DROP INDEX statements read back with the Postgres parser (libpg-query): any SQL, expressions
// and predicates compared by their parse trees. Importing this module loads the parser's WebAssembly;
// index-read.ts reads the common statements without it.
import { loadModule, parseSync } from 'libpg-query';
import { type IndexStatements, type ParsedIndex, type ParsedKey } from './index-spec.ts';

await loadModule();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** A function or type name as people write it: bare when that reads back the same, quoted otherwise (quote_ident's rule). */
export { quoteIdent as quoteName } from '../migration/quote.ts';

/** The CREATE INDEX and DROP INDEX statements in a piece of SQL; an unparseable text yields none. */
export function indexStatements(sql: string | null): IndexStatements {
  const out: IndexStatements = { creates: [], drops: [] };
  // Most findings' SQL creates or drops no index: skip the parser for them (it is the costliest step of a check).
  if (!sql || !/\b(create|drop)\b[\s\S]*\bindex\b/i.test(sql)) return out;
  let tree: Obj;
  try {
    tree = parseSync(sql) as Obj;
  } catch {
    return out;
  }
  for (const raw of tree.stmts ?? []) {
    const stmt = raw.stmt ?? {};
    if (stmt.IndexStmt) {
      const created = readIndexStmt(stmt.IndexStmt);
      if (created) out.creates.push(created);
    } else if (stmt.DropStmt?.removeType === 'OBJECT_INDEX') {
      for (const o of stmt.DropStmt.objects ?? []) {
        const names = (o.List?.items ?? []).map((i: Obj) => String(i.String?.sval ?? ''));
        if (names.length === 1) out.drops.push([null, names[0]]);
        else if (names.length >= 2) out.drops.push([names[names.length - 2], names[names.length - 1]]);
      }
    }
  }
  return out;
}

function readIndexStmt(n: Obj): ParsedIndex | null {
  const rel = n.relation;
  if (!rel?.relname) return null;
  const keys: ParsedKey[] = [];
  for (const p of n.indexParams ?? []) {
    const e = p.IndexElem;
    if (!e) return null;
    const opclass = (e.opclass ?? []).map((x: Obj) => String(x.String?.sval ?? '')).join('.') || null;
    keys.push({
      column: e.name ?? null,
      identity: e.name ? `col:${e.name}` : `expr:${identity(e.expr)}`,
      opclass,
      desc: e.ordering === 'SORTBY_DESC',
      nulls: e.nulls_ordering === 'SORTBY_NULLS_FIRST' ? 'first' : e.nulls_ordering === 'SORTBY_NULLS_LAST' ? 'last' : null,
    });
  }
  const include = (n.indexIncludingParams ?? []).map((p: Obj) => String(p.IndexElem?.name ?? ''));
  return {
    schema: rel.schemaname ?? null,
    table: rel.relname,
    name: n.idxname ?? null,
    method: n.accessMethod ?? 'btree',
    unique: Boolean(n.unique),
    keys,
    include,
    predicate: n.whereClause ? identity(n.whereClause) : null,
  };
}

/**
 * A parse tree as text with every position removed, and casts of literals unwrapped (the catalog prints
 * `status = 'pending'::text` where a proposal wrote `"status" = 'pending'`): equal texts, same expression.
 */
function identity(node: unknown): string {
  return JSON.stringify(node, (k, v) => {
    if (k === 'location') return undefined;
    if (v && typeof v === 'object' && !Array.isArray(v) && (v as Obj).TypeCast?.arg?.A_Const) return (v as Obj).TypeCast.arg;
    return v;
  });
}

