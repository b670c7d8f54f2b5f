// Team notebooks (--playbooks DIR): the worked example of playbooks/README.md, copied out of the README as a
// reader would, loaded and run against a real server with each problem planted and a near miss of each;
// its finding in `check --json`, in a saved snapshot replayed offline, its migration applied, rolled back and
// applied again; a malformed team notebook stops the run with its one-line error.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewController } from '../../../src/review/controller.ts';
import { itemsOf } from '../../../src/review/state.ts';
import { readSnapshot } from '../../../src/snapshot/io.ts';
import { runCli } from '../../cli/run-cli.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../../support/db.ts';

const README = new URL('../../../playbooks/README.md', import.meta.url).pathname;

/** The notebook in the README's ````markdown fence. */
async function workedExample(): Promise<string> {
  const text = await fs.readFile(README, 'utf8');
  const m = /^````markdown\n([\s\S]*?)\n````$/m.exec(text);
  if (!m) throw new Error('playbooks/README.md has no ````markdown worked example');
  return m[1] + '\n';
}

const PLANTED = `
  CREATE TABLE public.events (id int PRIMARY KEY, payload json, tags jsonb);
  INSERT INTO public.events VALUES (1, '{"a": 1}', '{"b": 2}');
  CREATE TABLE public.invoices (id int PRIMARY KEY, tenant_id int NOT NULL, total numeric);
  -- near misses: jsonb only; a tenant table that has row level security
  CREATE TABLE public.documents (id int PRIMARY KEY, body jsonb);
  CREATE TABLE public.orders (id int PRIMARY KEY, tenant_id int NOT NULL);
  ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON public.orders USING (tenant_id = current_setting('app.tenant', true)::int);
`;

describe.skipIf(!hasRealServer)('a team notebook from --playbooks DIR', () => {
  let db: TestDatabase;
  let dir: string;
  let team: string;

  beforeAll(async () => {
    db = await createDatabase(PLANTED, { untracked: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-team-'));
    team = path.join(dir, 'ops-playbooks');
    await fs.mkdir(team);
    await fs.writeFile(path.join(team, 'conventions.md'), await workedExample());
  });
  afterAll(async () => {
    await db?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is listed by `pgadvisor playbooks` with the shipped ones, marked as the team folder', async () => {
    const r = await runCli(['playbooks', '--playbooks', team]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`conventions — Team conventions: column types we do not use, and tenant tables that must have row level security  [team: ${team}]`);
    expect(r.stdout).toMatch(/check +json_columns +Columns typed json instead of jsonb/);
    expect(r.stdout).toContain('indexes — Indexes');
  });

  it('runs in check --json: its findings carry the playbook id; the near misses are not flagged', async () => {
    const r = await runCli(['check', '--url', db.url, '--playbooks', team, '--playbook', 'conventions', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const mine = out.findings.filter((f: { playbook: string }) => f.playbook === 'conventions');
    expect(mine.map((f: { id: string }) => f.id).sort()).toEqual(['conventions/json_columns/public.events.payload', 'conventions/tenant_tables_without_rls/public.invoices']);
    const json = mine.find((f: { check: string }) => f.check === 'json_columns');
    expect(json).toMatchObject({ severity: 'warning', target: 'public.events.payload', up: 'ALTER TABLE public.events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;' });
    expect(mine.find((f: { check: string }) => f.check === 'tenant_tables_without_rls')).toMatchObject({ severity: 'critical', up: null });
  });

  it('saves its findings in the snapshot; replayed offline they are a section of their own; the migration applies, rolls back and applies again', async () => {
    const out = path.join(dir, 'out');
    const r = await runCli(['check', '--url', db.url, '--playbooks', team, '--playbook', 'conventions', '--save', out, '--accept', 'warn', '--fail-on', 'crit']);
    expect(r.code).toBe(1); // the critical tenant table
    const files = await fs.readdir(out);
    const snapshot = await readSnapshot(path.join(out, files.find((f) => f.endsWith('.snapshot.json'))!));
    expect(snapshot.decisions['conventions/json_columns/public.events.payload'].state).toBe('accepted');

    // replay: no database, the team section and its finding are there
    const c = new ReviewController({ source: { kind: 'replay', file: 'x.snapshot.json', database: snapshot.server.database, takenAt: snapshot.takenAt }, data: snapshot, decisions: snapshot.decisions, takenAt: snapshot.takenAt, outDir: out, toolVersion: 't', demo: false });
    const view = snapshot.playbooks.findIndex((p) => p.id === 'conventions') + 1;
    c.dispatch({ type: 'view-to', view });
    const items = itemsOf(c.getState(), view);
    expect(items.filter((i) => i.kind === 'finding').map((i) => (i.kind === 'finding' ? i.finding.id : ''))).toContain('conventions/json_columns/public.events.payload');
    c.dispose();

    const before = await schemaDump(db.url);
    const migration = path.join(out, files.find((f) => f.endsWith('.migration.sql'))!);
    const rollback = path.join(out, files.find((f) => f.endsWith('.rollback.sql'))!);
    await psqlFile(db.url, migration);
    expect((await db.exec(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'payload'`)).rows[0].t).toBe('jsonb');
    await psqlFile(db.url, rollback);
    expect(await schemaDump(db.url)).toBe(before);
    await psqlFile(db.url, migration);
    await psqlFile(db.url, rollback);
  });

  it('a malformed team notebook stops the run with one line naming its file and line', async () => {
    const bad = path.join(dir, 'bad');
    await fs.mkdir(bad);
    const text = (await workedExample()).replace('-- severity: warning\n', '').replace('id: conventions', 'id: conventions_bad');
    await fs.writeFile(path.join(bad, 'broken.md'), text);
    const r = await runCli(['check', '--url', db.url, '--playbooks', bad, '--json'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const line = text.split('\n').findIndex((l) => l.startsWith('```sql check json_columns')) + 1;
    expect(r.stderr).toBe(`pgadvisor: bad/broken.md:${line}: cell "json_columns" needs "-- severity: info|warning|critical"\n`);
    // the same id as a shipped notebook, and a folder that is not there
    await fs.writeFile(path.join(bad, 'broken.md'), (await workedExample()).replace('id: conventions', 'id: indexes'));
    const dup = await runCli(['playbooks', '--playbooks', bad], {}, dir);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toBe('pgadvisor: bad/broken.md:2: playbook id "indexes" is also used by indexes.md\n');
    const none = await runCli(['playbooks', '--playbooks', 'nowhere'], {}, dir);
    expect(none.stderr).toBe('pgadvisor: --playbooks nowhere: no such folder\n');
  });
});
