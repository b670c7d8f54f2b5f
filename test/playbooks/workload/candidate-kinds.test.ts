// Every kind of index candidate on the real server, each from a planted workload that needs it and next to a
// near miss that must not get it (a tiny lookup table, a filter matching most rows, a statement already
// served), with hypopg and without (then estimated, and labelled so). Two workloads: the live one
// (pg_stat_statements, no constants) and one that carries its constants, as a log or a .sql file does.
// Then each proposal's DDL applies and rolls back, and `check --save --accept all` is a fixed point.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReadOnlyDb } from '../../../src/db/read-only.ts';
import { probeServer } from '../../../src/db/server-facts.ts';
import { resolveTarget } from '../../../src/db/target.ts';
import type { AnalyzerContext, AnalyzerResult, FindingRow } from '../../../src/playbooks/analyzer.ts';
import { workloadIndexes } from '../../../src/playbooks/analyzers/workload-indexes.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import type { Workload, WorkloadStatement } from '../../../src/workload/types.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { fixedPoint } from '../../support/fixed-point.ts';
import { expectEachFindingRoundTrips } from '../maintenance/helpers.ts';
import { KINDS_SAMPLED, KINDS_WORKLOAD } from './kinds-workload.ts';
import { cellRun, INDEX_ANALYSIS, vacuumUntilAllVisible, workloadThenCells } from './support.ts';

const FIXTURE = await readFile(new URL('./kinds-fixture.sql', import.meta.url), 'utf8');

function sampledWorkload(): Workload {
  const statements: WorkloadStatement[] = KINDS_SAMPLED.map((s, i) => ({
    id: `fp:kind${i}`,
    fingerprint: `kind${i}`,
    queryid: null,
    query: s.query,
    calls: s.calls,
    totalMs: s.calls * s.meanMs,
    meanMs: s.meanMs,
    rows: null,
    toplevel: true,
    tempBlksWritten: null,
    sharedBlksHit: null,
    sharedBlksRead: null,
    sources: ['log'],
  }));
  const samples = new Map(statements.map((st, i) => [st.id, KINDS_SAMPLED[i].samples]));
  return {
    statements,
    sources: [{ kind: 'log', name: 'planted.log', format: 'stderr', entries: statements.length, statements: statements.length, skipped: [], notes: [] }],
    samples: (id) => samples.get(id) ?? [],
  };
}

/** The analyzer on a read-only session, given a workload, as the runner hands it one. */
async function analyze(url: string, workload: Workload): Promise<AnalyzerResult> {
  const session = await ReadOnlyDb.open(resolveTarget(url));
  try {
    const server = await probeServer(session);
    return await session.pinned((query) => workloadIndexes.run({ server, inputs: {}, query, signal: new AbortController().signal, workload } as AnalyzerContext));
  } finally {
    await session.close();
  }
}

async function plantedDatabase(hypopg: boolean): Promise<{ db: TestDatabase; live: RunResult }> {
  const db = await createDatabase(`${FIXTURE}${hypopg ? '\nCREATE EXTENSION hypopg;' : ''}`);
  await vacuumUntilAllVisible(db);
  const live = await workloadThenCells(db.url, KINDS_WORKLOAD, INDEX_ANALYSIS);
  return { db, live };
}

const byTitle = (findings: (Finding | FindingRow)[], title: string) => findings.find((f) => f.title === title);
const validation = (f: Finding | FindingRow | undefined) => (f?.evidence as { validation?: string } | undefined)?.validation;

for (const hypopg of [true, false]) {
  describe.skipIf(!hasRealServer)(`index candidates of every kind, ${hypopg ? 'planned with hypopg' : 'estimated without hypopg'} (real server)`, () => {
    let db: TestDatabase;
    let live: RunResult;
    let sampled: AnalyzerResult;
    const planned = hypopg ? 'hypopg' : 'estimate';

    beforeAll(async () => {
      ({ db, live } = await plantedDatabase(hypopg));
      sampled = await analyze(db.url, sampledWorkload());
    }, 240_000);
    afterAll(async () => {
      await db?.drop();
    });

    const liveFindings = () => live.findings.filter((f) => f.check === 'workload_indexes');
    const liveRow = (fragment: string) => cellRun(live, 'workload_indexes').rows.find((r) => String(r.query).includes(fragment))!;

    test('btree composite: equality, then the sort key with its direction', () => {
      const f = byTitle(liveFindings(), 'Add index on public.orders (customer_id, created_at DESC)')!;
      expect(f.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_created_at_idx" ON "public"."orders" USING btree ("customer_id", "created_at" DESC)');
      expect(validation(f)).toBe(planned);
    });

    test('partial index: on the rarest value when the workload has no constants (said so), on the value it asks for when it has', () => {
      const assumed = byTitle(liveFindings(), 'Add partial index on public.orders (status) for one value of status')!;
      expect(assumed.up).toBe(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_status_partial_idx" ON "public"."orders" USING btree ("status") WHERE "status" = 'pending'`);
      expect(assumed.rationale).toMatch(/assumes the application asks for the rarest value of status \(about [0-9.]+ % of the rows per pg_stats; the value is in the proposed WHERE clause\)/);
      expect(assumed.rationale).toMatch(/a generic plan for status = \$1 cannot use it/);
      expect((assumed.evidence as { predicate: { source: string } }).predicate.source).toMatch(/^assumed: the rarest value in pg_stats/);
      // the value appears in the DDL and nowhere else
      const { up, ...rest } = assumed;
      expect(up).toContain("'pending'");
      expect(JSON.stringify(rest)).not.toContain('pending');

      const known = byTitle(sampled.findings, 'Add partial index on public.orders (created_at) for one value of status')!;
      expect(known.up).toContain(`WHERE "status" = 'pending'`);
      expect((known.evidence as { predicate: { source: string }; statements: { plans: string }[] }).predicate.source).toBe('the value every call of the statement uses (the workload’s constants)');
      expect((known.evidence as { statements: { plans: string }[] }).statements[0].plans).toBe('workload constants');
      expect(validation(known)).toBe(planned);
      const { up: knownUp, ...knownRest } = known;
      expect(knownUp).toContain("'pending'");
      expect(JSON.stringify(knownRest)).not.toContain('pending');
    });

    test('near misses: a filter matching most rows, a column whose values hold a third each, a tiny table, a statement already served', () => {
      expect(sampled.findings.some((f) => String(f.up).includes("'done'"))).toBe(false);
      const done = sampled.rows.find((r) => r.query === 'SELECT count(*) FROM orders WHERE status = $1')!;
      expect(done.proposed).toBeNull();
      expect(liveRow('WHERE region = $1')).toMatchObject({ proposed: null, verdict: 'no candidate: no filter on it that an index can serve' });
      expect(liveRow('FROM statuses')).toMatchObject({ proposed: null, verdict: 'no candidate: table too small (about 10 rows): a sequential scan reads it in a few pages' });
      expect(liveRow('FROM tickets WHERE code = $1')).toMatchObject({ index_today: 'tickets_code_key', proposed: null });
      for (const f of liveFindings()) expect(f.target).not.toMatch(/statuses|region/);
    });

    test('expression indexes: lower(email), and a key with a constant inside from the workload', () => {
      const lower = byTitle(liveFindings(), 'Add index on public.customers (lower(email))')!;
      expect(lower.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "customers_lower_email_idx" ON "public"."customers" USING btree ((lower("email")))');
      expect(validation(lower)).toBe(planned);
      const kind = sampled.findings.find((f) => String(f.up).includes(`(("data" ->> 'kind'))`))!;
      expect(kind.title).toBe('Add index on public.docs ((data ->> …))');
      expect(JSON.stringify({ ...kind, up: null })).not.toContain("'kind'");
    });

    test('INCLUDE: the hot lookup reads both columns from the index (an index-only scan on an all-visible table)', () => {
      const f = byTitle(liveFindings(), 'Add index on public.accounts (owner_id) INCLUDE (balance, id)')!;
      expect(f.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "accounts_owner_id_balance_id_idx" ON "public"."accounts" USING btree ("owner_id") INCLUDE ("balance", "id")');
      expect(f.rationale).toMatch(/index-only scan\); 100 % of the table's pages are all-visible/);
      if (hypopg) expect((f.evidence as { statements: { plan_after: string }[] }).statements[0].plan_after).toBe('Index Only Scan');
    });

    test('GIN: jsonb_path_ops for containment, arrays, a tsvector column, to_tsvector with its configuration — estimated, since hypopg cannot create GIN', () => {
      const jsonb = byTitle(liveFindings(), 'Add GIN index on public.docs (data)')!;
      expect(jsonb.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_data_gin_idx" ON "public"."docs" USING gin ("data" jsonb_path_ops)');
      const tags = byTitle(liveFindings(), 'Add GIN index on public.docs (tags)')!;
      expect(tags.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_tags_gin_idx" ON "public"."docs" USING gin ("tags")');
      const tsv = byTitle(liveFindings(), 'Add full-text GIN index on public.docs (tsv)')!;
      expect(tsv.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_tsv_gin_idx" ON "public"."docs" USING gin ("tsv")');
      const expr = sampled.findings.find((f) => String(f.up).includes(`USING gin ((to_tsvector('english', "body")))`))!;
      expect(expr).toBeDefined();
      for (const f of [jsonb, tags, tsv, expr]) {
        expect(validation(f)).toBe('estimate');
        expect(f.severity).toBe('info');
        expect((f.evidence as { method: string }).method).toMatch(hypopg ? /hypopg cannot create GIN indexes/ : /hypopg is not installed/);
      }
      // near miss: the one-argument to_tsvector gets nothing
      expect(sampled.rows.find((r) => r.query === 'SELECT id FROM docs WHERE to_tsvector(body) @@ plainto_tsquery($1)')!.proposed).toBeNull();
    });

    test('trigram: ILIKE with a leading wildcard; the migration creates pg_trgm first, in a schema of its own', () => {
      const f = byTitle(liveFindings(), 'Add trigram index on public.docs (body)')!;
      expect(f.up).toBe(
        'CREATE SCHEMA IF NOT EXISTS "extensions";\nCREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "extensions";\n' +
          'CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_body_trgm_idx" ON "public"."docs" USING gin ("body" "extensions".gin_trgm_ops)',
      );
      expect(f.down).toBe('DROP INDEX CONCURRENTLY IF EXISTS "public"."docs_body_trgm_idx";\nDROP EXTENSION IF EXISTS pg_trgm;\nDROP SCHEMA IF EXISTS "extensions"');
      expect(f.rationale).toMatch(/pg_trgm is not installed: the migration first creates it in schema extensions \(and the schema\)/);
      expect(f.rationale).toMatch(/assumes patterns with a leading wildcard/);
      expect(validation(f)).toBe('estimate');
    });

    test('btree pattern index for LIKE with a fixed prefix, from the workload’s patterns, given whole or concatenated (LIKE $1 || \'%\')', () => {
      for (const column of ['email', 'name']) {
        const f = sampled.findings.find((x) => String(x.up).includes(`"customers_${column}_pattern_idx"`))!;
        expect(f.up).toBe(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "customers_${column}_pattern_idx" ON "public"."customers" USING btree ("${column}" text_pattern_ops)`);
        expect(validation(f)).toBe(planned);
      }
    });

    test('BRIN: day-long ranges on the large table appended to all the time, where a btree costs every insert an entry; near miss: a column in random order', () => {
      const f = sampled.findings.find((x) => String(x.up).includes('USING brin'))!;
      expect(f.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_at_brin_idx" ON "public"."events" USING brin ("at")');
      expect(f.rationale).toMatch(/correlation 1\) and the table is append-only/);
      expect(f.rationale).toMatch(/5,000,000 row writes \(the workload's repeated INSERT and UPDATE statements\)/);
      expect(validation(f)).toBe(planned);
      // a btree on the same column would save more per query, but its write cost outweighs that
      expect(sampled.findings.some((x) => String(x.up).includes('USING btree ("at")'))).toBe(false);
      expect(sampled.findings.some((x) => String(x.up).includes('USING brin ("v")'))).toBe(false);
    });

    test('extending an existing index: the wider one is created, the narrower dropped, the rollback restores it exactly', () => {
      const f = byTitle(liveFindings(), 'Replace tickets_project_idx with a wider index on public.tickets (project_id, opened_at DESC)')!;
      expect(f.up).toBe(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "tickets_project_id_opened_at_idx" ON "public"."tickets" USING btree ("project_id", "opened_at" DESC);\n' +
          'DROP INDEX CONCURRENTLY IF EXISTS "public"."tickets_project_idx"',
      );
      expect(f.down).toBe(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_project_idx ON public.tickets USING btree (project_id);\n' +
          'DROP INDEX CONCURRENTLY IF EXISTS "public"."tickets_project_id_opened_at_idx"',
      );
      expect(f.drops).toEqual(['"public"."tickets_project_idx"']);
      expect(liveRow('WHERE project_id = $1')).toMatchObject({ index_today: 'tickets_project_idx', proposed: 'tickets_project_id_opened_at_idx' });
      // two statements each wanting tickets_project_idx extended: one proposal replaces it, the other only adds
      const replacing = sampled.findings.filter((x) => (x.drops ?? []).includes('"public"."tickets_project_idx"'));
      expect(replacing.map((x) => x.title)).toEqual(['Replace tickets_project_idx with a wider index on public.tickets (project_id, opened_at DESC) INCLUDE (id, title)']);
      const second = sampled.findings.find((x) => x.title.startsWith('Add index on public.tickets (project_id, title)'))!;
      expect(second.drops).toBeNull();
      expect(second.down).toMatch(/^DROP INDEX CONCURRENTLY IF EXISTS "public"."tickets_project_id_title(_id)?_idx"$/);
      expect(second.rationale).toMatch(/tickets_project_idx, whose keys lead this index, is proposed for dropping by the proposal of \(project_id, opened_at DESC\) on the same table\./);
      // a unique index is never the one dropped
      for (const x of liveFindings()) expect(x.drops ?? []).not.toContain('"public"."tickets_code_key"');
    });

    test('every proposal applies and rolls back to the identical schema, then applies again', async () => {
      const all = [...liveFindings(), ...sampled.findings.map((r) => ({ ...r, id: r.target, drops: r.drops ?? [], keeps: r.keeps ?? [] }) as Finding)];
      const unique = all.filter((f, i) => f.up && all.findIndex((g) => g.up === f.up) === i);
      await expectEachFindingRoundTrips(db, unique);
    }, 240_000);

    test('check --save --accept all applied, the next check contradicts nothing', async () => {
      const fp = await fixedPoint(db.url);
      expect(fp.created.length).toBeGreaterThan(5);
      expect(fp.contradictions).toEqual([]);
      expect(fp.second.findings.filter((f) => f.check === 'workload_indexes')).toEqual([]);
    }, 240_000);
  });
}
