// Index DDL text: quoting, deterministic names within 63 bytes, the CONCURRENTLY pair, size estimate.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  createIndexSql,
  dropIndexSql,
  estimateIndexBytes,
  indexName,
  keySql,
  quoteIdent,
  truncateBytes,
} from '../../../src/playbooks/analyzers/workload-ddl.ts';

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
    expect(indexName('rental', [{ column: 'customer_id', func: null, desc: false }, { column: 'rental_date', func: null, desc: true }])).toBe(
      'rental_customer_id_rental_date_idx',
    );
    expect(indexName('customer', [{ column: 'email', func: ['pg_catalog', 'lower'], desc: false }])).toBe('customer_lower_email_idx');
  });

  test('never exceeds 63 bytes, is deterministic, and differs for different keys', () => {
    const long = 'ß'.repeat(40);
    const a = indexName(long, [{ column: `${long}_a`, func: null, desc: false }]);
    const b = indexName(long, [{ column: `${long}_b`, func: null, desc: false }]);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).toBe(indexName(long, [{ column: `${long}_a`, func: null, desc: false }]));
    expect(a).not.toBe(b);
    expect(a).toMatch(/_[0-9a-f]{8}_idx$/);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 80 }), (t, c) => {
        expect(Buffer.byteLength(indexName(t, [{ column: c, func: null, desc: false }]))).toBeLessThanOrEqual(63);
      }),
    );
  });

  test('steps around names already taken in the schema', () => {
    const keys = [{ column: 'film_id', func: null, desc: false }];
    const taken = new Set(['inventory_film_id_idx', 'inventory_film_id_idx_2']);
    expect(indexName('inventory', keys, taken)).toBe('inventory_film_id_idx_3');
  });

  test('truncateBytes never splits a character', () => {
    expect(truncateBytes('aé', 2)).toBe('a');
    expect(truncateBytes('aé', 3)).toBe('aé');
    expect(truncateBytes('😀x', 3)).toBe('');
  });
});

describe('CREATE / DROP INDEX text', () => {
  test('the concurrent, idempotent pair with quoted identifiers', () => {
    const keys = [
      { column: 'Customer Id', func: null, desc: false },
      { column: 'email', func: ['lower'], desc: false },
    ];
    expect(keySql(keys[1])).toBe('("lower"("email"))');
    expect(createIndexSql('My Schema', 'Order "Items"', 'x_idx', keys)).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "x_idx" ON "My Schema"."Order ""Items""" USING btree ("Customer Id", ("lower"("email")))',
    );
    expect(dropIndexSql('My Schema', 'x_idx')).toBe('DROP INDEX CONCURRENTLY IF EXISTS "My Schema"."x_idx"');
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
