// The statement shapes the workload analyzers rely on, from libpg-query's parse of normalized SQL.
import { describe, expect, test } from 'vitest';
import { parseShape, resolveUse, type QueryShape } from '../../../src/playbooks/analyzers/query-shape.ts';

// A tiny catalog: which table has which column.
const COLUMNS: Record<string, string[]> = {
  rental: ['rental_id', 'rental_date', 'customer_id', 'inventory_id', 'return_date', 'staff_id'],
  inventory: ['inventory_id', 'film_id', 'store_id'],
  film: ['film_id', 'title'],
  customer: ['customer_id', 'email', 'store_id'],
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
    const key = p.key.func ? `${p.key.func.join('.')}(${p.key.column.column})` : p.key.column.column;
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
});
