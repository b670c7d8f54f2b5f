// Btree index candidates from what statements ask of a table: equality (and IS NULL) keys first,
// then one range key, then the ORDER BY keys when the index can deliver that order.
import type { IndexKey } from './workload-ddl.ts';
import { keyLabel } from './workload-ddl.ts';
import type { CatalogTable } from './workload-catalog.ts';
import type { ResolvedStatement } from './workload-statements.ts';

export const MAX_KEYS = 3;
const INDEXABLE_KINDS = new Set(['r', 'p', 'm']);

export interface Candidate {
  /** `<oid>:<key labels>`: one candidate per table and key list */
  id: string;
  table: CatalogTable;
  keys: IndexKey[];
  /** how many leading keys are equality keys (their order does not matter) */
  equalityKeys: number;
  /** why: `filter` (WHERE/ON filters and sort) or `join` (inner side of a nested loop) */
  source: 'filter' | 'join';
  statements: ResolvedStatement[];
}

export function candidateLabel(c: Pick<Candidate, 'keys'>): string {
  return c.keys.map(keyLabel).join(', ');
}

/** Candidates of every statement, merged by table and keys; those an existing index already serves are left out. */
export function buildCandidates(statements: ResolvedStatement[]): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const st of statements) {
    for (const c of statementCandidates(st)) {
      if (coveredByExisting(c.table, c.keys, c.equalityKeys)) continue;
      const existing = byId.get(c.id);
      if (existing) {
        if (!existing.statements.includes(st)) existing.statements.push(st);
      } else {
        byId.set(c.id, { ...c, statements: [st] });
      }
    }
  }
  return [...byId.values()];
}

function statementCandidates(st: ResolvedStatement): Omit<Candidate, 'statements'>[] {
  const { shape } = st.stmt;
  const out: Omit<Candidate, 'statements'>[] = [];
  shape.relations.forEach((rel, index) => {
    const table = st.table(index);
    if (!table || !INDEXABLE_KINDS.has(table.kind)) return;
    const mine = (use: Parameters<ResolvedStatement['rel']>[0]) => st.rel(use) === index;

    const eq: IndexKey[] = [];
    const range: IndexKey[] = [];
    for (const p of shape.predicates) {
      if (p.block !== rel.block || !mine(p.key.column)) continue;
      const key: IndexKey = { column: p.key.column.column, func: p.key.func, desc: false };
      const list = p.op === 'range' ? range : eq;
      if (!list.some((k) => sameKey(k, key))) list.push(key);
    }
    // Most distinct equality column first: it narrows the scan soonest and serves the most other queries.
    eq.sort((a, b) => distinctness(table, b) - distinctness(table, a));

    const sort = shape.sorts.find((s) => s.block === rel.block);
    const sortKeys = sort && sort.keys.every((k) => mine(k.column)) ? sort.keys : [];
    const keys: IndexKey[] = [...eq];
    const firstRange = range.find((r) => !keys.some((k) => sameKey(k, r)));
    if (firstRange) keys.push(firstRange);
    if (sortKeys.length && (!firstRange || sameKey(firstRange, { column: sortKeys[0].column.column, func: null, desc: false }))) {
      const mixed = sortKeys.some((k) => k.desc !== sortKeys[0].desc);
      for (const s of sortKeys) {
        const key: IndexKey = { column: s.column.column, func: null, desc: mixed && s.desc };
        if (!keys.some((k) => sameKey(k, key))) keys.push(key);
      }
    }
    if (keys.length && (eq.length || firstRange || sortKeys.length)) {
      const trimmed = keys.slice(0, MAX_KEYS);
      out.push(candidate(table, trimmed, Math.min(eq.length, MAX_KEYS), 'filter'));
      return;
    }
    // No filter on this table: an index on a join column lets it be the inner side of a nested loop.
    for (const j of shape.joins) {
      if (j.block !== rel.block) continue;
      const side = mine(j.left) ? j.left : mine(j.right) ? j.right : null;
      if (side) {
        out.push(candidate(table, [{ column: side.column, func: null, desc: false }], 1, 'join'));
        break;
      }
    }
  });
  return out;
}

function candidate(table: CatalogTable, keys: IndexKey[], equalityKeys: number, source: Candidate['source']): Omit<Candidate, 'statements'> {
  const eqPart = keys.slice(0, equalityKeys).map(keyLabel).sort();
  const rest = keys.slice(equalityKeys).map(keyLabel);
  return { id: `${table.oid}:${[...eqPart, '|', ...rest].join(',')}`, table, keys, equalityKeys, source };
}

function sameKey(a: IndexKey, b: IndexKey): boolean {
  return a.column === b.column && (a.func ?? []).join('.') === (b.func ?? []).join('.');
}

function distinctness(table: CatalogTable, key: IndexKey): number {
  const col = table.columns.find((c) => c.name === key.column);
  const nd = col?.nDistinct;
  if (nd == null) return 0;
  return nd < 0 ? -nd * Math.max(table.rows, 1) : nd;
}

/**
 * True when a valid, non-partial btree index already leads with these keys: the equality keys in
 * any order, then the rest in order (direction ignored: btree scans both ways). Expression keys are
 * left to the hypothetical-index test, which sees any existing expression index in the plan.
 */
export function coveredByExisting(table: CatalogTable, keys: IndexKey[], equalityKeys: number): boolean {
  if (keys.some((k) => k.func)) return false;
  const eq = new Set(keys.slice(0, equalityKeys).map((k) => k.column));
  const rest = keys.slice(equalityKeys).map((k) => k.column);
  return table.indexes.some((ix) => {
    if (ix.method !== 'btree' || !ix.valid || ix.partial || ix.columns.length < keys.length) return false;
    const lead = ix.columns.slice(0, eq.size);
    if (lead.some((c) => c === null || !eq.has(c)) || new Set(lead).size !== eq.size) return false;
    return rest.every((c, i) => ix.columns[eq.size + i] === c);
  });
}
