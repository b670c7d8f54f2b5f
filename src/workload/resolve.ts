// Statements that refer to relations this database lacks are left out of the workload: no analyzer can
// plan them here. The relation names of every statement come from the parser (CTE names aside), and all
// of them are looked up in one catalog query per run, whatever the number of statements.
import { loadModule, parseSync } from 'libpg-query';
import type { Row } from '../playbooks/types.ts';

export interface RelationRef {
  schema: string | null;
  name: string;
}

/** The relations a statement names (not its CTEs); null when it does not parse. */
export function relationsOf(sql: string): RelationRef[] | null {
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch {
    return null;
  }
  const refs: RelationRef[] = [];
  const ctes = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    // a RangeVar: wrapped ({"RangeVar": …}) where any node may stand, bare where the field is one (INSERT's relation)
    const rv = node as { schemaname?: string; relname?: unknown; relpersistence?: string };
    if (typeof rv.relname === 'string' && 'relpersistence' in rv) refs.push({ schema: rv.schemaname ?? null, name: rv.relname });
    for (const [key, value] of Object.entries(node)) {
      if (key === 'CommonTableExpr') {
        const name = (value as { ctename?: string }).ctename;
        if (name) ctes.add(name);
      }
      walk(value);
    }
  };
  walk(tree);
  return refs.filter((r) => r.schema !== null || !ctes.has(r.name));
}

export async function loadParser(): Promise<void> {
  await loadModule();
}

/** The names among `refs` that no relation of this database answers to (an unqualified name: in any schema). */
export async function missingRelations(query: (sql: string, params?: unknown[]) => Promise<Row[]>, refs: RelationRef[]): Promise<Set<string>> {
  const names = [...new Set(refs.map((r) => r.name))];
  const missing = new Set<string>();
  if (!names.length) return missing;
  const rows = await query(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ANY($1::text[])`,
    [names],
  );
  const qualified = new Set(rows.map((r) => `${String(r.schema)}.${String(r.name)}`));
  const bare = new Set(rows.map((r) => String(r.name)));
  for (const r of refs) if (!(r.schema ? qualified.has(`${r.schema}.${r.name}`) : bare.has(r.name))) missing.add(refKey(r));
  return missing;
}

export function refKey(r: RelationRef): string {
  return `${r.schema ?? ''}\u0000${r.name}`;
}

/** A relation (by refKey) for a one-line message: quoted as the server would, control characters replaced. */
export function showRelation(key: string): string {
  const ident = (p: string) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`);
  const [schema, name] = key.split('\u0000');
  return `${schema ? `${ident(schema)}.` : ''}${ident(name)}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
