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
import type { Snapshot } from '../../../src/snapshot/schema.ts';
import { runCli } from '../../cli/run-cli.ts';
import { createDatabase, hasRealServer, psqlFile, type TestDatabase } from '../../support/db.ts';
import { applyRollBackApply, contradictions, twiceInOneMigration } from '../../support/fixed-point.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import pg from 'pg';
import { executionValues, KINDS_SAMPLED, KINDS_WORKLOAD } from './kinds-workload.ts';
import { runWorkload, vacuumUntilAllVisible } from './support.ts';

const FIXTURE = await readFile(new URL('./kinds-fixture.sql', import.meta.url), 'utf8');
const WITHOUT_STATISTICS = FIXTURE.replace('CREATE EXTENSION pg_stat_statements;', '');

/** A statement of the workload with its first call's values written in, as a developer would list it. */
function inlined(w: (typeof KINDS_WORKLOAD)[number]): string {
  return withValues(w.sql, w.params?.(0) ?? []);
}

/** A statement's text with `values` written in for $1, $2 … (numbers as they are, text quoted by `quote`). */
function withValues(sql: string, values: unknown[], quote: (s: string) => string = quoteLiteral): string {
  const literal = (v: unknown) => (typeof v === 'number' ? String(v) : Array.isArray(v) ? quote(`{${v.join(',')}}`) : quote(String(v)));
  return sql.replace(/\$(\d+)/g, (_, n) => literal(values[Number(n) - 1]));
}

/** The ways a client writes a string constant: standard ('it''s'), escape (E'it\'s', backslashes doubled), dollar-quoted. */
const QUOTE_STYLES: ((s: string) => string)[] = [
  quoteLiteral,
  (s) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  (s) => `$q$${s}$q$`,
];

/** The workload whose kinds need constants (a LIKE prefix, BRIN next to heavy inserts, an expression key, to_tsvector's configuration) as a .sql file: each sample its share of the calls. */
function sampledSqlFile(): string {
  return KINDS_SAMPLED.flatMap((w) => w.samples.map((values) => `-- calls: ${Math.round(w.calls / w.samples.length)}\n${withValues(w.query, values)};\n`)).join('\n');
}

/** This database's pg_stat_statements, as `\copy … CSV HEADER` writes it, into `file`. */
async function exportStatements(url: string, file: string, dir: string): Promise<string> {
  const script = join(dir, 'export.sql');
  await writeFile(
    script,
    `\\copy (SELECT * FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%') TO '${file}' CSV HEADER\n`,
  );
  await psqlFile(url, script);
  return file;
}

/**
 * A server log of the sampled workload holds fewer calls than it says, in the same proportions: the least-called
 * statements (400 calls) run 3 times, the inserts 37,500 times. The proportions decide between a btree and a
 * BRIN index (reads saved against entries written), so they are kept, not rounded up.
 */
const LOG_SCALE = 400 / 3;
/** clients running the sampled workload side by side (each execution is one log entry of its process) */
const LOG_CLIENTS = 4;

type Protocol = 'simple' | 'extended';

/**
 * Runs the workload whose kinds need constants on a private server logging every statement, once through the
 * simple protocol (constants written into the text, as psql or an ORM that inlines them sends them, in each of
 * the ways a string constant can be written) and once through the extended protocol (bind values, logged in
 * `DETAIL:  parameters:`); returns each run's log, and the pg_stat_statements export of both runs.
 */
async function sampledLogs(cluster: PrivateCluster, dir: string): Promise<{ database: string; export: string } & Record<Protocol, string>> {
  const source = await createDatabase(FIXTURE, { server: cluster.url });
  try {
    await source.exec(`ALTER DATABASE ${source.name} SET log_min_duration_statement = 0`);
    await source.exec('SELECT pg_stat_statements_reset()');
    const logs = {} as Record<Protocol, string>;
    for (const protocol of ['simple', 'extended'] as const) {
      const runs = KINDS_SAMPLED.flatMap((w) => {
        const n = Math.max(w.samples.length, Math.round(w.calls / LOG_SCALE));
        return Array.from({ length: n }, (_, i) => ({ w, i: protocol === 'simple' ? i : i + n }));
      });
      const from = (await readFile(cluster.logFile)).length;
      await Promise.all(
        Array.from({ length: LOG_CLIENTS }, async (_, k) => {
          const c = new pg.Client({ connectionString: source.url });
          await c.connect();
          try {
            for (let j = k; j < runs.length; j += LOG_CLIENTS) {
              const { w, i } = runs[j];
              const values = executionValues(w, i);
              await (protocol === 'simple' ? c.query(withValues(w.query, values, QUOTE_STYLES[i % QUOTE_STYLES.length])) : c.query({ text: w.query, values }));
            }
          } finally {
            await c.end();
          }
        }),
      );
      logs[protocol] = join(dir, `sampled-${protocol}.log`);
      await writeFile(logs[protocol], (await readFile(cluster.logFile)).subarray(from));
    }
    return { database: source.name, export: await exportStatements(source.url, join(dir, 'sampled-pgss.csv'), dir), ...logs };
  } finally {
    await source.drop();
  }
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
    const exported = await exportStatements(source.url, join(dir, 'pg_stat_statements.csv'), dir);
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
  statements: { query: string; cost_before: number; cost_after: number; plan_before: string; plans: string }[];
  index_bytes_hypopg: number | null;
  index_bytes_estimate: number | null;
  thresholds: { min_saving_fraction: number };
}

/** The alignment table (the workload_indexes cell's rows) of the snapshot `check --save` wrote into `out`. */
async function alignmentRows(out: string): Promise<Record<string, unknown>[]> {
  const file = (await readdir(out)).find((f) => f.endsWith('.json'))!;
  const snapshot = JSON.parse(await readFile(join(out, file), 'utf8')) as Snapshot;
  const run = snapshot.playbooks.flatMap((p) => p.runs).find((r) => r.cell === 'workload_indexes');
  return run?.rows ?? [];
}

const RANK: Record<string, number> = { info: 0, warning: 1, critical: 2 };

describe.skipIf(!hasRealServer)('recommendations from workload files, on a database without statistics (real server)', () => {
  let cluster: PrivateCluster | null;
  let dir: string;
  let files: Files;
  let sampled: Awaited<ReturnType<typeof sampledLogs>>;
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
    sampled = await sampledLogs(cluster, dir);
  }, 600_000);
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

      // The kinds whose proposal depends on the statements' constants (a LIKE prefix, BRIN next to heavy inserts,
      // an expression key, to_tsvector's configuration, the partial index's value), from every source that has
      // constants: a .sql file, and a real server's log of the same workload run through either protocol.
      const constantSources: [name: string, kind: Source, workload: () => Promise<string[]>][] = [
        ['a .sql file', 'sql', async () => {
          const file = join(dir, 'sampled.sql');
          await writeFile(file, sampledSqlFile());
          return ['--workload', file];
        }],
        ['a server log (simple protocol: constants in the text)', 'log', async () => ['--workload', sampled.simple, '--workload-database', sampled.database]],
        ['a server log (extended protocol: bind values)', 'log', async () => ['--workload', sampled.extended, '--workload-database', sampled.database]],
      ];
      for (const [name, kind, workloadOf] of constantSources) {
        test(`the kinds that need constants, from ${name}: pattern btree, BRIN next to heavy inserts, an expression key, to_tsvector with its configuration; near misses get nothing; accept all is a fixed point`, async (ctx) => {
          if (!cluster) return ctx.skip();
          const workload = await workloadOf();
          const out = await mkdtemp(join(dir, 'save-'));
          const first = await check(db.url, [...workload, '--save', out, '--accept', 'all']);
          expect(first.workload[0]).toMatchObject({ kind, statements: KINDS_SAMPLED.length, skipped: [] });
          const ups = proposals(first).map((f) => String(f.up));
          for (const ddl of [
            `"customers_email_pattern_idx" ON "public"."customers" USING btree ("email" text_pattern_ops)`,
            `"customers_name_pattern_idx" ON "public"."customers" USING btree ("name" text_pattern_ops)`,
            `"events_at_brin_idx" ON "public"."events" USING brin ("at")`,
            `ON "public"."docs" USING btree ((("data" ->> 'kind')))`,
            `ON "public"."docs" USING gin ((to_tsvector('english', "body")))`,
            `ON "public"."orders" USING btree ("created_at") WHERE "status" = 'pending'`,
          ])
            expect(ups.filter((u) => u.includes(ddl)), ddl).toHaveLength(1);
          // near misses: no btree on the appended-to time column, no BRIN on the column in random order, nothing for the value 90 % of orders hold, nothing for the one-argument to_tsvector
          for (const no of ['USING btree ("at")', 'USING brin ("v")', "'done'", 'to_tsvector("body")']) expect(ups.some((u) => u.includes(no)), no).toBe(false);
          expect(proposals(first).filter((f) => (f.drops ?? []).includes('"public"."tickets_project_idx"'))).toHaveLength(1);
          for (const f of proposals(first)) {
            const ev = f.evidence as unknown as Evidence & { assumptions: string[]; predicate: { source: string } | null };
            expect(ev.validation, f.title).toBe(hypopg && !f.title.includes('GIN') ? 'hypopg' : 'estimate');
            // planned with the statements' own constants: nothing assumed, a partial index's value the one the workload asks for
            expect(ev.assumptions, f.title).toEqual([]);
            for (const st of ev.statements) expect(st.plans, f.title).toBe('workload constants');
            if (ev.predicate) expect(ev.predicate.source, f.title).toMatch(/the workload’s constants/);
          }
          // and its migration: applied, rolled back, applied again; the next check proposes nothing new
          await expectFixedPoint(out, first, workload);
        }, 300_000);
      }

      // The same workload from its pg_stat_statements export, which keeps no constants (not even the % of
      // `LIKE $1 || '%'`, which it turns into `$1 || $2`): the kinds that need a constant are not guessed, and the
      // alignment table says why for each statement. (Between BRIN and a btree on events.at, the export's generic
      // plans and the measured times decide; that choice is not asserted here.) Accept all is a fixed point even
      // though the export's times were measured before the migration: a statement the created index serves is
      // not ranked again on them.
      test('the kinds that need constants, from a pg_stat_statements export (it keeps none): nothing proposed on a guess, the alignment table says why per statement, accept all a fixed point', async (ctx) => {
        if (!cluster) return ctx.skip();
        const out = await mkdtemp(join(dir, 'save-'));
        const first = await check(db.url, ['--workload', sampled.export, '--save', out, '--accept', 'all']);
        expect(first.workload[0]).toMatchObject({ kind: 'pgss-export', statements: KINDS_SAMPLED.length, skipped: [] });
        const ups = proposals(first).map((f) => String(f.up));
        // no pattern btree nor trigram index for LIKE $1, no expression index with $1 inside, no to_tsvector index, no BRIN on the column in random order
        for (const no of ['"customers"', '->>', 'to_tsvector', 'USING brin ("v")']) expect(ups.some((u) => u.includes(no)), no).toBe(false);
        // a partial index may rest on pg_stats's rarest value: then the finding says it assumes so, a level lower
        for (const f of proposals(first)) {
          const ev = f.evidence as unknown as Evidence & { predicate: { source: string } | null };
          if (!ev.predicate) continue;
          expect(ev.predicate.source, f.title).toMatch(/^assumed: the rarest value in pg_stats/);
          expect(ev.severity_basis.lowered_one_level, f.title).not.toBeNull();
        }
        const rows = await alignmentRows(out);
        const verdict = (fragment: string) => String(rows.find((r) => String(r.query).includes(fragment))?.verdict);
        expect(verdict('name LIKE $1 || $2')).toMatch(/^no candidate: the pattern name LIKE [$]1 [|][|] [$]2 is built from parameters the workload gave no value for .*cannot tell whether it is anchored/);
        expect(verdict('email LIKE $1')).toMatch(/^no candidate: the pattern email LIKE [$]1 is a parameter the workload gave no value for .*cannot tell whether it is anchored/);
        expect(verdict('data ->> $1 = $2')).toMatch(/^no candidate: \(data ->> …\) takes [$]1, and the workload gave no value for it \(pg_stat_statements keeps none\)/);
        expect(verdict('to_tsvector($1, body)')).toMatch(/^no candidate: to_tsvector\(…, body\) takes [$]1, and the workload gave no value for it/);
        expect(verdict('to_tsvector(body)')).toMatch(/^no candidate: to_tsvector\(body\) has no text search configuration/);
        await expectFixedPoint(out, first, ['--workload', sampled.export]);
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
