import { describe, expect, it } from 'vitest';
import { buildMigration, findConflicts, MigrationConflictError, MigrationError } from '../../src/migration/build.ts';
import { CREATION_MARK, createdAfter } from '../../src/migration/creation-mark.ts';
import { qualifiedName, quoteIdent, quoteLiteral } from '../../src/migration/quote.ts';
import { splitStatements } from '../../src/migration/statements.ts';
import { DECISIONS, decide, FINDINGS, fixtureSnapshot } from './fixture.ts';

const build = () => buildMigration(fixtureSnapshot(), { name: 'shop fixes' });

describe('quoting', () => {
  it('quotes like quote_ident', () => {
    expect(quoteIdent('users')).toBe('users');
    expect(quoteIdent('Users')).toBe('"Users"');
    expect(quoteIdent('order')).toBe('"order"'); // reserved
    expect(quoteIdent('name')).toBe('name'); // unreserved keyword stays bare
    expect(quoteIdent('a"b c')).toBe('"a""b c"');
    expect(quoteIdent('é')).toBe('"é"');
    expect(quoteIdent('a$b')).toBe('"a$b"');
    expect(qualifiedName('Sales Ünit', 'x')).toBe('"Sales Ünit".x');
    expect(quoteLiteral(`it's`)).toBe(`'it''s'`);
  });
});

describe('splitStatements', () => {
  it('splits with the real parser: semicolons in strings, dollar quotes and comments do not split', () => {
    const sql = `-- lead\nSELECT 'a;b'; /* x; y */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nSELECT "ü;" FROM t -- tail; comment\n`;
    const parts = splitStatements(sql, 'test');
    expect(parts.map((p) => p.sql)).toEqual([`SELECT 'a;b'`, `CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$`, `SELECT "ü;" FROM t`]);
  });

  it('classifies statements into phases and makes concurrent ones re-runnable', () => {
    const sql =
      'CREATE INDEX CONCURRENTLY "I x" ON t (a); DROP INDEX CONCURRENTLY s."I x"; REINDEX INDEX CONCURRENTLY i; ' +
      'ALTER TABLE t VALIDATE CONSTRAINT c; ALTER SYSTEM SET work_mem = \'8MB\'; VACUUM t; ANALYZE t; CREATE INDEX i2 ON t (b); ' +
      'ALTER TABLE p DETACH PARTITION c CONCURRENTLY; CREATE EXTENSION IF NOT EXISTS pg_trgm; DROP EXTENSION pg_trgm; CREATE SCHEMA s';
    const parts = splitStatements(sql, 'test');
    expect(parts.map((p) => p.phase)).toEqual([
      'concurrent-create',
      'concurrent-drop',
      'concurrent-create',
      'validate',
      'maintenance',
      'maintenance',
      'change',
      'change',
      'concurrent-drop',
      'extension',
      'extension',
      'extension',
    ]);
    expect(parts[0].sql).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "I x" ON t (a)');
    expect(parts[1].sql).toBe('DROP INDEX CONCURRENTLY IF EXISTS s."I x"');
  });

  it('rejects SQL that does not parse or manages transactions, in one line', () => {
    expect(() => splitStatements('CREATE INDEX ON ;', 'finding x: up')).toThrow(/^finding x: up does not parse: syntax error at or near ";"$/);
    expect(() => splitStatements('BEGIN; SELECT 1; COMMIT;', 'finding x: up')).toThrow(MigrationError);
  });
});

describe('buildMigration', () => {
  it('is deterministic: same snapshot, same bytes', () => {
    const a = build();
    const b = buildMigration(structuredClone(fixtureSnapshot()), { name: 'shop fixes' });
    expect(b.up).toBe(a.up);
    expect(b.down).toBe(a.down);
    // order of findings in the snapshot does not matter
    const shuffled = fixtureSnapshot({ findings: [...FINDINGS].reverse() });
    expect(buildMigration(shuffled, { name: 'shop fixes' }).up).toBe(a.up);
  });

  it('orders parts: concurrent creates, transaction, validations, concurrent drops, maintenance', () => {
    const m = build();
    // transactional changes: one transaction per table, tables in name order (seed 000's table-by-table rollout)
    expect(m.parts.map((p) => [p.phase, p.transactional])).toEqual([
      ['extension', true],
      ['concurrent-create', false],
      ['change', true],
      ['change', true],
      ['change', true],
      ['validate', true],
      ['concurrent-drop', false],
      ['maintenance', false],
    ]);
    expect(m.parts[0].statements.map((s) => s.sql)).toEqual(['CREATE SCHEMA IF NOT EXISTS "extensions"', 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "extensions"']);
    expect(m.parts[2].statements.map((s) => s.sql)).toEqual([
      'ALTER TABLE "Sales Ünit"."Order ""Items"" ✓" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)',
    ]);
    expect(m.parts[3].statements.map((s) => s.sql.slice(0, 40))).toEqual([
      'COMMENT ON INDEX public.orders_user_id_i',
      'ALTER TABLE public.orders ADD CONSTRAINT',
      'ALTER POLICY tenant_read ON public.order',
    ]);
    // every index a finding creates is marked with the finding and the snapshot, so the next run's drop checks know it
    expect(m.parts[3].statements[0].sql).toBe(
      "COMMENT ON INDEX public.orders_user_id_idx IS 'pgadvisor: created for indexes/unindexed_foreign_keys/public.orders.user_id from the snapshot of 2026-03-01T12:34:56.789Z'",
    );
    // and the next run reads the snapshot's time back from the comment as the server stores it
    const stored = /IS '(.*)'$/.exec(m.parts[3].statements[0].sql)![1];
    expect(createdAfter(stored)?.toISOString()).toBe('2026-03-01T12:34:56.789Z');
    expect(createdAfter('created by hand from the snapshot of 2026-03-01T12:34:56.789Z')).toBeNull();
    expect(createdAfter(`${CREATION_MARK} x from the snapshot of yesterday`)).toBeNull();
    expect(createdAfter(null)).toBeNull();
    expect(m.parts[4].statements.map((s) => s.sql.slice(0, 40))).toEqual([
      'COMMENT ON INDEX public.users_email_trgm',
      'ALTER TABLE public.users ENABLE ROW LEVE',
      'CREATE POLICY "Tenant isolation" ON publ',
    ]);
    expect(m.parts[5].statements.map((s) => s.sql)).toEqual(['ALTER TABLE public.orders VALIDATE CONSTRAINT orders_user_id_fkey']);
    const up = m.up;
    const at = (s: string) => {
      const i = up.indexOf(s);
      expect(i, s).toBeGreaterThan(-1);
      return i;
    };
    // the concurrent builds run between the extensions' transaction and the changes' transaction
    const extensionsDone = at('COMMIT;');
    expect(at('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx')).toBeGreaterThan(extensionsDone);
    expect(at('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx')).toBeLessThan(up.indexOf('BEGIN;', extensionsDone));
    expect(at('NOT VALID;')).toBeLessThan(at('VALIDATE CONSTRAINT'));
    expect(at('COMMIT;')).toBeLessThan(at('VALIDATE CONSTRAINT'));
    expect(at('VALIDATE CONSTRAINT')).toBeLessThan(at('DROP INDEX CONCURRENTLY IF EXISTS public.users_email_idx_dup'));
    expect(at('DROP INDEX CONCURRENTLY IF EXISTS public.users_email_idx_dup')).toBeLessThan(at('VACUUM (ANALYZE) public.orders'));
    // each non-transactional part starts with session timeouts, each transaction with local ones
    expect(up.match(/SET lock_timeout = '5s';\nSET statement_timeout = 0;/g)).toHaveLength(3);
    expect(at('CREATE EXTENSION IF NOT EXISTS pg_trgm')).toBeLessThan(at('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx'));
    expect(up).toContain("BEGIN;\nSET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '60s';");
    expect(up).toContain("BEGIN;\nSET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = 0;\n\n-- integrity/missing_foreign_keys");
  });

  it('names the snapshot in the header and each statement’s finding above it', () => {
    const m = build();
    expect(m.up.startsWith('-- pgadvisor migration shop fixes\n-- snapshot taken 2026-03-01T12:34:56.789Z of database shop (PostgreSQL 15.8), pgadvisor 0.1.0\n')).toBe(true);
    expect(m.up).toContain('-- advice, not in this migration (1):\n--   settings/connections/max_connections — Put a connection pooler in front of the database');
    // a title with a newline stays a comment: the line break shows as \n
    expect(m.up).toContain('-- indexes/duplicate_indexes/"Sales Ünit"."Order ""Items"" ✓"."Dup ""Idx"" é 2": Drop duplicate index "Dup ""Idx"" é 2"\\non "Order ""Items"" ✓"\nDROP INDEX CONCURRENTLY IF EXISTS "Sales Ünit"."Dup ""Idx"" é 2";');
    for (const line of m.up.split('\n')) expect(line.startsWith('-- ') || !line.includes('Drop duplicate')).toBe(true);
    expect(m.up).toContain('-- security/rls_disabled/public.users: Enable row level security on users with a tenant policy\nCREATE POLICY "Tenant isolation"');
    expect(m.down).toContain('-- no rollback given (not undone here) (1):\n--   maintenance/stale_statistics/public.orders');
  });

  it('takes accepted findings only', () => {
    const m = build();
    expect(m.applied.map((f) => f.id)).toHaveLength(9);
    expect(m.up).not.toContain('users_email_idx;'); // rejected drop
    expect(m.up).not.toContain('orders_created_at_idx'); // pending
    expect(m.advice.map((f) => f.id)).toEqual(['settings/connections/max_connections']);
  });

  it('rolls back in reverse: restore dropped indexes first, undo changes, drop created indexes last', () => {
    const m = build();
    expect(m.downParts.map((p) => p.phase)).toEqual(['concurrent-create', 'change', 'change', 'change', 'concurrent-drop', 'extension']);
    expect(m.downParts[0].statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx_dup ON public.users USING btree (email)',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Dup ""Idx"" é 2" ON "Sales Ünit"."Order ""Items"" ✓" USING btree ("Order Id")',
    ]);
    // the tables' transactions in reverse order, each undoing its own changes in reverse
    expect(m.downParts.slice(1, 4).map((p) => p.statements.map((s) => s.sql))).toEqual([
      ['DROP POLICY IF EXISTS "Tenant isolation" ON public.users', 'ALTER TABLE public.users DISABLE ROW LEVEL SECURITY'],
      ['ALTER POLICY tenant_read ON public.orders USING (true)', 'ALTER TABLE public.orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey'],
      ['ALTER TABLE "Sales Ünit"."Order ""Items"" ✓" RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)'],
    ]);
    expect(m.downParts[4].statements.map((s) => s.sql)).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_trgm_idx"',
      'DROP INDEX CONCURRENTLY IF EXISTS public.orders_user_id_idx',
    ]);
    // the extension goes last, once nothing uses it
    expect(m.downParts[5].statements.map((s) => s.sql)).toEqual(['DROP EXTENSION IF EXISTS pg_trgm', 'DROP SCHEMA IF EXISTS "extensions"']);
  });

  it('keeps a SELECT after ALTER SYSTEM with it, outside the transaction', () => {
    const f = {
      ...FINDINGS[2],
      id: 'settings/random_page_cost/x',
      up: "ALTER SYSTEM SET random_page_cost = '1.1'; SELECT pg_reload_conf();",
      down: 'ALTER SYSTEM RESET random_page_cost; SELECT pg_reload_conf();',
    };
    const m = buildMigration(fixtureSnapshot({ findings: [f], decisions: { [f.id]: decide('accepted') } }), { name: 'n' });
    expect(m.parts).toEqual([
      {
        phase: 'maintenance',
        transactional: false,
        statements: [
          { findingId: f.id, title: f.title, sql: "ALTER SYSTEM SET random_page_cost = '1.1'" },
          { findingId: f.id, title: f.title, sql: 'SELECT pg_reload_conf()' },
        ],
      },
    ]);
    expect(m.downParts[0].statements.map((s) => s.sql)).toEqual(['ALTER SYSTEM RESET random_page_cost', 'SELECT pg_reload_conf()']);
  });

  it('creates extensions (and their schema) first, once for several findings, and drops them last in the rollback', () => {
    const trgm = (id: string, col: string) => ({
      ...FINDINGS[2],
      id,
      up: `CREATE SCHEMA IF NOT EXISTS "extensions"; CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "extensions"; CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_${col}_trgm_idx" ON "public"."t" USING gin ("${col}" "extensions".gin_trgm_ops)`,
      down: `DROP INDEX CONCURRENTLY IF EXISTS "public"."t_${col}_trgm_idx"; DROP EXTENSION IF EXISTS pg_trgm; DROP SCHEMA IF EXISTS "extensions"`,
    });
    const a = trgm('indexes/workload_indexes/public.t.a', 'a');
    const b = trgm('indexes/workload_indexes/public.t.b', 'b');
    const m = buildMigration(fixtureSnapshot({ findings: [a, b], decisions: { [a.id]: decide('accepted'), [b.id]: decide('accepted') } }), { name: 'n' });
    expect(m.parts.map((p) => [p.phase, p.transactional, p.statements.length])).toEqual([
      ['extension', true, 2],
      ['concurrent-create', false, 2],
      ['change', true, 2],
    ]);
    expect(m.parts[0].statements.map((s) => s.sql)).toEqual(['CREATE SCHEMA IF NOT EXISTS "extensions"', 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "extensions"']);
    expect(m.parts[2].statements.map((s) => s.sql.replace(/ IS '.*$/, ''))).toEqual(['COMMENT ON INDEX public.t_a_trgm_idx', 'COMMENT ON INDEX public.t_b_trgm_idx']);
    expect(m.downParts.map((p) => p.phase)).toEqual(['concurrent-drop', 'extension']);
    expect(m.downParts[1].statements.map((s) => s.sql)).toEqual(['DROP EXTENSION IF EXISTS pg_trgm', 'DROP SCHEMA IF EXISTS "extensions"']);
    expect(m.up).toMatch(/-- part 1 of 3: one transaction, before the indexes that need them[^\n]*\nBEGIN;/);
  });

  it('says so when nothing is accepted', () => {
    const m = buildMigration(fixtureSnapshot({ decisions: {} }), { name: 'empty' });
    expect(m.parts).toEqual([]);
    expect(m.up).toContain('-- nothing to apply: no accepted finding carries SQL');
  });

  it('names the finding whose SQL does not parse', () => {
    const bad = { ...FINDINGS[2], up: 'CREATE INDEX CONCURRENTLY ON public.orders (' };
    expect(() => buildMigration(fixtureSnapshot({ findings: [bad], decisions: { [bad.id]: decide('accepted') } }), { name: 'n' })).toThrow(
      /^finding indexes\/unindexed_foreign_keys\/public\.orders\.user_id: up does not parse: syntax error/,
    );
  });
});

describe('conflicts', () => {
  it('finds none in the fixture (the conflicting drop is rejected)', () => {
    expect(findConflicts(fixtureSnapshot())).toEqual([]);
  });

  it('catches dropping an index another accepted finding keeps, and two drops of one object', () => {
    const decisions = { ...DECISIONS, 'indexes/unused_indexes/public.users.users_email_idx': decide('accepted') };
    const dupDrop = { ...FINDINGS[0], id: 'indexes/other_check/public.users.users_email_idx_dup', keeps: [] };
    const snapshot = fixtureSnapshot({ findings: [...FINDINGS, dupDrop], decisions: { ...decisions, [dupDrop.id]: decide('accepted') } });
    expect(findConflicts(snapshot)).toEqual([
      'indexes/duplicate_indexes/public.users.users_email_idx_dup and indexes/other_check/public.users.users_email_idx_dup both drop public.users.users_email_idx_dup',
      'indexes/unused_indexes/public.users.users_email_idx drops public.users.users_email_idx, which indexes/duplicate_indexes/public.users.users_email_idx_dup needs to keep',
    ]);
    let error: unknown;
    try {
      buildMigration(snapshot, { name: 'n' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MigrationConflictError);
    expect((error as MigrationConflictError).conflicts).toHaveLength(2);
    expect((error as Error).message).not.toContain('\n');
  });
});
