import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetText } from '../../src/ci/fleet-text.ts';
import { fleetJson } from '../../src/ci/json.ts';
import { markdownSummary } from '../../src/ci/markdown.ts';
import { exitCode, failedOutcome, type CheckOutcome } from '../../src/ci/outcome.ts';
import { fromUrl } from '../../src/db/target.ts';
import { runFleet } from '../../src/fleet/run.ts';
import { allDatabases, readUrlsFile, targetsOf, withDatabase } from '../../src/fleet/targets.ts';
import { createDatabase, hasRealServer, TEST_DATABASE_URL, type TestDatabase } from '../support/db.ts';
import { check, plantedDatabase, UNREACHABLE } from '../ci/fixture.ts';

describe('a fleet run', () => {
  let good: TestDatabase[];
  let clean: TestDatabase;
  let outcome: CheckOutcome;
  let saveDir: string;
  beforeAll(async () => {
    good = [await plantedDatabase(), await plantedDatabase()];
    clean = await createDatabase('CREATE TABLE t (id int PRIMARY KEY)');
    saveDir = await mkdtemp(path.join(tmpdir(), 'pgadv-fleet-'));
    outcome = await check([good[0].url, UNREACHABLE, good[1].url, clean.url], { failOn: 'warning', save: { dir: saveDir, accept: 'none', carryFrom: null } });
  });
  afterAll(async () => {
    for (const d of [...(good ?? []), clean]) await d?.drop();
  });

  it('reports the unreachable database and completes the others, in the order given; the exit code says a database failed', () => {
    expect(outcome.databases.map((d) => d.status)).toEqual(['ok', 'failed', 'ok', 'ok']);
    const failed = outcome.databases[1];
    expect(failed.target).toBe('postgres@127.0.0.1:9/nowhere');
    expect(failed.error).toMatch(/^cannot connect: connection refused/);
    expect(outcome.databases[0].findings.length).toBeGreaterThan(0);
    expect(outcome.databases[3].findings).toEqual([]);
    expect(exitCode(outcome)).toBe(2);
    const withoutIt = { ...outcome, databases: outcome.databases.filter((d) => d.status === 'ok') };
    expect(exitCode(withoutIt)).toBe(1);
  });

  it('saves one snapshot per database, each in its own folder', async () => {
    const folders = (await readdir(saveDir)).sort();
    expect(folders).toHaveLength(3);
    for (const f of folders) expect((await readdir(path.join(saveDir, f))).filter((n) => n.endsWith('.snapshot.json'))).toHaveLength(1);
    expect(outcome.databases.filter((d) => d.saved).map((d) => path.dirname(d.saved!.snapshot)).sort()).toEqual(folders.map((f) => path.join(saveDir, f)));
    expect(folders.join(' ')).not.toMatch(/postgres@|secret/);
  });

  it('groups the same finding across databases, with the list of databases, in JSON, text and Markdown', () => {
    const json = fleetJson(outcome);
    expect(json.summary).toEqual({ databases: 4, checked: 3, failed: 1, findings: outcome.databases.reduce((n, d) => n + d.findings.length, 0) });
    const dup = json.groups.find((g) => g.target === 'public.orders.orders_note_b')!;
    expect(dup.databases).toHaveLength(2);
    expect(json.databases[1]).toEqual({ target: 'postgres@127.0.0.1:9/nowhere', database: 'nowhere', status: 'failed', error: expect.stringMatching(/^cannot connect/) });

    const text = fleetText(outcome, 2);
    expect(text).toMatch(/^pgadvisor .* — 4 databases \(3 checked, 1 failed\), 2 jobs$/m);
    expect(text).toMatch(/^ {2}FAILED {2}postgres@127\.0\.0\.1:9\/nowhere +cannot connect: connection refused/m);
    expect(text).toContain(`  WARN  public.orders.orders_note_b`);
    expect(text).toMatch(/^ {8}2 databases: /m);
    expect(text).not.toMatch(/[\u001b]/);

    const md = markdownSummary(outcome);
    expect(md).toMatch(/^# pgadvisor check — 4 databases$/m);
    expect(md).toMatch(/\| nowhere \| could not be checked \|/);
    expect(md).toMatch(/^## Warnings \(\d+\)$/m);
    expect(md).toMatch(/public\.orders\.orders_note_b \| indexes\/duplicate_indexes \| 2: /);
    for (const out of [JSON.stringify(json), text, md]) expect(out).not.toContain('secret-password');
  });
});

describe('fleet targets', () => {
  it('reads a URLs file: one a line, # comments, blank lines', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pgadv-urls-'));
    const file = path.join(dir, 'urls.txt');
    await writeFile(file, '# production\npostgres://u:pw@db1:5432/app\n\n   # staging\npostgres://u@db2/app   # the replica\n');
    expect(await readUrlsFile(file)).toEqual(['postgres://u:pw@db1:5432/app', 'postgres://u@db2/app']);
    await writeFile(file, 'postgres://a@b/c postgres://d@e/f\n');
    await expect(readUrlsFile(file)).rejects.toThrow(/urls\.txt:1: one connection URL a line/);
    await writeFile(file, '# nothing\n');
    await expect(readUrlsFile(file)).rejects.toThrow(/has no connection URL$/);
    await expect(readUrlsFile(path.join(dir, 'none.txt'))).rejects.toThrow(/cannot read --urls-file .*none\.txt: no such file$/);
  });

  it('checks each URL, shows none with its password, and lists a database given twice once', () => {
    const targets = targetsOf(['postgres://u:pw@db1:5432/app', 'postgres://u:other@db1:5432/app', 'postgres://u@db1/other']);
    expect(targets.map((t) => t.display)).toEqual(['u@db1:5432/app', 'u@db1:5432/other']);
    expect(() => targetsOf(['mysql://x'])).toThrow(/malformed connection URL/);
    const moved = withDatabase(fromUrl('postgres://u:pw@db1:5433/app?sslmode=require', 'url'), 'billing');
    expect(moved.display).toBe('u@db1:5433/billing');
    expect(moved.config.connectionString).toBe('postgres://u:pw@db1:5433/billing?sslmode=require');
  });

  it.runIf(hasRealServer)('--all-databases: every database this role can connect to, templates left out', async () => {
    const a = await createDatabase();
    const b = await createDatabase();
    await a.exec(`ALTER DATABASE ${b.name} ALLOW_CONNECTIONS false`);
    try {
      const names = (await allDatabases(fromUrl(TEST_DATABASE_URL!, 'url'))).map((t) => t.display.split('/').pop());
      expect(names).toContain(a.name);
      expect(names).not.toContain(b.name);
      expect(names).not.toContain('template1');
      expect(names).not.toContain('template0');
    } finally {
      await a.exec(`ALTER DATABASE ${b.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await a.drop();
      await b.drop();
    }
  });

  it('runs at most --jobs databases at once, and a database that throws mid-run fails alone', async () => {
    const targets = Array.from({ length: 9 }, (_, i) => fromUrl(`postgres://u@h/db${i}`, 'url'));
    let running = 0;
    let peak = 0;
    const results = await runFleet(targets, 3, async (t) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (t.display.endsWith('db4')) throw new Error('server closed the connection unexpectedly\nmore detail');
      return { ...failedOutcome(t.display, ''), status: 'ok', error: null };
    });
    expect(peak).toBe(3);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'failed', 'ok', 'ok', 'ok', 'ok']);
    expect(results[4].error).toBe('server closed the connection unexpectedly');
  });
});
