// Btree candidates from statement shapes, against a hand-made catalog.
import { describe, expect, test } from 'vitest';
import { buildCandidates, candidateLabel, coveredByExisting } from '../../../src/playbooks/analyzers/workload-candidates.ts';
import { refKey, type CatalogIndex, type CatalogTable } from '../../../src/playbooks/analyzers/workload-catalog.ts';
import { parseStatements, ResolvedStatement } from '../../../src/playbooks/analyzers/workload-statements.ts';

function index(name: string, columns: (string | null)[], extra: Partial<CatalogIndex> = {}): CatalogIndex {
  return { schema: 'public', name, method: 'btree', unique: false, primary: false, valid: true, partial: false, columns, keys: columns.map(String), definition: '', ...extra };
}

function table(name: string, columns: [string, number][], indexes: CatalogIndex[] = [], oid = 1): CatalogTable {
  return {
    oid,
    schema: 'public',
    name,
    kind: 'r',
    rows: 100_000,
    bytes: 8_000_000,
    partitions: 0,
    columns: columns.map(([c, nd]) => ({ name: c, type: 'int', notNull: true, width: 4, nDistinct: nd })),
    indexes,
    foreignKeys: [],
  };
}

const ORDERS = table('orders', [['id', -1], ['customer_id', 5000], ['status', 4], ['created_at', -0.9], ['total', -0.5]], [index('orders_pkey', ['id'], { unique: true, primary: true })], 10);
const EVENTS = table('events', [['id', -1], ['kind', 20], ['at', -1]], [index('events_kind_at', ['kind', 'at']), index('events_at_part', ['at'], { partial: true })], 20);

async function candidates(sqls: string[]) {
  const tables = new Map<string, CatalogTable | null>([
    [refKey({ schema: null, name: 'orders' }), ORDERS],
    [refKey({ schema: null, name: 'events' }), EVENTS],
  ]);
  const parsed = await parseStatements(sqls.map((query, i) => ({ queryid: String(i), query, calls: 10, rows: 10, totalMs: 10 - i, meanMs: 1, toplevel: true })));
  return buildCandidates(parsed.map((p) => new ResolvedStatement(p, tables)));
}

describe('buildCandidates', () => {
  test('equality keys (most distinct first), then one range key, then ORDER BY when the order can be delivered', async () => {
    const c = await candidates([
      'SELECT * FROM orders WHERE status = $1 AND customer_id = $2 AND total > $3',
      'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2',
      'SELECT * FROM orders WHERE status = $1 AND created_at >= $2 ORDER BY created_at',
      'SELECT * FROM orders WHERE status = $1 AND total > $2 ORDER BY created_at',
    ]);
    expect(c.map(candidateLabel)).toEqual(['customer_id, status, total', 'customer_id, created_at', 'status, created_at', 'status, total']);
  });

  test('mixed sort directions keep DESC; the same keys from two statements merge into one candidate', async () => {
    const c = await candidates([
      'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, total',
      'SELECT id FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at DESC, o.total',
      'SELECT id FROM orders WHERE customer_id IN ($1, $2) ORDER BY created_at DESC, total',
    ]);
    expect(c).toHaveLength(1);
    expect(candidateLabel(c[0])).toBe('customer_id, created_at DESC, total');
    expect(c[0].statements).toHaveLength(3);
  });

  test('an existing index that leads with the keys covers them (equality keys in any order); partial ones do not', async () => {
    expect(coveredByExisting(EVENTS, [{ column: 'kind', func: null, desc: false }], 1)).toBe(true);
    expect(coveredByExisting(EVENTS, [{ column: 'kind', func: null, desc: false }, { column: 'at', func: null, desc: true }], 1)).toBe(true);
    expect(coveredByExisting(EVENTS, [{ column: 'at', func: null, desc: false }], 0)).toBe(false);
    expect(coveredByExisting(EVENTS, [{ column: 'at', func: null, desc: false }, { column: 'kind', func: null, desc: false }], 2)).toBe(true);
    expect(coveredByExisting(EVENTS, [{ column: 'at', func: null, desc: false }, { column: 'kind', func: null, desc: false }], 1)).toBe(false);
    const c = await candidates(['SELECT * FROM events WHERE kind = $1 ORDER BY at', 'SELECT * FROM events WHERE at > $1', 'SELECT * FROM orders WHERE id = $1']);
    expect(c.map((x) => `${x.table.name} (${candidateLabel(x)})`)).toEqual(['events (at)']);
  });

  test('join columns become a candidate only for a table with no filter of its own', async () => {
    const c = await candidates(['SELECT * FROM events e JOIN orders o ON o.total = e.kind WHERE e.at > $1']);
    expect(c.map((x) => `${x.table.name} (${candidateLabel(x)}) ${x.source}`)).toEqual(['events (at) filter', 'orders (total) join']);
  });

  test('unknown tables, system catalogs and unresolvable columns give nothing', async () => {
    const c = await candidates(['SELECT * FROM pg_class WHERE relname = $1', 'SELECT * FROM nowhere WHERE x = $1', 'SELECT * FROM orders WHERE nosuch = $1']);
    expect(c).toEqual([]);
  });
});
