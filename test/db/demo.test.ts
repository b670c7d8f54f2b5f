import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIR, demoCacheDir, parseWorkload, startDemo, type Demo } from '../../src/db/demo.ts';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { demoFacts, EXPECTED_FACTS } from './demo-facts.ts';
import { runCli } from '../cli/run-cli.ts';

interface WorkloadFinding {
  check: string;
  rationale: string;
  up: string;
  drops: string[];
  evidence: {
    table: string;
    kinds: string[];
    index_name: string;
    validation: string;
    assumptions: string[];
    statements: { query: string; queryid: string; cost_before: number; cost_after: number; plan_before: string }[];
  };
}

const LONG = 600_000; // a cold build on a busy 2-core machine

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('embedded demo database', () => {
  let dir: string;
  let cache: string;
  let scratch: string;
  let demo: Demo | undefined;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgadv-demo-'));
    scratch = await mkdtemp(join(tmpdir(), 'pgadv-demo-scratch-'));
    cache = demoCacheDir(await readFile(join(DEMO_DIR, 'schema.sql'), 'utf8'), dir);
  });
  afterAll(async () => {
    await demo?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('finds its cache directory incomplete, replaces it, builds the demo and caches it', async () => {
    // a build killed before it finished: files, but not the marker written last
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, 'PG_VERSION'), 'not a cluster');
    // the cache of an earlier version, a gzipped tarball: removed once the directory is built
    await writeFile(join(dir, 'demo-0123456789abcdef.tar.gz'), 'old');
    demo = await startDemo({ cacheDir: dir, scratchDir: scratch });
    url = String(demo.target.config.connectionString);
    console.log(`demo cold start: ${JSON.stringify(demo.timings)}`);
    expect(demo.cached).toBe(false);
    expect(demo.timings.buildMs).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual([basename(cache)]);
    expect(await readdir(cache)).toContain('pgadvisor-demo.complete');
    // the running demo works on a copy of its own
    expect(await readdir(scratch)).toEqual([expect.stringMatching(new RegExp(`^pgadvisor-demo-${process.pid}-[0-9a-f]+$`))]);
    expect(demo.target).toMatchObject({ source: 'demo', display: 'embedded demo database (PGlite)' });
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/);
  }, LONG);

  it('has the planted tables, indexes, constraints and column types', async () => {
    const facts = await demoFacts((sql) => query(url, sql));
    expect(facts).toEqual(EXPECTED_FACTS);
  });

  it('shows the churn tables full of dead tuples, and live counts everywhere', async () => {
    const { rows } = await query(url, `SELECT relname, n_live_tup::int AS live, n_dead_tup::int AS dead, last_analyze IS NOT NULL AS analyzed
      FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname`);
    const by = Object.fromEntries(rows.map((r) => [r.relname, r]));
    expect(by.sessions.live).toBe(1200);
    expect(by.sessions.dead).toBeGreaterThanOrEqual(4800);
    expect(by.course_analytics.live).toBe(120);
    expect(by.course_analytics.dead).toBeGreaterThan(3 * 120);
    expect(by.lesson_progress.live).toBe(12000);
    expect(rows.every((r) => r.analyzed)).toBe(true);
    expect(by.users.dead).toBe(0);
  });

  it('has the workload in pg_stat_statements and in the scan counters', async () => {
    const { rows } = await query(url, `SELECT query, calls::int FROM pg_stat_statements ORDER BY calls DESC, query`);
    const calls = (re: RegExp) => rows.filter((r) => re.test(r.query)).map((r) => r.calls);
    expect(calls(/^SELECT "id", "name", "image" FROM "users" WHERE "id" = \$1$/)).toEqual([120]); // N+1
    expect(calls(/FROM "lessons" WHERE "mediaId" = \$1/)).toEqual([20]);
    expect(calls(/WHERE e\."userId" = \$1 AND e\."status" = 'ACTIVE'|WHERE e\."userId" = \$1 AND e\."status" = \$2/)).toEqual([20]);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    // nothing but the workload (and this query): no ANALYZE, SET or parameter-picking helpers
    expect(rows.filter((r) => /^(ANALYZE|SET|RESET)\b|GROUP BY "userId" ORDER BY "userId" LIMIT/i.test(r.query))).toEqual([]);

    const scans = await query(url, `SELECT relname, seq_scan::int AS seq FROM pg_stat_user_tables WHERE relname IN ('lessons', 'media')`);
    const seq = Object.fromEntries(scans.rows.map((r) => [r.relname, r.seq]));
    expect(seq.lessons).toBeGreaterThanOrEqual(20); // the unindexed "mediaId" lookups
    const unused = await query(url, `SELECT indexrelname FROM pg_stat_user_indexes WHERE idx_scan = 0 AND indexrelname IN
      ('users_email_idx', 'lesson_progress_completed_idx', 'quizzes_lesson_idx', 'users_pkey') ORDER BY 1`);
    expect(unused.rows.map((r) => r.indexrelname)).toEqual(['lesson_progress_completed_idx', 'quizzes_lesson_idx', 'users_email_idx']);
  });

  it('serves the read-only advisor session', async () => {
    const session = await ReadOnlyDb.open(demo!.target);
    try {
      const r = await session.query(`SELECT count(*)::int AS n FROM pg_stat_statements WHERE calls > $1`, [1]);
      expect(r.rows[0].n).toBeGreaterThan(5);
      await expect(session.query('CREATE TABLE nope (id int)')).rejects.toMatchObject({ code: '25006' });
      // a buffer cache sized for its ~30 MB (PGlite's 128 MB default is zeroed at every start)
      const sb = await session.query(`SELECT current_setting('shared_buffers') AS v`);
      expect(sb.rows[0].v).toBe('32MB');
    } finally {
      await session.close();
    }
  });

  it('starts from the cache the second time, with the same workload statistics', async () => {
    await demo?.stop();
    expect(await readdir(scratch)).toEqual([]);
    // a copy left by a killed demo process (no such pid) is removed by the next start
    await mkdir(join(scratch, 'pgadvisor-demo-999999999-0abc'));
    demo = await startDemo({ cacheDir: dir, scratchDir: scratch });
    expect(await readdir(scratch)).toHaveLength(1);
    console.log(`demo warm start: ${JSON.stringify(demo.timings)}`);
    expect(demo.cached).toBe(true);
    expect(demo.timings.buildMs).toBe(0);
    const second = String(demo.target.config.connectionString);
    const { rows } = await query(second, `SELECT calls::int FROM pg_stat_statements WHERE query = 'SELECT "id", "name", "image" FROM "users" WHERE "id" = $1'`);
    expect(rows).toEqual([{ calls: 120 }]);
    const dead = await query(second, `SELECT n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = 'sessions'`);
    expect(dead.rows[0].dead).toBeGreaterThanOrEqual(4800);
    // a fresh instance: the first demo's writes (the advisor session's read-only setting) are gone
    const ro = await query(second, `SELECT current_setting('default_transaction_read_only') AS ro`);
    expect(ro.rows).toEqual([{ ro: 'off' }]);
  }, LONG);

  it('gives the workload advice of every kind from its workload, with the evidence, in the alignment table too', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pgadv-demo-save-'));
    try {
      const r = await runCli(['check', '--json', '--playbook', 'indexes', '--save', out, '--url', String(demo!.target.config.connectionString)]);
      expect(r.code).toBe(0);
      const findings = (JSON.parse(r.stdout) as { findings: WorkloadFinding[] }).findings.filter((f) => f.check === 'workload_indexes');
      const on = (table: string, ...kinds: string[]) => {
        const found = findings.filter((f) => f.evidence.table === table && f.evidence.kinds.join() === kinds.join());
        expect(found, `${kinds.join(' ')} index on ${table}`).toHaveLength(1);
        const f = found[0];
        // every one is an estimate (no hypopg in PGlite) that the statement it serves gets cheaper
        expect(f.evidence.validation).toBe('estimate');
        expect(f.rationale).toContain('unvalidated');
        for (const st of f.evidence.statements) expect(st.cost_after).toBeLessThan(st.cost_before * 0.7);
        return f;
      };

      // partial: the payment reminders ask for the rare "paymentStatus"; live pg_stat_statements keeps no
      // constants, so the value is pg_stats's rarest, and the finding says it assumes it
      const partial = on('public.enrollments', 'partial');
      expect(partial.up).toContain(`ON "public"."enrollments" USING btree ("paymentStatus") WHERE "paymentStatus" = 'PENDING'`);
      expect(partial.evidence.assumptions).toEqual([expect.stringMatching(/^assumes the application asks for the rarest value of paymentStatus \(about 1 % of the rows per pg_stats/)]);
      expect(partial.evidence.statements.map((s) => s.query)).toEqual(['SELECT "id", "userId", "courseId", "enrolledAt" FROM "enrollments" WHERE "paymentStatus" = $1']);

      // expression: the sign-in compares lower("email"), which users_email_key cannot serve
      const expression = on('public.users', 'btree', 'expression');
      expect(expression.up).toContain(`ON "public"."users" USING btree ((lower("email")))`);
      expect(expression.evidence.statements[0].plan_before).toBe('Seq Scan');

      // GIN for jsonb containment only: jsonb_path_ops
      const gin = on('public.transactions', 'gin-jsonb');
      expect(gin.up).toContain(`ON "public"."transactions" USING gin ("metadata" jsonb_path_ops)`);
      expect(gin.evidence.statements[0].query).toContain(`WHERE "metadata" @> $1::jsonb`);

      // trigram for the ILIKE search: pg_trgm is available but not installed, so the migration creates it first
      const trigram = on('public.transactions', 'trigram');
      expect(trigram.up.split('\n')).toEqual([
        'CREATE SCHEMA IF NOT EXISTS "extensions";',
        'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "extensions";',
        expect.stringContaining(`ON "public"."transactions" USING gin ("providerTxnId" "extensions".gin_trgm_ops)`),
      ]);
      expect(trigram.evidence.assumptions).toEqual([expect.stringMatching(/^assumes patterns with a leading wildcard of at least 3 characters/)]);

      // and what the demo showed before: a sort-avoiding composite, and the widening of an existing index
      expect(on('public.users', 'btree').up).toContain(`("role", "createdAt" DESC)`);
      const wider = on('public.transactions', 'btree');
      expect(wider.up).toContain(`("status", "createdAt" DESC)`);
      expect(wider.drops).toEqual(['"public"."transactions_status_idx"']);

      // the alignment table of the snapshot: each of those statements with its proposal and costs
      const [file] = (await readdir(out)).filter((f) => f.endsWith('.snapshot.json'));
      const snapshot = JSON.parse(await readFile(join(out, file), 'utf8')) as { playbooks: { runs: { cell: string; rows: Record<string, unknown>[] }[] }[] };
      const alignment = snapshot.playbooks.flatMap((p) => p.runs).find((run) => run.cell === 'workload_indexes')!.rows;
      for (const f of [partial, expression, gin, trigram]) {
        const row = alignment.find((a) => a.queryid === f.evidence.statements[0].queryid)!;
        expect(row).toMatchObject({ proposed: f.evidence.index_name, validated: 'estimate', verdict: expect.stringMatching(/^proposed: /) });
        expect(row.cost_after as number).toBeLessThan(row.cost_today as number);
      }
      // the near miss: the catalog search on 120 courses is left to a sequential scan, and says why
      expect(alignment.find((a) => String(a.query).includes('"title" ILIKE'))).toMatchObject({ proposed: null, verdict: expect.stringMatching(/table too small \(about 120 rows\)/) });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, LONG);
});

describe('workload file format', () => {
  it('reads statements with their each/repeat directives', () => {
    const w = parseWorkload(`-- header\n\n-- a pattern\n-- each: SELECT 1, 'a';\nSELECT $1,\n  $2;\n\n-- repeat: 3\nSELECT 2;\nSELECT 3`);
    expect(w).toEqual([
      { sql: 'SELECT $1,\n  $2', each: "SELECT 1, 'a'", repeat: 1 },
      { sql: 'SELECT 2', each: undefined, repeat: 3 },
      { sql: 'SELECT 3', each: undefined, repeat: 1 },
    ]);
  });

  it('rejects a bad repeat count and a dangling directive', () => {
    expect(() => parseWorkload('-- repeat: many\nSELECT 1;')).toThrow('workload: bad repeat count "many"');
    expect(() => parseWorkload('SELECT 1;\n-- each: SELECT 2\n')).toThrow('workload: "-- each:" without a statement after it');
  });

  it('parses the real workload file', async () => {
    const w = parseWorkload(await readFile(join(DEMO_DIR, 'workload.sql'), 'utf8'));
    expect(w.length).toBeGreaterThanOrEqual(15);
    expect(w.every((s) => !s.sql.includes('--'))).toBe(true);
  });
});

describe.runIf(hasRealServer)('demo schema on the real server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(await readFile(join(DEMO_DIR, 'schema.sql'), 'utf8'));
  }, LONG);
  afterAll(() => db?.drop());

  it('plants the same problems on PostgreSQL as on PGlite', async () => {
    expect(await demoFacts((sql) => db.exec(sql))).toEqual(EXPECTED_FACTS);
  });
});
