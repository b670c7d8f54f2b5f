// The scanner over SQL whose quoted names, strings and comments hold control characters (libpg-query's own
// scanner fails on them), and the statement splitter built on it; displaySql on the real server.
import fc from 'fast-check';
import { loadModule, scanSync } from 'libpg-query';
import { describe, expect, it } from 'vitest';
import { displaySql } from '../../src/migration/display-sql.ts';
import { scanTokens } from '../../src/migration/sql-scan.ts';
import { splitStatements } from '../../src/migration/statements.ts';
import { hasUnsafeText, terminalBlock } from '../../src/util/untrusted-text.ts';
import { createDatabase, hasRealServer } from '../support/db.ts';

await loadModule();

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** Every C0 control but NUL (which no Postgres text can hold), DEL, and some C1 and bidi characters. */
const CONTROLS = [...Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)), '\u007f', '\u0085', '\u009b', '\u202e', '\u2066'];

describe('scanTokens', () => {
  it('reads every control character inside a quoted name, a string, a dollar quote and a comment', () => {
    for (const c of CONTROLS) {
      const name = `é${c}表😀`;
      const sql = `SELECT ${q(name)}, ${lit(`v${c}`)}, $x$d${c}$x$ FROM t -- note${c === '\n' || c === '\r' ? '' : c}\n/* b${c} */`;
      const tokens = scanTokens(sql);
      expect(tokens.map((t) => t.tokenName), JSON.stringify(c)).toEqual(['UNKNOWN', 'IDENT', 'ASCII_44', 'SCONST', 'ASCII_44', 'SCONST', 'UNKNOWN', 'IDENT', 'SQL_COMMENT', 'C_COMMENT']);
      expect(tokens[1].text).toBe(q(name));
      expect(tokens[3].text).toBe(lit(`v${c}`));
      // offsets are UTF-8 bytes into the original text, multi-byte characters and all
      const bytes = Buffer.from(sql, 'utf8');
      for (const t of tokens) expect(bytes.subarray(t.start, t.end).toString('utf8')).toBe(t.text);
    }
  });

  it('gives the tokens libpg-query gives wherever libpg-query can read the text', () => {
    const sql = `CREATE INDEX CONCURRENTLY "a b" ON public."Ünï ""x""" USING btree (lower(email)) WHERE x = 'it''s';`;
    expect(scanTokens(sql)).toEqual(scanSync(sql).tokens);
  });

  it('keeps form feed and vertical tab between tokens as the whitespace they are', () => {
    expect(scanTokens('SELECT\u000c1\u000b,2').map((t) => t.text)).toEqual(['SELECT', '1', ',', '2']);
  });
});

describe('splitStatements with hostile names', () => {
  it('splits and slices statements from the original bytes, and makes concurrent ones re-runnable', () => {
    for (const c of CONTROLS) {
      const table = `public.${q(`t${c}é`)}`;
      const idx = q(`i${c}😀`);
      const up = `-- for ${q('x')}\nCREATE INDEX CONCURRENTLY ${idx} ON ${table} USING btree (${q(`c${c}`)});\nALTER TABLE ${table} SET (fillfactor = 90);`;
      const stmts = splitStatements(up, 'up');
      expect(stmts.map((s) => s.sql)).toEqual([
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${idx} ON ${table} USING btree (${q(`c${c}`)})`,
        `ALTER TABLE ${table} SET (fillfactor = 90)`,
      ]);
      expect(stmts[0].node.IndexStmt.idxname).toBe(`i${c}😀`);
      const drop = splitStatements(`DROP INDEX CONCURRENTLY public.${idx}`, 'down');
      expect(drop[0].sql).toBe(`DROP INDEX CONCURRENTLY IF EXISTS public.${idx}`);
    }
  });
});

describe('displaySql', () => {
  it('writes quoted names and strings in escape syntax, leaving safe SQL as it is', () => {
    expect(displaySql('SELECT "a b" FROM t;')).toBe('SELECT "a b" FROM t;');
    expect(displaySql('CREATE INDEX "i\u001b]0;T\u0007" ON public."a\\b""c\u202e" (x);')).toBe(
      'CREATE INDEX U&"i\\001b]0;T\\0007" ON public.U&"a\\\\b""c\\202e" (x);',
    );
    expect(displaySql(`SELECT 'a\u001b''b\\c', E'x\\\u001by', $q$d\u009b$q$ -- c\u001b\nFROM t`)).toBe(
      `SELECT E'a\\x1b''b\\\\c', E'x\\x1by', E'd\\u009b' -- c\\x1b\nFROM t`,
    );
  });

  it('always gives text with nothing a terminal acts on but line breaks and tabs', () => {
    const piece = fc.string({ unit: fc.constantFrom(...CONTROLS, 'a', '"', "'", '\\', '$', ' ', 'é', '😀', '\u{e0041}'), maxLength: 12 });
    fc.assert(
      fc.property(piece, piece, (name, text) => {
        const out = displaySql(`SELECT ${q(name)} FROM t WHERE x = ${lit(text)} -- ${name}\n;`);
        expect(terminalBlock(out)).toBe(out);
      }),
      { numRuns: 500 },
    );
  });

  describe.skipIf(!hasRealServer)('on the real server', () => {
    it('means exactly what the original means: same names, same strings', async () => {
      const names = [...CONTROLS.filter((c) => c !== '\u0000').map((c) => `n${c}é\\"`), 'osc\u001b]0;TITLE\u0007tbl', 'tag\u{e0041}x', 'rtl\u202etxt'];
      const db = await createDatabase('', { untracked: true });
      try {
        for (const name of names) {
          const original = `SELECT ${lit(name)} AS ${q(name)}, E'\\\\' || ${lit(name)} AS e, $d$${name}$d$ AS d`;
          const shown = displaySql(original);
          expect(hasUnsafeText(shown), JSON.stringify(shown)).toBe(false);
          const a = await db.exec(original);
          const b = await db.exec(shown);
          expect(b.fields.map((f) => f.name)).toEqual(a.fields.map((f) => f.name));
          expect(b.fields[0].name).toBe(name);
          expect(b.rows).toEqual(a.rows);
          expect(b.rows[0][name]).toBe(name);
        }
      } finally {
        await db.drop();
      }
    });
  });
});
