// The planted workload of every candidate kind (kinds-fixture.sql, kinds-workload.ts), given to `check` as a
// file instead of live statistics: a server log and a pg_stat_statements export made by a real PostgreSQL
// server that ran it (a private cluster of the version matrix), and a .sql file of its statements. Against a
// copy of the schema that has no pg_stat_statements, with hypopg and without: each source gives the same
// recommendations; without hypopg they are estimates, labelled so, a level lower, with the way to enable it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quoteLiteral } from '../../../src/migration/quote.ts';
import { indexStatements } from '../../../src/playbooks/index-parse.ts';
import type { Finding, RunResult } from '../../../src/playbooks/types.ts';
import { runCli } from '../../cli/run-cli.ts';
import { createDatabase, hasRealServer, psqlFile, type TestDatabase } from '../../support/db.ts';
import { applyRollBackApply, contradictions, twiceInOneMigration } from '../../support/fixed-point.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { KINDS_SAMPLED, KINDS_WORKLOAD } from './kinds-workload.ts';
import { runWorkload, vacuumUntilAllVisible } from './support.ts';

const FIXTURE = await readFile(new URL('./kinds-fixture.sql', import.meta.url), 'utf8');
const WITHOUT_STATISTICS = FIXTURE.replace('CREATE EXTENSION pg_stat_statements;', '');

/** A statement of the workload with its first call's values written in, as a developer would list it. */
function inlined(w: (typeof KINDS_WORKLOAD)[number]): string {
  return withValues(w.sql, w.params?.(0) ?? []);
}

/** A statement's text with `values` written in for $1, $2 … (numbers as they are, text quoted). */
function withValues(sql: string, values: unknown[]): string {
  const literal = (v: unknown) => (typeof v === 'number' ? String(v) : Array.isArray(v) ? quoteLiteral(`{${v.join(',')}}`) : quoteLiteral(String(v)));
  return sql.replace(/\$(\d+)/g, (_, n) => literal(values[Number(n) - 1]));
}

/** The workload whose kinds need constants (a LIKE prefix, BRIN next to heavy inserts, an expression key, to_tsvector's configuration) as a .sql file: each sample its share of the calls. */
function sampledSqlFile(): string {
  return KINDS_SAMPLED.flatMap((w) => w.samples.map((values) => `-- calls: ${Math.round(w.calls / w.samples.length)}\n${withValues(w.query, values)};\n`)).join('\n');
}

interface Files {
  log: string;
  export: string;
  sql: string;
  /** the database the log's lines name */
  database: string;
}

/** Runs the planted workload on a private server logging every statement; returns its log, its pg_stat_statements export and a .sql file. */
async function workloadFiles(cluster: PrivateCluster, dir: string): Promise<Files> {
  const source = await createDatabase(FIXTURE, { server: cluster.url });
  try {
    await source.exec(`ALTER DATABASE ${source.name} SET log_min_duration_statement = 0`);
    await source.exec('SELECT pg_stat_statements_reset()');
    const from = (await readFile(cluster.logFile)).length;
    await runWorkload(source.url, KINDS_WORKLOAD);
    const log = join(dir, 'postgresql.log');
    await writeFile(log, (await readFile(cluster.logFile)).subarray(from));
    const exported = join(dir, 'pg_stat_statements.csv');
    const script = join(dir, 'export.sql');
    await writeFile(
      script,
      `\\copy (SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%') TO '${exported}' CSV HEADER\n`,
    );
    await psqlFile(source.url, script);
    const sql = join(dir, 'queries.sql');
    await writeFile(sql, KINDS_WORKLOAD.map((w) => `-- calls: ${w.times}\n${inlined(w)};\n`).join('\n'));
    return { log, export: exported, sql, database: source.name };
  } finally {
    await source.drop();
  }
}

/** What every source gives, with hypopg or without: one proposal of each kind the planted workload needs. */
const EVERY_SOURCE = [
  'Add index on public.orders (customer_id, created_at DESC)',
  'Add partial index on public.orders (status) for one value of status',
  'Add index on public.customers (lower(email))',
  'Add index on public.accounts (owner_id) INCLUDE (balance, id)',
  'Add full-text GIN index on public.docs (tsv)',
  'Add trigram index on public.docs (body)',
  'Replace tickets_project_idx with a wider index on public.tickets (project_id, opened_at DESC)',
];
/**
 * What a source may add, depending on its constants (a log and a .sql file give them: custom plans; an export
 * does not: generic plans) and its times (a .sql file has none): GIN for the jsonb containment and the array
 * overlap, and on the large events table a btree for the time range and for the count(*) over v, whose
 * index-only scan reads far fewer pages than the table (fillfactor 10).
 */
const MAY_ADD = ['Add GIN index on public.docs (data)', 'Add GIN index on public.docs (tags)', 'Add index on public.events (at)', 'Add index on public.events (v)'];

type Source = 'log' | 'export' | 'sql';

interface Check {
  findings: Finding[];
  workload: { kind: string; format: string; statements: number; skipped: unknown[] }[];
}

interface Evidence {
  validation: string;
  severity_basis: { lowered_one_level: string | null };
  statements: { query: string; cost_before: number; cost_after: number; plan_before: string }[];
  index_bytes_hypopg: number | null;
  index_bytes_estimate: number | null;
  thresholds: { min_saving_fraction: number };
}

const RANK: Record<string, number> = { info: 0, warning: 1, critical: 2 };

describe.skipIf(!hasRealServer)('recommendations from workload files, on a database without statistics (real server)', () => {
  let cluster: PrivateCluster | null;
  let dir: string;
  let files: Files;
  const args = (source: Source) =>
    source === 'log' ? ['--workload', files.log, '--workload-database', files.database] : ['--workload', source === 'export' ? files.export : files.sql];
  const check = async (url: string, extra: string[]): Promise<Check> => {
    const r = await runCli(['check', '--url', url, '--playbook', 'indexes', ...extra, '--json']);
    expect([0, 1], r.stderr).toContain(r.code);
    return JSON.parse(r.stdout) as Check;
  };
  const proposals = (c: Check) => c.findings.filter((f) => f.check === 'workload_indexes');

  beforeAll(async () => {
    cluster = await startPrivateCluster(16, { settings: { shared_preload_libraries: 'pg_stat_statements', log_line_prefix: `'%m [%p] %q%u@%d '` } });
    if (!cluster) return;
    dir = await mkdtemp(join(tmpdir(), 'pgadv-files-'));
    files = await workloadFiles(cluster, dir);
  }, 300_000);
  afterAll(async () => {
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const hypopg of [true, false]) {
    describe(hypopg ? 'with hypopg' : 'without hypopg', () => {
      let db: TestDatabase;
      const found = new Map<Source, Check>();
      beforeAll(async () => {
        if (!cluster) return;
        db = await createDatabase(`${WITHOUT_STATISTICS}${hypopg ? '\nCREATE EXTENSION hypopg;' : ''}`);
        await vacuumUntilAllVisible(db);
        for (const source of ['log', 'export', 'sql'] as const) found.set(source, await check(db.url, args(source)));
      }, 300_000);
      afterAll(async () => {
        await db?.drop();
      });

      /**
       * The migration `check --save out --accept all` wrote for `first`: applied, rolled back, applied again; then
       * the next check with the same workload proposes nothing and contradicts nothing; then rolled back, for the
       * next test. Returns how many indexes it created.
       */
      const expectFixedPoint = async (out: string, first: Check, workload: string[]): Promise<number> => {
        const saved = await readdir(out);
        const file = (suffix: string) => join(out, saved.find((f) => f.endsWith(suffix))!);
        const created = first.findings.flatMap((f) => (f.up ? indexStatements(f.up).creates : []));
        await applyRollBackApply(db.url, file('.migration.sql'), file('.rollback.sql'));
        await db.exec('ANALYZE');
        try {
          const second = await check(db.url, workload);
          const asRun = (c: Check) => ({ findings: c.findings }) as unknown as RunResult;
          expect([...twiceInOneMigration(created), ...contradictions(asRun(first), asRun(second), created)]).toEqual([]);
          expect(proposals(second).map((f) => f.title)).toEqual([]);
        } finally {
          await psqlFile(db.url, file('.rollback.sql'));
          await db.exec('ANALYZE');
        }
        return created.length;
      };

      for (const source of ['log', 'export', 'sql'] as const) {
        test(`from the ${source === 'export' ? 'pg_stat_statements export' : source === 'log' ? 'server log' : '.sql file'}: every kind the workload needs, no near miss`, (ctx) => {
          if (!cluster) return ctx.skip();
          const c = found.get(source)!;
          // the file is the only source: the database has no pg_stat_statements
          expect(c.workload.map((w) => w.kind)).toEqual([source === 'export' ? 'pgss-export' : source]);
          expect(c.workload[0]).toMatchObject({ statements: KINDS_WORKLOAD.length, skipped: [] });
          const titles = proposals(c).map((f) => f.title);
          for (const t of EVERY_SOURCE) expect(titles, source).toContain(t);
          for (const t of titles) expect([...EVERY_SOURCE, ...MAY_ADD], source).toContain(t);
          // near misses: the tiny lookup table, the filter on a column whose values hold a third each, the lookup a unique key serves
          for (const f of proposals(c)) {
            const ix = (f.evidence as { index: { table: string; keys: { column: string | null }[] } }).index;
            const keys = ix.keys.map((k) => k.column);
            expect(ix.table, f.title).not.toBe('statuses');
            if (ix.table === 'orders') expect(keys, f.title).not.toContain('region');
            if (ix.table === 'tickets') expect(keys, f.title).not.toContain('code');
          }
          for (const f of proposals(c)) {
            const ev = f.evidence as unknown as Evidence;
            // the evidence a DBA checks: the statements served (normalized: no constant of the file), cost before and after, what the index costs, the thresholds
            expect(ev.statements.length, f.title).toBeGreaterThan(0);
            for (const st of ev.statements) {
              expect(st.cost_after, f.title).toBeLessThan(st.cost_before);
              expect(st.plan_before, f.title).not.toBe('');
              expect(st.query, f.title).not.toMatch(/pending|alpha|example\.org|word\d/);
            }
            expect(ev.index_bytes_hypopg ?? ev.index_bytes_estimate, f.title).toBeGreaterThan(0);
            expect(ev.thresholds.min_saving_fraction, f.title).toBeGreaterThan(0);
            if (hypopg && !f.title.includes('GIN') && !f.title.includes('trigram')) expect(ev.validation, f.title).toBe('hypopg');
            if (!hypopg) {
              expect(ev.validation, f.title).toBe('estimate');
              expect(ev.severity_basis.lowered_one_level, f.title).toBe('estimated, not planned');
              expect(f.rationale).toMatch(/To plan it instead of estimating: CREATE EXTENSION hypopg\./);
            }
          }
        });
      }

      test('a hot statement (a million calls in the .sql file): planned, critical; estimated, a level lower', async (ctx) => {
        if (!cluster) return ctx.skip();
        const hot = join(dir, 'hot.sql');
        await writeFile(hot, `-- calls: 1000000\n${inlined(KINDS_WORKLOAD[0])};\n`);
        const [f] = proposals(await check(db.url, ['--workload', hot]));
        // that hot, the statement's two other output columns are worth carrying for an index-only scan
        expect(f.title).toBe('Add index on public.orders (customer_id, created_at DESC) INCLUDE (id, total)');
        const basis = (f.evidence as { severity_basis: { ms_saved_in_workload: number; thresholds: string } }).severity_basis;
        // a .sql file has no time window: the thresholds apply to the whole workload, and say so
        expect(basis.thresholds).toMatch(/^window unknown: critical ≥ 5 min saved over the workload/);
        if (hypopg) expect(f.severity).toBe('critical');
        else expect(RANK[f.severity]).toBe(basis.ms_saved_in_workload >= 300_000 ? RANK.warning : RANK.info);
      });

      test('the kinds that need constants, from a .sql file: pattern btree, BRIN next to heavy inserts, an expression key, to_tsvector with its configuration; near misses get nothing', async (ctx) => {
        if (!cluster) return ctx.skip();
        const file = join(dir, 'sampled.sql');
        await writeFile(file, sampledSqlFile());
        const out = await mkdtemp(join(dir, 'save-'));
        const first = await check(db.url, ['--workload', file, '--save', out, '--accept', 'all']);
        expect(first.workload[0]).toMatchObject({ kind: 'sql', statements: KINDS_SAMPLED.length, skipped: [] });
        const ups = proposals(first).map((f) => String(f.up));
        for (const ddl of [
          `"customers_email_pattern_idx" ON "public"."customers" USING btree ("email" text_pattern_ops)`,
          `"events_at_brin_idx" ON "public"."events" USING brin ("at")`,
          `ON "public"."docs" USING btree ((("data" ->> 'kind')))`,
          `ON "public"."docs" USING gin ((to_tsvector('english', "body")))`,
          `ON "public"."orders" USING btree ("created_at") WHERE "status" = 'pending'`,
        ])
          expect(ups.filter((u) => u.includes(ddl)), ddl).toHaveLength(1);
        // near misses: no btree on the appended-to time column, no BRIN on the column in random order, nothing for the value 90 % of orders hold, nothing for the one-argument to_tsvector
        for (const no of ['USING btree ("at")', 'USING brin ("v")', "'done'", 'to_tsvector("body")']) expect(ups.some((u) => u.includes(no)), no).toBe(false);
        expect(proposals(first).filter((f) => (f.drops ?? []).includes('"public"."tickets_project_idx"'))).toHaveLength(1);
        for (const f of proposals(first)) expect((f.evidence as unknown as Evidence).validation, f.title).toBe(hypopg && !f.title.includes('GIN') ? 'hypopg' : 'estimate');
        // and its migration: applied, rolled back, applied again; the next check proposes nothing new
        await expectFixedPoint(out, first, ['--workload', file]);
      }, 300_000);

      // The fixed point, for each source alone and for all three together (their statements merged): the migration
      // `check --save --accept all` writes is applied, rolled back and applied again; the next check with the same
      // files proposes nothing and contradicts nothing; the rollback then restores the schema for the next case.
      for (const sources of [['log'], ['export'], ['sql'], ['log', 'export', 'sql']] as Source[][]) {
        test(`check --save --accept all from ${sources.join(' + ')}: applied, rolled back, applied again; the next check contradicts nothing`, async (ctx) => {
          if (!cluster) return ctx.skip();
          const workload = sources.flatMap(args);
          const out = await mkdtemp(join(dir, 'save-'));
          const first = await check(db.url, [...workload, '--save', out, '--accept', 'all']);
          const created = await expectFixedPoint(out, first, workload);
          expect(created).toBeGreaterThanOrEqual(EVERY_SOURCE.length);
        }, 300_000);
      }
    });
  }
});
