// The lexer's reading of CREATE INDEX statements (no WebAssembly) against the parser's: wherever the reader
// gives an index, the parser gives the same one; what it cannot read it leaves to the parser, table known.
import fc from 'fast-check';
import { parseSync, scanSync } from 'libpg-query';
import { describe, expect, it } from 'vitest';
import { indexStatements } from '../../src/playbooks/index-parse.ts';
import { NOT_PLAIN_NAMES, readCreateIndexes } from '../../src/playbooks/index-read.ts';
import { hasRealServer, TEST_DATABASE_URL, withClient } from '../support/db.ts';

function parses(sql: string): boolean {
  try {
    parseSync(sql);
    return true;
  } catch {
    return false;
  }
}

/** The reader agrees with the parser on `sql`; returns how it read its first CREATE INDEX. */
function agrees(sql: string): 'index' | 'head' | 'none' {
  const read = readCreateIndexes(sql);
  const parsed = indexStatements(sql).creates;
  if (parses(sql)) expect(read.length, sql).toBe(parsed.length);
  read.forEach((r, i) => {
    if (r.index) expect(r.index, sql).toEqual(parsed[i]);
    if (r.head && parsed[i]) expect(r.head, sql).toEqual({ schema: parsed[i].schema, table: parsed[i].table, name: parsed[i].name, unique: parsed[i].unique });
  });
  return read[0]?.index ? 'index' : read[0]?.head ? 'head' : 'none';
}

describe('readCreateIndexes', () => {
  it('reads the statements the checks write, whole', () => {
    for (const sql of [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS rental_customer_id_idx ON public.rental USING btree (customer_id);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Rental ""x"" idx" ON "My Schema"."Rental" USING btree ("Customer", staff_id DESC NULLS LAST, "name" text_pattern_ops) INCLUDE (amount, "Note")',
      'CREATE INDEX IF NOT EXISTS p_idx ON ONLY public.payment USING btree (customer_id, payment_date);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_idx ON "extensions".t USING gin (doc "extensions".gin_trgm_ops)',
      '-- a comment\nCREATE /* c */ INDEX i ON t (a ASC NULLS FIRST, b)',
    ]) {
      expect(agrees(sql)).toBe('index');
    }
  });

  it('leaves expressions, predicates and options to the parser, with the table read', () => {
    for (const sql of [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t USING btree (lower(email))',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t ((a + 1), b)',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (status) WHERE status = \'pending\'',
      'CREATE INDEX i ON t (a COLLATE "C")',
      'CREATE INDEX i ON t (a) WITH (fillfactor = 70)',
      'CREATE INDEX i ON t USING gist (r range_ops (siglen = 8))',
      'CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT',
      'CREATE INDEX i ON t (position)',
    ]) {
      expect(agrees(sql)).toBe('head');
    }
  });

  it('counts every CREATE INDEX of a migration and passes the other statements over', () => {
    const sql = [
      'CREATE INDEX IF NOT EXISTS a_1 ON public.a_1 USING btree (x);',
      'CREATE INDEX IF NOT EXISTS a ON ONLY public.a USING btree (x);',
      'ALTER INDEX public.a ATTACH PARTITION public.a_1;',
      "DO $$ BEGIN CREATE INDEX inside ON t (x); END $$;",
      'CREATE SCHEMA s CREATE TABLE t (x int);',
    ].join('\n');
    expect(readCreateIndexes(sql).map((r) => r.index?.name)).toEqual(['a_1', 'a']);
    agrees(sql);
  });

  it('agrees with the parser on generated statements, hostile names included', () => {
    const plain = fc.constantFrom('a', 'staff_id', 'Foo', 'name', 'type', 'first', 'if', 'include', 'a$b', '_x9');
    const hostile = fc.constantFrom('nulls', 'position', 'user', 'left', 'order', 'int', 'desc', 'café', 'x'.repeat(70));
    const word = fc.oneof({ arbitrary: plain, weight: 6 }, { arbitrary: hostile, weight: 1 });
    const quoted = fc
      .oneof(word, fc.string({ minLength: 0, maxLength: 6 }), fc.constantFrom('a"b', 'A B', 'ÉTÉ', '\u001b[31m', 'y'.repeat(64), 'é'.repeat(32)))
      .map((s) => `"${s.replace(/"/g, '""')}"`);
    const ident = fc.oneof({ arbitrary: word, weight: 4 }, { arbitrary: quoted, weight: 1 });
    const key = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(ident, fc.option(fc.oneof(ident, fc.tuple(ident, ident).map(([s, o]) => `${s}.${o}`)), { freq: 3 }), fc.constantFrom('', ' ASC', ' DESC', ' desc'), fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST', ' nulls'))
          .map(([c, op, dir, nulls]) => `${c}${op ? ` ${op}` : ''}${dir}${nulls}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('(a + 1)', 'lower(a)', 'a COLLATE "C"', 'a.b') },
    );
    // what may stand between tokens: the server's whitespace and comments, and characters that are not whitespace to it
    const sep = fc.oneof(
      { weight: 6, arbitrary: fc.constant(' ') },
      { weight: 1, arbitrary: fc.constantFrom('\n', '\t', '\r\n', ' /* c */ ', ' /* a /* nested */ b */ ', ' --c\n', ' --c\rx\n', '\f', '\u00a0', '\u2028') },
    );
    const statement = fc
      .tuple(
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('', 'IF NOT EXISTS '),
        fc.option(ident),
        fc.boolean(),
        fc.option(ident),
        ident,
        fc.constantFrom('', ' USING btree', ' USING BTREE', ' USING "BTree"', ' USING gin', ' using hash'),
        fc.array(key, { minLength: 1, maxLength: 3 }),
        fc.option(fc.array(ident, { minLength: 1, maxLength: 2 })),
        fc.constantFrom('', '', '', ';', '; SELECT 1', ' WHERE a IS NULL', ' WITH (fillfactor = 70)', ' TABLESPACE pg_default', ' garbage'),
        fc.array(sep, { minLength: 4, maxLength: 4 }),
      )
      .map(
        ([unique, concurrently, ifNot, name, only, schema, table, using, keys, include, tail, [s1, s2, s3, s4]]) =>
          `CREATE${s1}${unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${name ? `${ifNot}${name} ` : ''}ON${s2}${only ? 'ONLY ' : ''}${schema ? `${schema}.` : ''}${table}${using}${s3}(${keys.join(`,${s4}`)})${include ? ` INCLUDE (${include.join(', ')})` : ''}${tail}`,
      );
    const seen = { index: 0, head: 0, none: 0 };
    fc.assert(
      fc.property(statement, (sql) => {
        seen[agrees(sql)]++;
      }),
      { numRuns: 3000 },
    );
    // not a test that passes by reading nothing
    expect(seen.index).toBeGreaterThan(200);
    expect(seen.head).toBeGreaterThan(200);
  });

  it('knows every keyword that cannot be a plain name: the parser agrees, and the server lists no other', async () => {
    for (const w of NOT_PLAIN_NAMES) expect([w, scanSync(w).tokens[0]?.keywordName]).not.toEqual([w, 'UNRESERVED_KEYWORD']);
    for (const w of NOT_PLAIN_NAMES) expect([w, scanSync(w).tokens[0]?.keywordName]).not.toEqual([w, 'NO_KEYWORD']);
    if (!hasRealServer) return;
    const words = await withClient(TEST_DATABASE_URL!, async (c) => (await c.query<{ word: string }>(`SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`)).rows.map((r) => r.word));
    expect(words.length).toBeGreaterThan(100);
    expect(words.filter((w) => !NOT_PLAIN_NAMES.has(w))).toEqual([]);
  });
});
