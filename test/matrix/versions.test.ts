// Every playbook on every supported PostgreSQL major (13–18) against the shared corpora: no cell may fail, each
// version skips exactly the cells gated away from it, and the findings agree across versions except where a
// version really differs (listed below with the reason). The servers (TEST_MATRIX_URLS, started by .ci/run), one
// private cluster per major: Debian's 15 with hypopg, and the npm packages' 13, 14, 16, 17, 18.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellErrors } from '../../src/playbooks/cell-errors.ts';
import type { Finding, RunResult } from '../../src/playbooks/types.ts';
import { createDatabase, loadCorpus, withClient, type TestDatabase } from '../support/db.ts';
import { matrixServers, type MatrixServer } from '../support/matrix.ts';
import { findingsOf, runOf, runPlaybook } from '../support/run.ts';
import { plantAfterFixture } from '../playbooks/indexes/plant.ts';

const CORPORA = ['pagila', 'musicbrainz', 'basejump'] as const;
type Corpus = (typeof CORPORA)[number];

/** Cells a version skips by design, and why. Every other cell must run on every version. */
const GATED: { cell: string; runsOn: (major: number) => boolean; why: string }[] = [
  { cell: 'rls-security/views_bypass_rls', runsOn: (m) => m >= 15, why: 'security_invoker views exist from PostgreSQL 15' },
  { cell: 'workload/statements_window', runsOn: (m) => m >= 14, why: 'pg_stat_statements_info (window start, evictions) exists from PostgreSQL 14' },
  { cell: 'workload/statements_window_pre14', runsOn: (m) => m < 14, why: 'before 14 the window is the server start: this cell replaces statements_window there' },
  { cell: 'indexes/stale_indexes', runsOn: (m) => m >= 16, why: 'last_idx_scan (when an index was last scanned) exists from PostgreSQL 16' },
  { cell: 'connections/checkpoints', runsOn: (m) => m >= 17, why: 'pg_stat_checkpointer exists from PostgreSQL 17' },
  { cell: 'connections/checkpoints_pre17', runsOn: (m) => m < 17, why: 'the same counters in pg_stat_bgwriter, which 17 moved out' },
  { cell: 'connections/io_by_backend', runsOn: (m) => m >= 16, why: 'pg_stat_io exists from PostgreSQL 16' },
  { cell: 'connections/backend_writes', runsOn: (m) => m >= 16, why: 'only pg_stat_io (16+) tells a query’s own writes from COPY’s and VACUUM’s' },
  // not a version difference: hypopg is built for Debian's 15 only (the npm servers ship contrib, no hypopg)
  { cell: 'workload/connection_churn', runsOn: (m) => m >= 14, why: 'pg_stat_database session counters exist from PostgreSQL 14' },
  { cell: 'indexes/drop_validation', runsOn: (m) => m === 15, why: 'hypopg is installed on the matrix’s 15 only' },
];

/**
 * Cells skipped on a corpus that carries a managed provider's marks, on every version: basejump loads Supabase's
 * schemas (supabase_functions among them), so the server is taken for Supabase's, and the cells about what
 * Supabase runs for its customers say so instead of judging the test server's own archiving, checksums,
 * standbys, pg_hba.conf and TLS.
 */
const MANAGED: { corpora: Corpus[]; provider: string; cells: string[] }[] = [
  {
    corpora: ['basejump'],
    provider: 'Supabase',
    cells: [
      'backup-recovery/wal_archiving', 'backup-recovery/data_checksums', 'backup-recovery/synchronous_standbys',
      'rls-security/hba_rules', 'rls-security/tls_settings',
    ],
  },
];

/**
 * Not compared across versions (they still must run without error): checks about the server rather than the
 * corpus — its settings, roles, sessions, and temporary files or buffer writes by any client, the loads included —
 */
const NOT_COMPARED = new Set([
  'connections/connection_saturation', 'connections/idle_in_transaction', 'connections/long_running_queries', 'connections/settings_review',
  'connections/pg_stat_statements_preload', 'connections/backend_writes', 'rls-security/bypass_roles_can_login', 'rls-security/security_settings',
  'rls-security/md5_passwords',
  // and checks judged on measured execution time, which follows the machine's load at that moment, not the version
  'workload/slow_statements', 'workload/hot_tiny_statements', 'workload/workload_design',
  // and the workload's index proposals: planned with hypopg on the matrix's 15, estimated from the cost model elsewhere,
  // so the two may choose different indexes for the same statement (both must run without error)
  'indexes/workload_indexes',
]);

/** Findings that really differ between versions on the same corpus: which, where, and why. */
const DIFFERENCES: { corpora: Corpus[]; majors: number[]; findings: string[]; why: string }[] = [
  {
    corpora: ['musicbrainz', 'basejump'],
    majors: [13, 14],
    findings: ['rls-security/schema_create_public/public'],
    why:
      'PostgreSQL 15 stopped granting CREATE on schema public to PUBLIC in new databases; 13 and 14 still do ' +
      '(pagila’s dump grants it explicitly, so there every version reports it)',
  },
  {
    corpora: ['musicbrainz'],
    majors: [13, 14],
    findings: [
      'indexes/fk_without_index/musicbrainz.medium.medium_fk_release',
      'indexes/fk_without_index/musicbrainz.track.track_fk_medium',
      'indexes/redundant_indexes/musicbrainz.release_label.release_label_idx_release',
    ],
    why:
      'the corpus, not the advisor: musicbrainz loads CreateConstraints.sql as one transaction, and its UNIQUE NULLS NOT DISTINCT ' +
      '(PostgreSQL 15+) fails before 15, so medium_uniq, track_uniq_medium_position and release_label_uniq are missing there: ' +
      'two foreign keys lose their supporting index and release_label_idx_release is no longer covered by a wider unique index',
  },
  {
    corpora: ['pagila', 'musicbrainz'],
    majors: [18],
    findings: ['backup-recovery/data_checksums/server data_checksums'],
    why: 'initdb enables data checksums by default from PostgreSQL 18 (the matrix initializes every server with its defaults)',
  },
];

/**
 * The catalog checks the corpora hardly exercise, on the planted problems and near misses of their own tests (the
 * schema-integrity and indexes fixtures): every version must find what 15 finds, and 15 must find something for
 * each, so the comparison is never between two empty lists. They read catalog columns that moved between versions
 * (PostgreSQL 18 keeps NOT NULL constraints in pg_constraint, 13 has no NULLS NOT DISTINCT, btree deduplication
 * from 13 changes index sizes).
 */
const PLANTED: { name: string; fixture: URL; playbooks: string[]; plant?: (db: TestDatabase) => Promise<void>; checks: string[] }[] = [
  {
    name: 'schema',
    fixture: new URL('../playbooks/schema/fixture.sql', import.meta.url),
    playbooks: ['schema-integrity'],
    checks: [
      'schema-integrity/fk_type_mismatch', 'schema-integrity/char_columns', 'schema-integrity/fk_nullable_never_null',
      'schema-integrity/names_at_limit', 'schema-integrity/redundant_unique_constraints', 'schema-integrity/missing_foreign_keys',
    ],
  },
  {
    name: 'indexes',
    fixture: new URL('../playbooks/indexes/fixture.sql', import.meta.url),
    playbooks: ['indexes'],
    plant: plantAfterFixture,
    checks: ['indexes/index_shapes', 'indexes/index_bloat', 'indexes/unused_partitioned_indexes', 'indexes/low_cardinality_indexes', 'indexes/fk_without_index'],
  },
];

const servers = matrixServers();

if (!servers) {
  const how = 'start them with `source .env.test; source .ci/postgres.sh; pg_start_matrix; export TEST_MATRIX_URLS` (see README)';
  describe('version matrix (PostgreSQL 13–18)', () => {
    if (process.env.CI && process.env.TEST_DATABASE_URL) {
      it('runs in CI', () => {
        throw new Error(`TEST_MATRIX_URLS is unset: .ci/run must start the matrix servers; ${how}`);
      });
    } else {
      const why = `skipped: no matrix servers (TEST_MATRIX_URLS unset); ${how}`;
      console.warn(`version matrix ${why}`);
      it.skip(why, () => {});
    }
  });
} else {
  describe('version matrix (PostgreSQL 13–18)', () => {
    const runs = new Map<string, RunResult>();
    const dbs: TestDatabase[] = [];
    const key = (major: number, corpus: Corpus) => `${major}/${corpus}`;

    beforeAll(async () => {
      await inParallel(servers, 2, async (server) => {
        for (const corpus of CORPORA) {
          const db = await loadCorpus(corpus, corpus === 'pagila', server.url);
          dbs.push(db);
          await prepare(db, server);
          runs.set(key(server.major, corpus), await runPlaybook(db.url));
        }
        for (const p of PLANTED) {
          const db = await createDatabase(await readFile(p.fixture, 'utf8'), { server: server.url });
          dbs.push(db);
          await p.plant?.(db);
          runs.set(`${server.major}/planted ${p.name}`, await runPlaybook(db.url, p.playbooks));
        }
      });
    }, 900_000);
    afterAll(async () => {
      for (const db of dbs) await db.drop();
    });

    for (const server of servers) {
      describe(`PostgreSQL ${server.major}`, () => {
        it('is the major it is listed as', () => {
          const data = runs.get(key(server.major, 'pagila'))!;
          expect(Math.floor(data.server.versionNum / 10000)).toBe(server.major);
        });

        for (const corpus of CORPORA) {
          it(`${corpus}: no cell fails, and only the cells gated away from ${server.major} are skipped`, () => {
            const data = runs.get(key(server.major, corpus))!;
            expect(cellErrors(data.playbooks)).toEqual([]);
            const skipped = data.skipped.map((s) => `${s.playbook}/${s.check}`).sort();
            const managed = MANAGED.filter((m) => m.corpora.includes(corpus));
            const expected = [...GATED.filter((g) => !g.runsOn(server.major)).map((g) => g.cell), ...managed.flatMap((m) => m.cells)].sort();
            expect(skipped).toEqual(expected);
            for (const s of data.skipped) expect(s.reason).not.toBe('');
            // a provider's cells say what the provider does instead
            for (const m of managed) {
              for (const s of data.skipped.filter((x) => m.cells.includes(`${x.playbook}/${x.check}`))) expect(s.reason).toMatch(new RegExp(`^${m.provider} manages this: `));
            }
          });
        }
      });
    }

    for (const corpus of CORPORA) {
      it(`${corpus}: every version finds what 15 finds, except the differences listed with their reason`, () => {
        const base = runs.get(key(15, corpus))!;
        for (const server of servers.filter((s) => s.major !== 15)) {
          const other = runs.get(key(server.major, corpus))!;
          const checks = ranOn(base, other);
          const [on15, onThis] = [comparable(base, checks), comparable(other, checks)];
          const allowed = new Set(DIFFERENCES.filter((d) => d.corpora.includes(corpus) && d.majors.includes(server.major)).flatMap((d) => d.findings));
          const onlyOn15 = [...on15].filter(([id]) => !onThis.has(id) && !allowed.has(id));
          const onlyOnThis = [...onThis].filter(([id]) => !on15.has(id) && !allowed.has(id));
          expect({ major: server.major, onlyOn15, onlyOnThis }).toEqual({ major: server.major, onlyOn15: [], onlyOnThis: [] });
          // what a listed difference says must really happen on that version
          for (const id of allowed) expect([server.major, id, onThis.has(id) !== on15.has(id)]).toEqual([server.major, id, true]);
          // the same finding has the same severity and is a migration on both or advice on both
          for (const [id, a] of on15) {
            const b = onThis.get(id);
            if (b) expect([server.major, id, b]).toEqual([server.major, id, a]);
          }
        }
      });
    }

    for (const p of PLANTED) {
      it(`planted ${p.name} problems: ${p.checks.map((c) => c.split('/')[1]).join(', ')} find on every version what they find on 15`, () => {
        const checks = new Set(p.checks);
        const base = runs.get(`15/planted ${p.name}`)!;
        const on15 = comparable(base, checks);
        for (const c of p.checks) expect([c, [...on15.keys()].some((id) => id.startsWith(`${c}/`))]).toEqual([c, true]);
        for (const server of servers) {
          const other = runs.get(`${server.major}/planted ${p.name}`)!;
          expect([server.major, cellErrors(other.playbooks)]).toEqual([server.major, []]);
          const onThis = comparable(other, checks);
          const onlyOn15 = [...on15.keys()].filter((id) => !onThis.has(id));
          const onlyOnThis = [...onThis.keys()].filter((id) => !on15.has(id));
          expect({ major: server.major, onlyOn15, onlyOnThis }).toEqual({ major: server.major, onlyOn15: [], onlyOnThis: [] });
          for (const [id, a] of on15) expect([server.major, id, onThis.get(id)]).toEqual([server.major, id, a]);
        }
      });
    }

    // pg_stat_io is cluster-wide: this runs after the corpora, when nothing else writes on these servers
    for (const server of servers.filter((s) => s.major >= 16)) {
      it(`PostgreSQL ${server.major}: backend_writes stays quiet after a reset and reports queries that had to write dirty buffers`, async () => {
        const db = await createDatabase('CREATE TABLE filler (id int, pad text)', { server: server.url });
        dbs.push(db);
        await db.exec(`SELECT pg_stat_reset_shared('io')`);
        await db.exec('CHECKPOINT');
        const quiet = await runPlaybook(db.url, ['connections']);
        expect(runOf(quiet, 'backend_writes').status).toBe('ok');
        expect(findingsOf(quiet, 'backend_writes')).toEqual([]);
        // shared_buffers plus 80 MB of new rows through an ordinary INSERT: the backend evicts the dirty buffers it made
        const { rows } = await db.exec(`SELECT pg_size_bytes(current_setting('shared_buffers')) AS bytes`);
        const count = Math.ceil((Number(rows[0].bytes) + 80 * 1024 * 1024) / 1100);
        await db.exec(`INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, $1::int) g`, [count]);
        const busy = await runPlaybook(db.url, ['connections']);
        const found = findingsOf(busy, 'backend_writes');
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ id: 'connections/backend_writes/server', target: 'server', up: null });
        expect(found[0].evidence.backend_writes).toBeGreaterThanOrEqual(5000);
        expect(found[0].evidence.backend_share).toBeGreaterThanOrEqual(0.1);
        expect(found[0].rationale).toContain(`client backends wrote ${found[0].evidence.backend_writes} of the`);
      });
    }
  });
}

/** The extensions the playbooks use, in a schema of their own (an extension in public is a finding). */
async function prepare(db: TestDatabase, server: MatrixServer): Promise<void> {
  await withClient(db.url, async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'`);
    if (rows.length) await c.query('CREATE SCHEMA IF NOT EXISTS hypo; CREATE EXTENSION IF NOT EXISTS hypopg SCHEMA hypo');
    if (server.major !== 15) expect(rows).toEqual([]); // GATED above assumes hypopg on 15 only
  });
}

/** Checks that ran (not skipped) on both runs: only those can be compared. */
function ranOn(a: RunResult, b: RunResult): Set<string> {
  const ok = (d: RunResult) => new Set(d.playbooks.flatMap((p) => p.runs.filter((r) => r.status === 'ok').map((r) => `${p.id}/${r.cell}`)));
  const inB = ok(b);
  return new Set([...ok(a)].filter((c) => inB.has(c) && !NOT_COMPARED.has(c)));
}

/**
 * Findings by comparable identity → what must agree. A pg_stat_statements queryid is a hash each server computes
 * over its own parse tree and object OIDs, so it differs between versions and databases: where an id holds one,
 * the statement's normalized text stands in for it; the test database's own name (a fresh one per server) stands
 * as <database>. Generated index names carry an OID-based suffix, so the DDL itself is not compared, only whether
 * there is any.
 */
function comparable(d: RunResult, checks: Set<string>): Map<string, { severity: string; migration: boolean }> {
  const out = new Map<string, { severity: string; migration: boolean }>();
  for (const f of d.findings.filter((x) => checks.has(`${x.playbook}/${x.check}`))) {
    out.set(withStatements(f, d.server.database), { severity: f.severity, migration: f.up !== null });
  }
  // a finding folded into a workload proposal (reconciliation: one index for one need) is still found: the keeper
  // lists it, and accepting the keeper creates the index it asks for
  for (const f of d.findings) {
    const folded = (f.evidence.also_serves ?? []) as { id: string; check: string; severity: string }[];
    for (const o of folded.filter((x) => checks.has(x.check))) out.set(o.id, { severity: o.severity, migration: true });
  }
  return out;
}

function withStatements(f: Finding, database: string): string {
  const texts = new Map<string, string>();
  const visit = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.queryid === 'string' && typeof o.query === 'string') texts.set(o.queryid, o.query);
    for (const x of Object.values(o)) visit(x);
  };
  visit(f.evidence);
  let id = f.id;
  for (const [qid, text] of texts) id = id.split(qid).join(`[${text}]`);
  return id.split(database).join('<database>');
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
