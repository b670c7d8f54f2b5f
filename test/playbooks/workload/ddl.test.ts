// Index DDL text: quoting, deterministic names within 63 bytes, the CONCURRENTLY pair, size estimate.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { estimateIndexBytes, indexName, quoteIdent, truncateBytes } from '../../../src/playbooks/analyzers/workload-ddl.ts';
import { createIndexSql, dropIndexSql, serves, specLabel, type IndexSpec } from '../../../src/playbooks/index-spec.ts';
import { indexStatements, quoteName } from '../../../src/playbooks/index-parse.ts';

describe('quoteIdent', () => {
  test('always quotes and doubles embedded quotes', () => {
    expect(quoteIdent('users')).toBe('"users"');
    expect(quoteIdent('Order "Items"')).toBe('"Order ""Items"""');
    expect(quoteIdent('select')).toBe('"select"');
    expect(quoteIdent('naïve ünïcode')).toBe('"naïve ünïcode"');
  });

  test('refuses NUL, which no identifier can hold', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });

  test('the quoted form reads back as the same name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => !s.includes('\u0000')), (s) => {
        const q = quoteIdent(s);
        expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
        expect(q.slice(1, -1).replace(/""/g, '"')).toBe(s);
        expect(/(^|[^"])"([^"]|$)/.test(q.slice(1, -1))).toBe(false);
      }),
    );
  });
});

describe('indexName', () => {
  test('follows the Postgres pattern when it fits', () => {
    expect(indexName('rental', ['customer_id', 'rental_date'])).toBe('rental_customer_id_rental_date_idx');
    expect(indexName('customer', ['lower_email'])).toBe('customer_lower_email_idx');
  });

  test('never exceeds 63 bytes, is deterministic, and differs for different keys', () => {
    const long = 'ß'.repeat(40);
    const a = indexName(long, [`${long}_a`]);
    const b = indexName(long, [`${long}_b`]);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).toBe(indexName(long, [`${long}_a`]));
    expect(a).not.toBe(b);
    expect(a).toMatch(/_[0-9a-f]{8}_idx$/);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 80 }), (t, c) => {
        expect(Buffer.byteLength(indexName(t, [c]))).toBeLessThanOrEqual(63);
      }),
    );
  });

  test('steps around names already taken in the schema', () => {
    const taken = new Set(['inventory_film_id_idx', 'inventory_film_id_idx_2']);
    expect(indexName('inventory', ['film_id'], taken)).toBe('inventory_film_id_idx_3');
  });

  test('truncateBytes never splits a character', () => {
    expect(truncateBytes('aé', 2)).toBe('a');
    expect(truncateBytes('aé', 3)).toBe('aé');
    expect(truncateBytes('😀x', 3)).toBe('');
  });
});

describe('CREATE / DROP INDEX text', () => {
  const spec: IndexSpec = {
    schema: 'My Schema',
    table: 'Order "Items"',
    name: 'x_idx',
    method: 'btree',
    keys: [
      { sql: '"Customer Id"', label: 'Customer Id', column: 'Customer Id', opclass: null, desc: false, nulls: null },
      { sql: '(lower("email"))', label: 'lower(email)', column: null, opclass: null, desc: true, nulls: 'last' },
    ],
    include: ['note'],
    predicate: `"status" = 'pending'`,
    freePrefix: 1,
  };

  test('the concurrent, idempotent pair with quoted identifiers, directions, INCLUDE and WHERE', () => {
    expect(createIndexSql(spec)).toBe(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "x_idx" ON "My Schema"."Order ""Items""" USING btree ("Customer Id", (lower("email")) DESC NULLS LAST) INCLUDE ("note") WHERE "status" = 'pending'`,
    );
    expect(createIndexSql(spec, { concurrently: false })).toMatch(/^CREATE INDEX IF NOT EXISTS "x_idx" ON/);
    expect(dropIndexSql('My Schema', 'x_idx')).toBe('DROP INDEX CONCURRENTLY IF EXISTS "My Schema"."x_idx"');
    expect(specLabel(spec)).toBe(`(Customer Id, lower(email) DESC) INCLUDE (note) WHERE "status" = 'pending'`);
    const gin: IndexSpec = { ...spec, method: 'gin', keys: [{ sql: '"data"', label: 'data', column: 'data', opclass: 'jsonb_path_ops', desc: false, nulls: null }], include: [], predicate: null };
    expect(createIndexSql(gin)).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "x_idx" ON "My Schema"."Order ""Items""" USING gin ("data" jsonb_path_ops)');
  });

  test('function and type names stay bare where that reads back the same', () => {
    expect(quoteName('lower')).toBe('lower');
    expect(quoteName('to_tsvector')).toBe('to_tsvector');
    expect(quoteName('timestamp')).toBe('"timestamp"');
    expect(quoteName('select')).toBe('"select"');
    expect(quoteName('MyFunc')).toBe('"MyFunc"');
  });

  test('a CREATE INDEX read back: what it serves of another (a foreign key, a shorter index)', () => {
    const read = (sql: string) => indexStatements(sql).creates[0];
    const wide = read('CREATE INDEX CONCURRENTLY IF NOT EXISTS w ON "public"."rental" USING btree ("customer_id", "rental_date" DESC)');
    const fk = read('CREATE INDEX CONCURRENTLY IF NOT EXISTS f ON public.rental USING btree (customer_id)');
    expect(wide).toMatchObject({ schema: 'public', table: 'rental', name: 'w', method: 'btree' });
    expect(serves(wide, fk, 1)).toBe(true);
    expect(serves(fk, wide, 1)).toBe(false);
    expect(serves(read('CREATE INDEX o ON public.rental (rental_date, customer_id)'), fk, 1)).toBe(false);
    // equality keys in any order; ordered keys read backwards too; a different predicate serves nothing
    expect(serves(read('CREATE INDEX a ON rental (b, a, c)'), read('CREATE INDEX x ON rental (a, b, c DESC)'), 2)).toBe(true);
    expect(serves(read('CREATE INDEX a ON rental (b, a, c)'), read('CREATE INDEX x ON rental (a, b, c DESC)'), 1)).toBe(false);
    expect(serves(read('CREATE INDEX a ON rental (a) WHERE b'), read('CREATE INDEX x ON rental (a)'), 1)).toBe(false);
    expect(serves(read('CREATE INDEX a ON rental (a, b) INCLUDE (c)'), read('CREATE INDEX x ON rental (a) INCLUDE (c)'), 1)).toBe(true);
    expect(serves(read('CREATE INDEX a ON rental USING gin (a)'), read('CREATE INDEX x ON rental (a)'), 1)).toBe(false);
    expect(indexStatements('DROP INDEX CONCURRENTLY IF EXISTS "s"."i"; DROP INDEX j').drops).toEqual([['s', 'i'], [null, 'j']]);
    expect(indexStatements('not sql at all')).toEqual({ creates: [], drops: [] });
  });

  test('size estimate grows with rows and key width and is whole pages', () => {
    const small = estimateIndexBytes(16_000, [4, 8]);
    expect(small % 8192).toBe(0);
    expect(small).toBeGreaterThan(300_000);
    expect(small).toBeLessThan(1_000_000);
    expect(estimateIndexBytes(160_000, [4, 8])).toBeGreaterThan(9 * small);
    expect(estimateIndexBytes(16_000, [40])).toBeGreaterThan(small);
    expect(estimateIndexBytes(0, [4])).toBe(2 * 8192);
  });
});
