import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/ci/baseline.ts';
import { databaseJson, fleetJson } from '../../src/ci/json.ts';
import { exitCode, failingFindings } from '../../src/ci/outcome.ts';
import type { TestDatabase } from '../support/db.ts';
import { check, plantedDatabase } from './fixture.ts';

describe('--fail-on-new BASELINE', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await plantedDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'pgadv-baseline-'));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('fails only for findings the earlier check --json output did not have', async () => {
    const before = await check([db.url]);
    const file = path.join(dir, 'before.json');
    await writeFile(file, JSON.stringify(databaseJson(before.databases[0])));
    expect((await readBaseline(file)).kind).toBe('check');

    const same = await check([db.url], { baseline: file });
    expect(same.databases[0].findings.length).toBeGreaterThan(0);
    expect([...same.databases[0].newIds!]).toEqual([]);
    expect(exitCode(same)).toBe(0);

    await db.exec('CREATE INDEX customers_email_a ON public.customers (email); CREATE INDEX customers_email_b ON public.customers (email);');
    try {
      const after = await check([db.url], { baseline: file });
      const fresh = [...after.databases[0].newIds!];
      expect(fresh).toEqual([expect.stringMatching(/^indexes\/duplicate_indexes\/public\.customers\.customers_email_[ab]$/)]);
      expect(failingFindings(after.databases[0], null, true).map((f) => f.id)).toEqual(fresh);
      expect(exitCode(after)).toBe(1);
      // with --fail-on critical too, a new warning does not fail the run
      expect(exitCode({ ...after, failOn: 'critical' })).toBe(0);
      expect(databaseJson(after.databases[0]).new).toEqual(fresh);
    } finally {
      await db.exec('DROP INDEX public.customers_email_a; DROP INDEX public.customers_email_b;');
    }
  });

  it('reads a snapshot as a baseline', async () => {
    const out = path.join(dir, 'snap');
    const saved = await check([db.url], { save: { dir: out, accept: 'none', carryFrom: null } });
    const snapshot = saved.databases[0].saved!.snapshot;
    expect((await readdir(out)).some((f) => f.endsWith('.snapshot.json'))).toBe(true);
    const b = await readBaseline(snapshot);
    expect(b.kind).toBe('snapshot');
    const again = await check([db.url], { baseline: snapshot });
    expect([...again.databases[0].newIds!]).toEqual([]);
  });

  it('reads a fleet output as a baseline, database by database', async () => {
    const run = await check([db.url, db.url.replace(/\/[^/]*$/, '/pgadv_no_such_db_here')]);
    const file = path.join(dir, 'fleet.json');
    await writeFile(file, JSON.stringify(fleetJson(run)));
    const b = await readBaseline(file);
    expect(b.kind).toBe('fleet');
    expect(b.known(run.databases[0]).size).toBe(run.databases[0].findings.length);
    expect(b.known({ target: 'someone@elsewhere:5432/other', database: 'other' }).size).toBe(0);
  });

  it.each([
    ['a missing file', null, /^cannot read baseline .*missing\.json: no such file$/],
    ['a file that is not JSON', 'findings: []', /is not JSON: expected a snapshot or the output of pgadvisor check --format json$/],
    ['some other JSON', '{"results": []}', /is neither a pgadvisor snapshot nor the output of pgadvisor check --format json$/],
    ['findings without ids', '{"findings": [{"title": "x"}]}', /an entry of "findings" has no finding id$/],
    ['a broken snapshot', '{"format": "pgadvisor.snapshot/v1"}', /^cannot read .*broken\.json: /],
  ])('refuses %s in one line', async (_, content, expected) => {
    const file = path.join(dir, content === null ? 'missing.json' : content.startsWith('{"format"') ? 'broken.json' : 'other.json');
    if (content !== null) await writeFile(file, content);
    const err = await readBaseline(file).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(expected);
    expect(err?.message).not.toContain('\n');
  });
});
