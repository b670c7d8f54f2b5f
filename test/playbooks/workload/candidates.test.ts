// Index candidates of every kind from statement shapes, against a hand-made catalog with pg_stats, and
// the near misses that must get none: a tiny table, a filter matching most rows, a statement already served.
import { describe, expect, test } from 'vitest';
import { buildCandidates, likeKind, NO_VALUES, type Candidate, type ParamValues, type Stmt } from '../../../src/playbooks/analyzers/workload-candidates.ts';
import { refKey, type CatalogColumn, type CatalogIndex, type CatalogTable } from '../../../src/playbooks/analyzers/workload-catalog.ts';
import { parseStatements, ResolvedStatement } from '../../../src/playbooks/analyzers/workload-statements.ts';
import { choose, type Costing } from '../../../src/playbooks/analyzers/workload-select.ts';
import type { Baseline, Evaluation, Outcome } from '../../../src/playbooks/analyzers/workload-validate.ts';

type Col = Partial<CatalogColumn> & { name: string };

function col(name: string, extra: Partial<CatalogColumn> = {}): Col {
  return { name, ...extra };
}

function index(name: string, definition: string, extra: Partial<CatalogIndex> = {}): CatalogIndex {
  return { schema: 'public', name, method: 'btree', unique: false, primary: false, valid: true, partial: false, columns: [], keys: [], definition, ...extra };
}

function table(name: string, cols: Col[], extra: Partial<CatalogTable> = {}): CatalogTable {
  return {
    oid: name.length * 1000 + name.charCodeAt(0),
    schema: 'public',
    name,
    qname: `public.${name}`,
    kind: 'r',
    rows: 100_000,
    bytes: 80_000_000,
    pages: 10_000 - 1,
    allVisible: 0,
    partitions: 0,
    activity: { seqScan: 0, seqTupRead: 0, idxScan: 0, inserts: 1000, updates: 500, hotUpdates: 0, deletes: 0, liveRows: 100_000, analyzed: true },
    columns: cols.map((c) => ({ type: 'integer', typeName: 'int4', category: 'N', notNull: false, width: 4, nDistinct: -1, nullFrac: 0, correlation: 0, mcv: null, ...c })),
    indexes: [],
    foreignKeys: [],
    ...extra,
  };
}

const ORDERS = table('orders', [
  col('id'),
  col('customer_id', { nDistinct: 5000 }),
  col('status', { type: 'text', typeName: 'text', category: 'S', nDistinct: 3, mcv: { values: ['done', 'shipped', 'pending'], freqs: [0.9, 0.08, 0.02] } }),
  col('created_at', { type: 'timestamptz', typeName: 'timestamptz', category: 'D', correlation: 0.99 }),
  col('total', { type: 'numeric', typeName: 'numeric' }),
  col('archived', { type: 'boolean', typeName: 'bool', category: 'B', nDistinct: 2, mcv: { values: ['f', 't'], freqs: [0.97, 0.03] } }),
  col('shipped_at', { type: 'timestamptz', typeName: 'timestamptz', category: 'D', nullFrac: 0.05 }),
  col('email', { type: 'text', typeName: 'text', category: 'S' }),
  col('data', { type: 'jsonb', typeName: 'jsonb', category: 'U', width: 200 }),
  col('tags', { type: 'text[]', typeName: '_text', category: 'A', width: 40 }),
  col('tsv', { type: 'tsvector', typeName: 'tsvector', category: 'U', width: 300 }),
  col('body', { type: 'text', typeName: 'text', category: 'S', width: 500 }),
  col('code', { type: 'character(8)', typeName: 'bpchar', category: 'S', width: 9 }),
]);

const TINY = table('tiny', [col('id'), col('code', { type: 'text', typeName: 'text', category: 'S' })], { rows: 50, pages: 1 });

async function candidates(
  sqls: string[],
  opts: { values?: Record<number, (string | null)[][]>; tables?: CatalogTable[]; prefer?: Map<number, Set<string>>; trgm?: string | null; trgmAvailable?: boolean; calls?: number } = {},
): Promise<{ list: Candidate[]; skips: string[] }> {
  const tables = new Map<string, CatalogTable | null>();
  for (const t of opts.tables ?? [ORDERS, TINY]) tables.set(refKey({ schema: null, name: t.name }), t);
  const parsed = await parseStatements(sqls.map((query, i) => ({ query, calls: opts.calls ?? 10, i })));
  const resolved = parsed.map((p) => new ResolvedStatement(p, tables));
  const valuesOf = (st: Stmt): ParamValues => {
    const samples = opts.values?.[(st.stmt as unknown as { i: number }).i];
    if (!samples) return NO_VALUES;
    return {
      sampled: true,
      constant: (n) => {
        const vs = new Set(samples.map((s) => s[n - 1]));
        return vs.size === 1 ? samples[0][n - 1] : undefined;
      },
      values: (n) => [...new Set(samples.map((s) => s[n - 1]))],
    };
  };
  const { candidates: list, skips } = buildCandidates({ statements: resolved, values: valuesOf, preferLeading: opts.prefer, trgmSchema: opts.trgm ?? null, trgmAvailable: opts.trgmAvailable ?? true });
  return { list, skips: skips.map((s) => `${s.table.name}: ${s.reason}`) };
}

/** `method (keys) INCLUDE (…) WHERE … [kinds]` with the predicate's SQL (the one place a value appears). */
function show(c: Candidate): string {
  const keys = c.keys.map((k) => [k.sql, k.opclass, k.desc ? 'DESC' : '', k.nulls ? `NULLS ${k.nulls.toUpperCase()}` : ''].filter(Boolean).join(' ')).join(', ');
  const include = c.include.length ? ` INCLUDE (${c.include.join(', ')})` : '';
  const where = c.predicate ? ` WHERE ${c.predicate.sql}` : '';
  return `${c.method} (${keys})${include}${where} [${c.kinds.join(',')}]`;
}

describe('btree composites', () => {
  test('equality keys (most distinct first), then one range key, then ORDER BY with its direction', async () => {
    const { list } = await candidates([
      'SELECT * FROM orders WHERE total > $1 AND customer_id = $2 AND email = $3',
      'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2',
      'SELECT * FROM orders WHERE customer_id = $1 AND created_at >= $2 ORDER BY created_at',
      'SELECT * FROM orders WHERE customer_id = $1 AND total > $2 ORDER BY created_at',
      'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC NULLS LAST, id',
    ]);
    expect(list.map(show)).toEqual([
      'btree ("email", "customer_id", "total") [btree]',
      'btree ("customer_id", "created_at" DESC) [btree]',
      'btree ("customer_id", "created_at") [btree]',
      'btree ("customer_id", "total") [btree]',
      'btree ("customer_id", "created_at" DESC NULLS LAST, "id") [btree]',
    ]);
    expect(list.map((c) => c.freePrefix)).toEqual([2, 1, 1, 1, 1]);
  });

  test('IN lists come after single-value keys; the same index from two statements is one candidate', async () => {
    const { list } = await candidates([
      'SELECT * FROM orders WHERE customer_id IN ($1, $2) AND email = $3',
      'SELECT id FROM orders o WHERE o.email = $1 AND o.customer_id = ANY($2)',
    ]);
    expect(list.map(show)).toEqual(['btree ("email", "customer_id") [btree]']);
    expect(list[0].freePrefix).toBe(1);
    expect(list[0].statements).toHaveLength(2);
  });

  test('a column a foreign key wants indexed leads the equality keys', async () => {
    const { list } = await candidates(['SELECT * FROM orders WHERE email = $1 AND customer_id = $2'], { prefer: new Map([[ORDERS.oid, new Set(['customer_id'])]]) });
    expect(list.map(show)).toEqual(['btree ("customer_id", "email") [btree]']);
  });

  test('join columns only for a table the statement neither filters nor sorts', async () => {
    const customers = table('customers', [col('id'), col('region')]);
    const { list } = await candidates(['SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.region = $1'], { tables: [ORDERS, customers] });
    expect(list.map((c) => `${c.table.name} ${show(c)}`)).toEqual(['customers btree ("region") [btree]', 'orders btree ("customer_id") [join]']);
  });
});

describe('partial indexes', () => {
  test("the value the workload always asks for, on a skewed column: the value goes into WHERE, the sort key becomes the key", async () => {
    const { list } = await candidates(['SELECT * FROM orders WHERE status = $1 ORDER BY created_at LIMIT $2'], { values: { 0: [['pending', '10'], ['pending', '20']] } });
    expect(list.map(show)).toEqual(['btree ("status", "created_at") [btree]', `btree ("created_at") WHERE "status" = 'pending' [partial]`]);
    expect(list[1].predicate).toMatchObject({ column: 'status', source: 'workload', fraction: 0.02, param: 1, value: 'pending' });
    expect(list[1].assumptions).toEqual([]);
  });

  test('without constants, the rarest value in pg_stats — and the finding will say it assumes it', async () => {
    const { list } = await candidates(['SELECT * FROM orders WHERE status = $1 AND customer_id = $2']);
    expect(list.map(show)).toEqual(['btree ("customer_id", "status") [btree]', `btree ("customer_id") WHERE "status" = 'pending' [partial]`]);
    expect(list[1].predicate?.source).toBe('pg_stats');
    expect(list[1].assumptions[0]).toMatch(/assumes the application asks for the rarest value of status \(about 2 % of the rows/);
    expect(list[1].assumptions[0]).not.toContain('pending');
  });

  test('near misses: the common value, or several values, get no partial index; a low-cardinality column alone is no key', async () => {
    const common = await candidates(['SELECT * FROM orders WHERE status = $1'], { values: { 0: [['done']] } });
    expect(common.list.map(show)).toEqual([]);
    expect(common.skips).toEqual(['orders: no filter on it that an index can serve']);
    const varied = await candidates(['SELECT * FROM orders WHERE status = $1 ORDER BY created_at'], { values: { 0: [['pending'], ['done']] } });
    expect(varied.list.map(show)).toEqual(['btree ("status", "created_at") [btree]']);
  });

  test('IS NULL on a mostly non-null column, and a rare boolean, written as the statement writes them', async () => {
    const { list } = await candidates(['SELECT id FROM orders WHERE shipped_at IS NULL ORDER BY created_at', 'SELECT id FROM orders WHERE archived AND customer_id = $1', 'SELECT id FROM orders WHERE NOT archived']);
    expect(list.map(show)).toEqual([
      'btree ("shipped_at", "created_at") [btree]',
      'btree ("created_at") WHERE "shipped_at" IS NULL [partial]',
      'btree ("customer_id") [btree]',
      'btree ("customer_id") WHERE "archived" [partial]',
    ]);
  });
});

describe('expression indexes', () => {
  test('lower(email), casts and ->> become expression keys; a parameter inside needs a constant from the workload', async () => {
    const { list } = await candidates(
      ['SELECT id FROM orders WHERE lower(email) = lower($1)', 'SELECT id FROM orders WHERE created_at::date = $1', 'SELECT id FROM orders WHERE data ->> $1 = $2', 'SELECT id FROM orders WHERE data ->> $1 = $2 AND total > $3'],
      { values: { 2: [['kind', 'a'], ['kind', 'b']] } },
    );
    expect(list.map(show)).toEqual([
      'btree ((lower("email"))) [btree,expression]',
      'btree ((CAST("created_at" AS date))) [btree,expression]',
      `btree ((("data" ->> 'kind'))) [btree,expression]`,
      'btree ("total") [btree]',
    ]);
    // labels never show a constant
    expect(list[2].labels).toEqual(['(data ->> …)']);
  });

  test('a parameter inside the expression with no value, or with values that vary: no expression index, and the skip names the parameter', async () => {
    const { list, skips } = await candidates(['SELECT id FROM orders WHERE data ->> $1 = $2', 'SELECT id FROM orders WHERE data ->> $1 = $2'], { values: { 1: [['kind', 'a'], ['n', 'b']] } });
    expect(list).toEqual([]);
    expect(skips[0]).toMatch(/^orders: \(data ->> …\) takes \$1, and the workload gave no value for it \(pg_stat_statements keeps none\): an index on the expression needs that constant/);
    expect(skips[1]).toBe('orders: (data ->> …) takes $1, whose value varies between calls in the workload: an expression index is built for one value, so none is proposed');
    // no constant in any skip reason
    for (const s of skips) expect(s).not.toMatch(/kind|'n'/);
  });
});

describe('GIN', () => {
  test('jsonb: jsonb_path_ops when only containment is asked, the default operator class for key existence', async () => {
    const { list } = await candidates(['SELECT id FROM orders WHERE data @> $1', 'SELECT id FROM orders WHERE data ? $1']);
    expect(list.map(show)).toEqual(['gin ("data" jsonb_path_ops) [gin-jsonb]', 'gin ("data") [gin-jsonb]']);
  });

  test('arrays (@>, <@, &&) and full text on a tsvector column or on to_tsvector with its configuration', async () => {
    const { list } = await candidates(
      ['SELECT id FROM orders WHERE tags && $1', 'SELECT id FROM orders WHERE tsv @@ to_tsquery($1)', 'SELECT id FROM orders WHERE to_tsvector($1, body) @@ plainto_tsquery($2, $3)', 'SELECT id FROM orders WHERE to_tsvector(body) @@ plainto_tsquery($1)'],
      { values: { 2: [['english', 'english', 'x'], ['english', 'english', 'y']] } },
    );
    expect(list.map(show)).toEqual([
      'gin ("tags") [gin-array]',
      'gin ("tsv") [gin-fulltext]',
      `gin ((to_tsvector('english', "body"))) [gin-fulltext,expression]`,
    ]);
  });

  test('to_tsvector without a value for its configuration, or without a configuration at all: no index, and the skip says why', async () => {
    const { list, skips } = await candidates(['SELECT id FROM orders WHERE to_tsvector($1, body) @@ plainto_tsquery($2, $3)', 'SELECT id FROM orders WHERE to_tsvector(body) @@ plainto_tsquery($1)']);
    expect(list).toEqual([]);
    expect(skips[0]).toMatch(/^orders: to_tsvector\(…, body\) takes \$1, and the workload gave no value for it/);
    expect(skips[1]).toMatch(/^orders: to_tsvector\(body\) has no text search configuration, so it depends on the setting default_text_search_config and no index can serve it/);
  });
});

describe('LIKE, ILIKE and regular expressions', () => {
  test('a leading wildcard gets a trigram index (creating pg_trgm when it is missing); a prefix gets a pattern btree', async () => {
    const { list } = await candidates(["SELECT id FROM orders WHERE body ILIKE '%needle%'", "SELECT id FROM orders WHERE email LIKE 'abc%'", "SELECT id FROM orders WHERE code LIKE 'AB1%'"]);
    expect(list.map(show)).toEqual(['gin ("body" "extensions".gin_trgm_ops) [trigram]', 'btree ("email" text_pattern_ops) [pattern]', 'btree ("code" bpchar_pattern_ops) [pattern]']);
    expect(list[0].extension).toBe('pg_trgm');
    const installed = await candidates(["SELECT id FROM orders WHERE body ~* 'needle'"], { trgm: 'public' });
    expect(installed.list.map(show)).toEqual(['gin ("body" "public".gin_trgm_ops) [trigram]']);
    expect(installed.list[0].extension).toBeNull();
    // a server without contrib cannot create pg_trgm: no trigram index, and the alignment says why
    const unavailable = await candidates(["SELECT id FROM orders WHERE body ILIKE '%needle%'"], { trgmAvailable: false });
    expect(unavailable.list).toEqual([]);
    expect(unavailable.skips).toEqual(['orders: a pattern with a leading wildcard on body needs a trigram index, and pg_trgm is not available on this server (pg_available_extensions): install PostgreSQL\'s contrib modules to get one']);
    const installedAnyway = await candidates(["SELECT id FROM orders WHERE body ILIKE '%needle%'"], { trgm: 'public', trgmAvailable: false });
    expect(installedAnyway.list.map(show)).toEqual(['gin ("body" "public".gin_trgm_ops) [trigram]']);
  });

  test('patterns from the workload decide; with none the finding assumes a search-box pattern; short patterns get nothing', async () => {
    const sampled = await candidates(['SELECT id FROM orders WHERE body ILIKE $1'], { values: { 0: [['%alpha%'], ['%beta%']] } });
    expect(sampled.list.map(show)).toEqual(['gin ("body" "extensions".gin_trgm_ops) [trigram]']);
    expect(sampled.list[0].assumptions).toEqual([]);
    const unknown = await candidates(['SELECT id FROM orders WHERE body ILIKE $1']);
    expect(unknown.list[0].assumptions[0]).toMatch(/assumes patterns with a leading wildcard/);
    const short = await candidates(['SELECT id FROM orders WHERE body ILIKE $1'], { values: { 0: [['%ai%']] } });
    expect(short.list).toEqual([]);
    expect(likeKind('%ab%')).toBe('short');
    expect(likeKind('abc%')).toBe('prefix');
    expect(likeKind('%a_c%')).toBe('short');
    expect(likeKind('%abc%def')).toBe('infix');
    expect(likeKind('abc')).toBe('exact');
  });

  test('LIKE on a parameter with no value: anchored or not decides between a btree and a trigram index, so neither is proposed, and the skip says why', async () => {
    const unknown = await candidates(['SELECT id FROM orders WHERE email LIKE $1', 'SELECT id FROM orders WHERE code LIKE $1']);
    expect(unknown.list).toEqual([]);
    for (const [i, column] of ['email', 'code'].entries()) {
      expect(unknown.skips[i]).toMatch(new RegExp(`^orders: the pattern ${column} LIKE [$]1 is a parameter the workload gave no value for .*cannot tell whether it is anchored .*so none is proposed on a guess`));
    }
    // ILIKE, a regular expression or an expression key: only a trigram index serves them, anchored or not
    const trigramAnyway = await candidates(['SELECT id FROM orders WHERE email ILIKE $1', 'SELECT id FROM orders WHERE email ~ $1', 'SELECT id FROM orders WHERE lower(email) LIKE $1']);
    expect(trigramAnyway.list.map(show)).toEqual([
      'gin ("email" "extensions".gin_trgm_ops) [trigram]',
      'gin ((lower("email")) "extensions".gin_trgm_ops) [trigram,expression]',
    ]);
    for (const c of trigramAnyway.list) expect(c.assumptions[0]).toMatch(/assumes (patterns|regular expressions) with a leading wildcard/);
    const prefixes = await candidates(['SELECT id FROM orders WHERE email LIKE $1'], { values: { 0: [['abc%'], ['abd%']] } });
    expect(prefixes.list.map(show)).toEqual(['btree ("email" text_pattern_ops) [pattern]']);
  });

  test('a pattern concatenated from parameters and literals (LIKE $1 || \'%\') is made from the workload\'s values', async () => {
    const sampled = await candidates(["SELECT id FROM orders WHERE email LIKE $1 || '%'", "SELECT id FROM orders WHERE body LIKE '%' || $1 || '%'"], {
      values: { 0: [['abc'], ['abd']], 1: [['alpha'], ['omega']] },
    });
    expect(sampled.list.map(show)).toEqual(['btree ("email" text_pattern_ops) [pattern]', 'gin ("body" "extensions".gin_trgm_ops) [trigram]']);
    expect(sampled.list.every((c) => c.assumptions.length === 0)).toBe(true);
    // as normalized ($1 || $2, the '%' a constant of every sample)
    const normalized = await candidates(['SELECT id FROM orders WHERE email LIKE $1 || $2'], { values: { 0: [['abc', '%'], ['abd', '%']] } });
    expect(normalized.list.map(show)).toEqual(['btree ("email" text_pattern_ops) [pattern]']);
    // two parts that both vary, or no values: no guess, and the reason
    const both = await candidates(['SELECT id FROM orders WHERE email LIKE $1 || $2'], { values: { 0: [['abc', '%'], ['%', 'abc']] } });
    expect(both.list).toEqual([]);
    expect(both.skips[0]).toMatch(/^orders: the pattern email LIKE [$]1 [|][|] [$]2 is built from parameters that vary together in the workload's values: cannot tell whether it is anchored/);
    const none = await candidates(['SELECT id FROM orders WHERE email LIKE $1 || $2']);
    expect(none.list).toEqual([]);
    expect(none.skips[0]).toMatch(/^orders: the pattern email LIKE [$]1 [|][|] [$]2 is built from parameters the workload gave no value for .*cannot tell whether it is anchored/);
  });
});

describe('BRIN', () => {
  const big = (correlation: number, updates = 0) =>
    table('events', [col('id'), col('at', { type: 'timestamptz', typeName: 'timestamptz', category: 'D', correlation })], {
      pages: 200_000,
      rows: 20_000_000,
      activity: { seqScan: 0, seqTupRead: 0, idxScan: 0, inserts: 1_000_000, updates, hotUpdates: 0, deletes: 0, liveRows: 20_000_000, analyzed: true },
    });

  test('a range filter on a large append-only table whose column follows the physical order', async () => {
    const { list } = await candidates(['SELECT count(*) FROM events WHERE at >= $1 AND at < $2'], { tables: [big(0.998)] });
    expect(list.map(show)).toEqual(['btree ("at") [btree]', 'brin ("at") [brin]']);
  });

  test('near misses: a column in random order, a table that is updated, a small table', async () => {
    expect((await candidates(['SELECT count(*) FROM events WHERE at >= $1'], { tables: [big(0.2)] })).list.map(show)).toEqual(['btree ("at") [btree]']);
    expect((await candidates(['SELECT count(*) FROM events WHERE at >= $1'], { tables: [big(0.999, 500_000)] })).list.map(show)).toEqual(['btree ("at") [btree]']);
    expect((await candidates(['SELECT count(*) FROM orders WHERE created_at >= $1'])).list.map(show)).toEqual(['btree ("created_at") [btree]']);
  });
});

describe('INCLUDE', () => {
  const visible = { ...ORDERS, allVisible: 9_000 };

  test('a hot statement reading a few narrow columns gets an INCLUDE variant for an index-only scan', async () => {
    const { list } = await candidates(['SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2'], { tables: [visible], calls: 5000 });
    expect(list.map(show)).toEqual(['btree ("customer_id", "created_at" DESC) [btree]', 'btree ("customer_id", "created_at" DESC) INCLUDE (id, total) [btree,include]']);
  });

  test('near misses: few calls, a heap mostly not all-visible, SELECT *, wide columns', async () => {
    const sql = 'SELECT id, total FROM orders WHERE customer_id = $1';
    expect((await candidates([sql], { tables: [visible], calls: 10 })).list.map(show)).toEqual(['btree ("customer_id") [btree]']);
    expect((await candidates([sql], { calls: 5000 })).list.map(show)).toEqual(['btree ("customer_id") [btree]']);
    expect((await candidates(['SELECT * FROM orders WHERE customer_id = $1'], { tables: [visible], calls: 5000 })).list).toHaveLength(1);
    expect((await candidates(['SELECT body FROM orders WHERE customer_id = $1'], { tables: [visible], calls: 5000 })).list).toHaveLength(1);
  });
});

describe('near misses', () => {
  test('a tiny lookup table gets nothing, with the reason', async () => {
    const { list, skips } = await candidates(['SELECT id FROM tiny WHERE code = $1']);
    expect(list).toEqual([]);
    expect(skips).toEqual(['tiny: table too small (about 50 rows): a sequential scan reads it in a few pages']);
  });

  test('a statement an existing index already serves (equality keys in any order, the order read backwards)', async () => {
    const served = {
      ...ORDERS,
      indexes: [index('orders_email_customer', 'CREATE INDEX orders_email_customer ON public.orders USING btree (email, customer_id, created_at)')],
    };
    const { list, skips } = await candidates(
      ['SELECT * FROM orders WHERE customer_id = $1 AND email = $2 ORDER BY created_at DESC', 'SELECT * FROM orders WHERE email = $1', 'SELECT * FROM orders WHERE customer_id = $1'],
      { tables: [served] },
    );
    expect(list.map(show)).toEqual(['btree ("customer_id") [btree]']);
    expect(skips).toEqual([
      'orders: an existing index already serves email, customer_id, created_at DESC',
      'orders: an existing index already serves email',
    ]);
  });

  test('unknown tables, system catalogs and unresolvable columns give nothing', async () => {
    const { list } = await candidates(['SELECT * FROM pg_class WHERE relname = $1', 'SELECT * FROM nowhere WHERE x = $1', 'SELECT * FROM orders WHERE nosuch = $1']);
    expect(list).toEqual([]);
  });
});

describe('workload-wide choice', () => {
  /** An evaluation of `c` where statement i goes from cost `before[i]` to `after[i]` (every plan uses the index). */
  function evaluation(c: Candidate, costs: [before: number, after: number][], meanMs = 10): Evaluation {
    const outcomes: Outcome[] = c.statements.map((st, i) => {
      const [before, after] = costs[i];
      const stmt = st.stmt as unknown as { id?: string; meanMs?: number | null; query: string };
      stmt.id ??= stmt.query;
      stmt.meanMs = meanMs;
      const baseline = { st, variants: [], error: null } as unknown as Baseline;
      return { baseline, basis: 'generic plan', assumed: false, before, after, used: true, nodesBefore: ['Seq Scan'], nodesAfter: ['Index Scan'], variants: [{ label: 'generic plan', weight: 1, before, after, used: true, nodesAfter: ['Index Scan'] }], selectivity: null };
    });
    return { candidate: c, validated: true, hypoBytes: 1_000_000, estimatedBytes: 1_000_000, outcomes, note: null, replaces: null, hidden: false };
  }
  const costing = (minBenefitMs: number): Costing => ({ msPerCost: 0.01, windowHours: null, writeCostMs: () => 0, minBenefitMs });

  test('an index saving less than the floor (a share of the workload’s time) is not proposed, and the table says why', async () => {
    const { list } = await candidates(['SELECT * FROM orders WHERE customer_id = $1', 'SELECT * FROM orders WHERE total = $1'], { calls: 100 });
    const [big, small] = [evaluation(list[0], [[1000, 10]]), evaluation(list[1], [[1000, 990 - 400]], 0.1)];
    // big saves 10 ms × 0.99 × 100 calls = 990 ms; small 0.1 ms × 0.4 × 100 = 4 ms
    const { choices, verdicts } = choose([big, small], costing(50));
    expect(choices.map((ch) => ch.evaluation)).toEqual([big]);
    expect(verdicts.find((v) => v.evaluation === small)!.reason).toBe(
      "saves too little to be worth an index: 4 ms, under 0.1 % of the workload's time (50 ms)",
    );
    // with no floor both are proposed
    expect(choose([big, small], costing(0)).choices).toHaveLength(2);
  });
});
