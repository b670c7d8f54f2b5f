// The statement shapes the workload analyzers rely on, from libpg-query's parse of normalized SQL.
import { describe, expect, test } from 'vitest';
import { deparse, exprLabel, exprParams, parseShape, plannableText, quoteLiteral, resolveUse, type QueryShape } from '../../../src/playbooks/analyzers/query-shape.ts';

// A tiny catalog: which table has which column.
const COLUMNS: Record<string, string[]> = {
  rental: ['rental_id', 'rental_date', 'customer_id', 'inventory_id', 'return_date', 'staff_id'],
  inventory: ['inventory_id', 'film_id', 'store_id'],
  film: ['film_id', 'title'],
  customer: ['customer_id', 'email', 'store_id'],
  docs: ['id', 'data', 'tags', 'body', 'tsv', 'title', 'archived', 'created_at', 'status'],
  'Order Items': ['Customer Id', 'select'],
};

function resolver(shape: QueryShape) {
  return (rel: number, column: string) => (COLUMNS[shape.relations[rel].name] ?? []).includes(column);
}

/** predicates as `table.column op` strings, resolved */
function preds(shape: QueryShape): string[] {
  const has = resolver(shape);
  return shape.predicates.map((p) => {
    const rel = resolveUse(p.key.column, has);
    const t = rel === null ? '?' : shape.relations[rel].name;
    const key = p.key.expr ? exprLabel(p.key.expr, p.key.column.column) : p.key.column.column;
    return `${t}.${key} ${p.op}${p.param ? ' $' : ''}${p.multi ? ' multi' : ''}`;
  });
}

async function shape(sql: string): Promise<QueryShape> {
  const s = await parseShape(sql);
  if (!s) throw new Error(`did not parse: ${sql}`);
  return s;
}

describe('parseShape', () => {
  test('equality, sort and output of a single-table lookup', async () => {
    const s = await shape('SELECT rental_id, rental_date FROM rental WHERE customer_id = $1 ORDER BY rental_date DESC LIMIT $2');
    expect(s.kind).toBe('select');
    expect(s.relations.map((r) => r.name)).toEqual(['rental']);
    expect(preds(s)).toEqual(['rental.customer_id eq $']);
    expect(s.sorts).toHaveLength(1);
    expect(s.sorts[0].keys.map((k) => [k.column.column, k.desc])).toEqual([['rental_date', true]]);
    expect(s.outputs).toHaveLength(2);
    expect(s.paramCount).toBe(2);
  });

  test('aliases, explicit joins and USING resolve to the right tables', async () => {
    const s = await shape(
      'SELECT f.title FROM rental r JOIN inventory i USING (inventory_id) JOIN film f ON f.film_id = i.film_id WHERE r.rental_date >= $1 AND i.store_id = $2',
    );
    expect(s.relations.map((r) => `${r.name}:${r.alias}`)).toEqual(['rental:r', 'inventory:i', 'film:f']);
    expect(preds(s)).toEqual(['rental.rental_date range $', 'inventory.store_id eq $']);
    const has = resolver(s);
    const joins = s.joins.map((j) => `${s.relations[resolveUse(j.left, has)!].name}=${s.relations[resolveUse(j.right, has)!].name}`);
    expect(joins.sort()).toEqual(['film=inventory', 'rental=inventory']);
  });

  test('IN lists, = ANY, BETWEEN, IS NULL and expressions', async () => {
    const s = await shape(
      'SELECT * FROM customer WHERE store_id IN ($1, $2) AND customer_id = ANY($3) AND lower(email) = lower($4) AND email IS NULL',
    );
    expect(preds(s)).toEqual(['customer.store_id eq multi', 'customer.customer_id eq $ multi', 'customer.lower(email) eq', 'customer.email null']);
    const b = await shape('SELECT 1 FROM rental WHERE rental_date BETWEEN $1 AND $2 AND $3 < staff_id');
    expect(preds(b)).toEqual(['rental.rental_date range', 'rental.staff_id range $']);
    expect(b.outputs).toEqual([]);
  });

  test('OR, NOT and inequality give no index predicate', async () => {
    const s = await shape('SELECT * FROM rental WHERE customer_id = $1 OR staff_id = $2');
    expect(s.predicates).toEqual([]);
    const n = await shape('SELECT * FROM rental WHERE customer_id <> $1 AND NOT (staff_id = $2)');
    expect(n.predicates).toEqual([]);
  });

  test('a comparison between two columns of the same statement is a join, not a filter', async () => {
    const s = await shape('SELECT * FROM rental r, customer c WHERE r.customer_id = c.customer_id AND c.email = $1');
    expect(preds(s)).toEqual(['customer.email eq $']);
    expect(s.joins).toHaveLength(1);
  });

  test('CTE names and subqueries are not tables; a correlated subquery sees the outer scope', async () => {
    const s = await shape(
      'WITH recent AS (SELECT customer_id FROM rental WHERE rental_date > $1) ' +
        'SELECT * FROM customer c WHERE c.customer_id IN (SELECT customer_id FROM recent) ' +
        'AND EXISTS (SELECT 1 FROM rental r2 WHERE r2.customer_id = c.customer_id AND r2.staff_id = $2)',
    );
    expect(s.relations.map((r) => r.name)).toEqual(['rental', 'customer', 'rental']);
    expect(preds(s)).toEqual(['rental.rental_date range $', 'rental.staff_id eq $']);
    expect(s.topBlock).toBe(1);
    expect(s.joins).toHaveLength(1);
  });

  test('ORDER BY an output alias or position yields no sort key', async () => {
    const s = await shape('SELECT customer_id, count(*) AS n FROM rental GROUP BY customer_id ORDER BY 2 DESC');
    expect(s.sorts).toEqual([]);
  });

  test('UPDATE and DELETE filters count; INSERT … VALUES has none', async () => {
    const u = await shape('UPDATE rental SET return_date = $1 WHERE rental_date = $2');
    expect(u.kind).toBe('update');
    expect(preds(u)).toEqual(['rental.rental_date eq $']);
    const d = await shape('DELETE FROM rental r USING customer c WHERE r.customer_id = c.customer_id AND c.store_id = $1');
    expect(d.kind).toBe('delete');
    expect(preds(d)).toEqual(['customer.store_id eq $']);
    const i = await shape('INSERT INTO rental (rental_date, customer_id) VALUES ($1, $2)');
    expect(i.kind).toBe('insert');
    expect(i.predicates).toEqual([]);
  });

  test('foreign-key checks are recognizable: FROM ONLY … FOR KEY SHARE', async () => {
    const s = await shape('SELECT $2 FROM ONLY "public"."inventory" x WHERE "inventory_id" OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x');
    expect(s.locking).toBe(true);
    expect(s.relations[0]).toMatchObject({ schema: 'public', name: 'inventory', alias: 'x', only: true });
    expect(preds(s)).toEqual(['inventory.inventory_id eq $']);
  });

  test('quoted identifiers keep their case and spaces', async () => {
    const s = await shape('SELECT "select" FROM "Order Items" WHERE "Customer Id" = $1');
    expect(s.relations[0].name).toBe('Order Items');
    expect(preds(s)).toEqual(['Order Items.Customer Id eq $']);
  });

  test('parameter byte offsets survive multibyte text before them', async () => {
    const sql = "SELECT 'é' AS x FROM customer WHERE customer_id = $1";
    const s = await shape(sql);
    const at = s.predicates[0].paramLocation!;
    expect(Buffer.from(sql, 'utf8').subarray(at, at + 2).toString()).toBe('$1');
    expect(s.selectListStart).toBe(7);
  });

  test('names holding control characters, escape sequences and bidi overrides parse like any other', async () => {
    const table = 'osc\u001b]0;TITLE\u0007tbl\u202e';
    const column = 'new\nline\u000b\u009b';
    COLUMNS[table] = [column, 'id'];
    try {
      const sql = `SELECT id FROM "${table}" WHERE "${column}" = $1 AND 'é\u001b' <> $2 ORDER BY id`;
      const s = await shape(sql);
      expect(s.relations.map((r) => r.name)).toEqual([table]);
      expect(preds(s)).toEqual([`${table}.${column} eq $`]);
      const at = s.predicates[0].paramLocation!;
      expect(Buffer.from(sql, 'utf8').subarray(at, at + 2).toString()).toBe('$1');
    } finally {
      delete COLUMNS[table];
    }
  });

  test('an ambiguous unqualified column resolves to nothing', async () => {
    const s = await shape('SELECT 1 FROM rental, customer WHERE customer_id = $1');
    expect(preds(s)).toEqual(['?.customer_id eq $']);
  });

  test('garbage, several statements and utility statements', async () => {
    expect(await parseShape('SELEC nothing')).toBeNull();
    expect(await parseShape('SELECT 1; SELECT 2')).toBeNull();
    expect((await parseShape('VACUUM rental'))?.kind).toBe('other');
    expect(await parseShape('<insufficient privilege>')).toBeNull();
  });

  test('LIKE / ILIKE with their patterns, regular expressions and the literal or parameter they compare with', async () => {
    const s = await shape("SELECT id FROM docs WHERE title ILIKE $1 AND body LIKE '%needle%' AND title ~* $2 AND body NOT LIKE $3");
    expect(preds(s)).toEqual(['docs.title like $', 'docs.body like', 'docs.title regex $']);
    expect(s.predicates[0]).toMatchObject({ operator: '~~*', caseInsensitive: true, paramNumber: 1 });
    expect(s.predicates[1]).toMatchObject({ operator: '~~', caseInsensitive: false, literal: { kind: 'string', text: '%needle%' } });
  });

  test('jsonb and array operators, written either way round', async () => {
    const s = await shape('SELECT id FROM docs WHERE data @> $1 AND data ? $2 AND data ?| $3 AND $4 <@ tags AND tags && $5 AND data @? $6');
    expect(preds(s)).toEqual(['docs.data contains $', 'docs.data exists $', 'docs.data exists $', 'docs.tags contains $', 'docs.tags overlap $', 'docs.data jsonpath $']);
    expect(s.predicates.map((p) => p.operator)).toEqual(['@>', '?', '?|', '@>', '&&', '@?']);
  });

  test('full-text @@ on a tsvector column or an expression; the expression keeps its parameters', async () => {
    const s = await shape("SELECT id FROM docs WHERE tsv @@ to_tsquery($1) AND to_tsvector('english', body) @@ plainto_tsquery('english', $2)");
    expect(preds(s)).toEqual(['docs.tsv match', "docs.to_tsvector('english', body) match"]);
    expect(s.predicates[0].valueParams).toEqual([1]);
    const n = await shape('SELECT id FROM docs WHERE to_tsvector($1, body) @@ to_tsquery($2, $3)');
    expect(preds(n)).toEqual(['docs.to_tsvector($1, body) match']);
    expect(exprParams(n.predicates[0].key.expr)).toEqual([1]);
  });

  test('expression keys: functions, casts, ->> and coalesce over one column; never two columns', async () => {
    const s = await shape("SELECT 1 FROM docs WHERE created_at::date = $1 AND (data ->> 'kind') = $2 AND coalesce(status, 'new') = $3 AND lower(title || body) = $4");
    expect(preds(s)).toEqual([
      'docs.CAST(created_at AS date) eq $',
      "docs.(data ->> 'kind') eq $",
      "docs.COALESCE(status, 'new') eq $",
    ]);
    const e = s.predicates[1].key.expr!;
    expect(deparse(e, 'data', (x) => `"${x}"`, () => null)).toBe(`("data" ->> 'kind')`);
    const p = await shape('SELECT 1 FROM docs WHERE data ->> $1 = $2');
    expect(deparse(p.predicates[0].key.expr!, 'data', (x) => x, (n) => (n === 1 ? quoteLiteral("it's") : null))).toBe(`(data ->> 'it''s')`);
    expect(deparse(p.predicates[0].key.expr!, 'data', (x) => x, () => null)).toBeNull();
  });

  test('boolean columns, NOT, IS NOT NULL and boolean literals', async () => {
    const s = await shape('SELECT 1 FROM docs WHERE archived AND NOT docs.archived AND title IS NOT NULL AND archived = false');
    expect(preds(s)).toEqual(['docs.archived bool', 'docs.archived bool', 'docs.title notnull', 'docs.archived eq']);
    expect(s.predicates.map((p) => p.negated)).toEqual([false, true, false, false]);
    expect(s.predicates[3].literal).toEqual({ kind: 'bool', text: 'false' });
  });

  test('IN lists carry their length; sort keys their direction, NULLS and expressions; LIMIT its form', async () => {
    const s = await shape('SELECT id FROM docs WHERE status IN ($1, $2, $3) ORDER BY lower(title) DESC NULLS LAST, id LIMIT $4 OFFSET $5');
    expect(s.predicates[0]).toMatchObject({ op: 'eq', multi: true, listLength: 3, param: false });
    expect(s.sorts[0].keys.map((k) => [k.expr ? exprLabel(k.expr, k.column.column) : k.column.column, k.desc, k.nulls])).toEqual([
      ['lower(title)', true, 'last'],
      ['id', false, null],
    ]);
    expect(s.limits).toEqual([{ block: 0, count: null, param: 4, offset: true }]);
    const l = await shape('SELECT id FROM docs ORDER BY created_at LIMIT 20');
    expect(l.limits[0]).toMatchObject({ count: 20, param: null, offset: false });
  });

  test('what a statement writes: the target table, the columns an UPDATE sets; whether the query aggregates', async () => {
    const u = await shape('UPDATE docs SET status = $1, title = lower(title) WHERE id = $2');
    expect(u.target).toEqual({ schema: null, name: 'docs' });
    expect(u.setColumns).toEqual(['status', 'title']);
    const i = await shape('INSERT INTO public.docs (id, status) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status');
    expect(i.target).toEqual({ schema: 'public', name: 'docs' });
    expect(i.setColumns).toEqual(['status']);
    expect((await shape('SELECT status, count(*) FROM docs GROUP BY status')).aggregates).toBe(true);
    expect((await shape('SELECT sum(id) FROM docs')).aggregates).toBe(true);
    expect((await shape('SELECT id, (SELECT count(*) FROM docs d2) FROM docs')).aggregates).toBe(false);
    expect((await shape('SELECT id, row_number() OVER () FROM docs')).aggregates).toBe(false);
  });

  test("an aggregate's rows are told apart by its GROUP BY items as output columns, when the select list names them all", async () => {
    const key = async (sql: string) => (await shape(sql)).groupKey;
    expect(await key('SELECT c.name AS category, sum(p.amount) AS revenue FROM p JOIN c USING (id) GROUP BY c.name ORDER BY revenue DESC')).toEqual(['category']);
    expect(await key('SELECT status, date_trunc($1, created_at), count(*) FROM docs GROUP BY 1, 2')).toEqual(['status', 'date_trunc']);
    expect(await key('SELECT d.status, count(*) FROM docs d GROUP BY status')).toEqual(['status']);
    expect(await key('SELECT upper(status) AS s, count(*) FROM docs GROUP BY s')).toEqual(['s']);
    expect(await key('SELECT created_at::date AS day, count(*) FROM docs GROUP BY created_at::date')).toEqual(['day']);
    // one row: any output column tells it apart
    expect(await key('SELECT sum(id) AS total, count(*) FROM docs')).toEqual(['total']);
    // near misses: a grouping column not in the select list, grouping sets, an output PostgreSQL names "?column?"
    expect(await key('SELECT count(*) FROM docs GROUP BY status')).toBeNull();
    expect(await key('SELECT status, title, count(*) FROM docs GROUP BY ROLLUP (status, title)')).toBeNull();
    expect(await key('SELECT id % 10, count(*) FROM docs GROUP BY id % 10')).toBeNull();
    // two output columns named id: no view could be made of them
    expect(await key('SELECT r.id, d.id, count(*) FROM docs d JOIN rental r ON r.rental_id = d.id GROUP BY r.id, d.id')).toBeNull();
    expect(await key('SELECT status, count(*) FROM docs GROUP BY status, 1')).toEqual(['status']);
    // grouped by created_at, shown as a date: two groups can show the same day
    expect(await key('SELECT created_at::date, count(*) FROM docs GROUP BY created_at')).toBeNull();
    // not an aggregate: no key
    expect(await key('SELECT status FROM docs')).toBeNull();
  });
});

describe('the text the server plans', () => {
  test("a typed literal pg_stat_statements normalized (`timestamp $1`) becomes a cast the server accepts; the rest is kept byte for byte", async () => {
    const plannable = async (sql: string) => (await parseShape(sql))!.plannable;
    expect(await plannable(`SELECT "userId" FROM "course_progress" WHERE "lastAccessedAt" < timestamp $1 - interval $2 AND "progressPercent" < $3`)).toBe(
      `SELECT "userId" FROM "course_progress" WHERE "lastAccessedAt" < ($1::timestamp) - ($2::interval) AND "progressPercent" < $3`,
    );
    expect(await plannable(`UPDATE "Sessions ✓" SET e = e + interval $1, t = timestamp with time zone $2 WHERE "é" = $3::text`)).toBe(
      `UPDATE "Sessions ✓" SET e = e + ($1::interval), t = ($2::timestamp with time zone) WHERE "é" = $3::text`,
    );
    const plain = 'SELECT id FROM docs WHERE created_at >= $1::date AND status = $2';
    expect(await plannable(plain)).toBe(plain);
    // the same for a statement the shape does not cover (drop validation plans every statement), and one that does not parse is left alone
    expect(await plannableText('SELECT 1; SELECT now() - interval $1')).toBe('SELECT 1; SELECT now() - ($1::interval)');
    expect(await plannableText('SELEC nonsense $1')).toBe('SELEC nonsense $1');
  });
});
