import { describe, expect, it } from 'vitest';
import { groupFindings, PATTERN_MIN } from '../../src/findings/patterns.ts';
import { byImpact, impactOf, parseSize, rankFindings } from '../../src/findings/rank.ts';
import { evidenceLock, riskOf } from '../../src/findings/risk.ts';
import { combinedLock, lockEffect, statementLock } from '../../src/migration/locks.ts';
import { splitStatements } from '../../src/migration/statements.ts';
import type { Finding, Severity } from '../../src/playbooks/types.ts';

function f(check: string, target: string, severity: Severity, evidence: Record<string, unknown> = {}, up: string | null = null): Finding {
  return { id: `p/${check}/${target}`, playbook: 'p', check, severity, target, title: `${check} on ${target}`, rationale: '', evidence, up, down: null, drops: [], keeps: [] };
}

const lockOf = (sql: string) => combinedLock(splitStatements(sql, 'test').map((s) => s.node));

describe('ranking', () => {
  it('reads sizes and time from the evidence', () => {
    expect(parseSize('1080 kB')).toBe(1080 * 1024);
    expect(parseSize('8192 bytes')).toBe(8192);
    expect(parseSize('2 GB')).toBe(2 * 1024 ** 3);
    expect(parseSize('soon')).toBeNull();
    expect(impactOf({ evidence: { table_bytes: 5, table_size: '1 MB' } })).toEqual({ timeMs: null, bytes: 5 });
    expect(impactOf({ evidence: { table_size: '776 kB' } }).bytes).toBe(776 * 1024);
    expect(impactOf({ evidence: { total_ms: '1500.5' } }).timeMs).toBe(1500.5);
    expect(impactOf({ evidence: { lookup: { calls: 120, mean_ms: 0.5 } } }).timeMs).toBe(60);
  });

  it('puts severity first, then statement time, then bytes, then target', () => {
    const small = f('a', 'public.small', 'warning', { table_bytes: 10 });
    const big = f('a', 'public.big', 'warning', { table_bytes: 10_000 });
    const slow = f('b', 'queryid 1', 'warning', { total_ms: 5 });
    const crit = f('c', 'public.x', 'critical');
    const info = f('d', 'public.huge', 'info', { table_bytes: 1e12 });
    const bare = f('a', 'public.aaa', 'warning');
    expect(rankFindings([info, small, bare, big, slow, crit]).map((x) => x.target)).toEqual(['public.x', 'queryid 1', 'public.big', 'public.small', 'public.aaa', 'public.huge']);
    expect(byImpact(small, small)).toBe(0);
  });
});

describe('patterns', () => {
  it('folds a check with many findings into one pattern ranked by its worst finding', () => {
    const many = Array.from({ length: 5 }, (_, i) => f('ts', `public.t${i}`, i === 3 ? 'warning' : 'info', { table_bytes: i * 100 }));
    const single = f('dup', 'public.one', 'warning', { table_bytes: 1 });
    const two = [f('rls', 'public.a', 'critical'), f('rls', 'public.b', 'info')];
    const entries = groupFindings([...many, single, ...two]);
    expect(entries.map((e) => e.key)).toEqual(['p/rls/public.a', 'p/ts', 'p/dup/public.one', 'p/rls/public.b']);
    const pattern = entries[1];
    if (pattern.kind !== 'pattern') throw new Error('expected a pattern');
    expect(pattern.findings).toHaveLength(5);
    expect(pattern.severity).toBe('warning');
    expect(pattern.counts).toEqual({ critical: 0, warning: 1, info: 4 });
    expect(pattern.examples.map((x) => x.target)).toEqual(['public.t3', 'public.t4', 'public.t2']);
    expect(PATTERN_MIN).toBe(3);
    // below the threshold every finding stays its own row
    expect(groupFindings(many.slice(0, 2)).every((e) => e.kind === 'finding')).toBe(true);
  });
});

describe('locks', () => {
  it('reads the lock each statement takes from its parse tree', () => {
    expect(lockOf('CREATE INDEX CONCURRENTLY i ON t (a)')).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', rewrites: 'no' });
    expect(lockOf('CREATE INDEX i ON t (a)').mode).toBe('SHARE');
    expect(lockOf('DROP INDEX CONCURRENTLY IF EXISTS public.i').mode).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockOf('DROP INDEX public.i').mode).toBe('ACCESS EXCLUSIVE');
    expect(lockOf('ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id) NOT VALID')).toMatchObject({ mode: 'SHARE ROW EXCLUSIVE', scans: false });
    expect(lockOf('ALTER TABLE t VALIDATE CONSTRAINT f')).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', scans: true });
    expect(lockOf('ALTER TABLE t SET (autovacuum_vacuum_scale_factor = 0.01)').mode).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockOf('ALTER TABLE t SET (parallel_workers = 2, user_catalog_table = true)').mode).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockOf('ALTER TABLE t ALTER COLUMN c TYPE jsonb')).toMatchObject({ mode: 'ACCESS EXCLUSIVE', rewrites: 'maybe' });
    expect(lockOf('ALTER TABLE t ENABLE ROW LEVEL SECURITY').mode).toBe('ACCESS EXCLUSIVE');
    expect(lockOf('CREATE POLICY p ON t USING (true)').mode).toBe('ACCESS EXCLUSIVE');
    expect(lockOf('VACUUM (FULL) t')).toMatchObject({ mode: 'ACCESS EXCLUSIVE', rewrites: 'yes' });
    expect(lockOf('VACUUM (VERBOSE, ANALYZE) t').mode).toBe('SHARE UPDATE EXCLUSIVE');
    expect(lockOf("ALTER SYSTEM SET work_mem = '8MB'; SELECT pg_reload_conf()")).toMatchObject({ mode: null, known: true });
    expect(lockOf('ALTER FUNCTION f() SET search_path = pg_catalog').mode).toBeNull();
    // the strongest of several statements
    expect(lockOf('CREATE INDEX CONCURRENTLY i ON t (a); ALTER TABLE t ENABLE ROW LEVEL SECURITY').mode).toBe('ACCESS EXCLUSIVE');
    expect(statementLock({ SomethingNewStmt: {} }).known).toBe(false);
    expect(lockEffect('SHARE UPDATE EXCLUSIVE')).toBe('reads and writes go on');
    expect(lockEffect('ACCESS EXCLUSIVE')).toBe('blocks reads and writes');
  });

  it('prefers the lock a check states in its evidence, in either shape', () => {
    expect(evidenceLock({ lock: 'ShareUpdateExclusiveLock' })).toEqual({ mode: 'SHARE UPDATE EXCLUSIVE' });
    expect(evidenceLock({ lock: 'a big one' })).toBeNull();
    expect(evidenceLock({ lock: 'share update exclusive' })).toEqual({ mode: 'SHARE UPDATE EXCLUSIVE' });
    expect(evidenceLock({ lock: 'ACCESS_EXCLUSIVE LOCK' })).toEqual({ mode: 'ACCESS EXCLUSIVE' });
    expect(evidenceLock({ lock: { mode: 'ACCESS EXCLUSIVE', rewrites: true } })).toEqual({ mode: 'ACCESS EXCLUSIVE', rewrites: 'yes' });
    expect(evidenceLock({ lock: 'none' })).toEqual({ mode: null });
    // the shape every notebook states: held says whether it rewrites or scans
    expect(evidenceLock({ lock: { mode: 'ACCESS EXCLUSIVE', on: ['public.t'], held: 'rewrite', blocks: '…' } })).toEqual({ mode: 'ACCESS EXCLUSIVE', held: 'rewrite', rewrites: 'yes', on: ['public.t'] });
    expect(evidenceLock({ lock: { mode: 'SHARE UPDATE EXCLUSIVE', on: ['public.t'], held: 'scan', blocks: '…' } })).toEqual({ mode: 'SHARE UPDATE EXCLUSIVE', held: 'scan', scans: true, on: ['public.t'] });
    expect(evidenceLock({ lock: { mode: 'none', on: [], held: 'brief', blocks: '…' } })).toEqual({ mode: null, held: 'brief', on: [] });
    const stated = riskOf(f('x', 'public.t', 'info', { lock: { level: 'SHARE ROW EXCLUSIVE', rewrites: false }, table_size: '2 MB' }, 'ALTER TABLE t ENABLE ROW LEVEL SECURITY'));
    expect(stated).toEqual({ lock: 'SHARE ROW EXCLUSIVE', lockFrom: 'evidence', rewrites: 'no', scans: false, held: 'brief', on: ['t'], tableBytes: 2 * 1024 ** 2 });
    const parsed = riskOf(f('x', 'public.t', 'info', { rewrites_table: true, table_bytes: 99 }, 'ALTER TABLE t ALTER COLUMN c TYPE jsonb'));
    expect(parsed).toEqual({ lock: 'ACCESS EXCLUSIVE', lockFrom: 'parse', rewrites: 'yes', scans: false, held: 'rewrite', on: ['t'], tableBytes: 99 });
    // the engine's shape: {mode, on, held, blocks, note}; `held` says how long, `on` which relations
    const engine = riskOf(
      f('x', 'public.t', 'info', { lock: { mode: 'SHARE UPDATE EXCLUSIVE', on: ['public.t'], held: 'build', blocks: 'VACUUM …' } }, 'CREATE INDEX CONCURRENTLY i ON t (a)'),
    );
    expect(engine).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', lockFrom: 'evidence', held: 'build', scans: true, on: ['public.t'] });
    const rewrite = riskOf(f('x', 'public.t', 'info', { lock: { mode: 'ACCESS EXCLUSIVE', on: ['public.t'], held: 'rewrite' } }, 'ALTER TABLE t ALTER COLUMN c TYPE jsonb'));
    expect(rewrite).toMatchObject({ held: 'rewrite', rewrites: 'yes' });
    expect(riskOf(f('x', 'public.t', 'info', { lock: { mode: 'none', on: [], held: 'brief' } }, 'ALTER FUNCTION f() SET search_path = pg_catalog'))).toMatchObject({ lock: null, held: 'brief' });
    expect(riskOf(f('x', 'public.t', 'info', {}, 'CREATE INDEX CONCURRENTLY i ON s.t (a)'))).toMatchObject({ lock: 'SHARE UPDATE EXCLUSIVE', held: 'build', on: ['s.t'] });
    expect(riskOf(f('x', 'public.t', 'info', {}, null))).toMatchObject({ lock: null, lockFrom: 'none' });
    expect(riskOf(f('x', 'public.t', 'info', {}, 'this is not sql')).lock).toBe('unknown');
  });
});
