// A cell that fails is never silent in `check`: text names it, --json lists it under errors, and the exit
// code is 2 unless --allow-errors. The failure planted here is the common one in production: another
// session holds a lock the cell needs, and the advisor's lock_timeout cancels the cell.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { runCli } from './run-cli.ts';

const SETUP = `
CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL);
CREATE INDEX items_sku ON items (sku);
CREATE INDEX items_sku_again ON items (sku);
INSERT INTO items SELECT g, 'sku' || g FROM generate_series(1, 1000) g;
ANALYZE;`;

describe.runIf(hasRealServer)('check reports failed cells', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(SETUP);
  });
  afterAll(() => db?.drop());

  it('a clean run has an empty errors array and exits by --fail-on alone', async () => {
    const r = await runCli(['check', '--json', '--playbook', 'indexes', '--url', db.url]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.errors).toEqual([]);
    expect(out.findings.map((f: { check: string }) => f.check)).toContain('duplicate_indexes');
    // the duplicate is info (a small index on a quiet table)
    expect((await runCli(['check', '--playbook', 'indexes', '--fail-on', 'info', '--url', db.url])).code).toBe(1);
  });

  describe('while another session holds an ACCESS EXCLUSIVE lock on the duplicate index', () => {
    let holder: pg.Client;
    beforeAll(async () => {
      holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      // an uncommitted DROP INDEX: the catalog still shows the index, but measuring its size must wait
      await holder.query('BEGIN');
      await holder.query('DROP INDEX items_sku_again');
    });
    afterAll(async () => {
      await holder?.query('ROLLBACK').catch(() => undefined);
      await holder?.end();
    });

    it('--json lists the cancelled cell under errors and exits 2, saying why on stderr', async () => {
      const r = await runCli(['check', '--json', '--playbook', 'indexes', '--url', db.url]);
      expect(r.code).toBe(2);
      const out = JSON.parse(r.stdout);
      expect(out.errors).toContainEqual({ playbook: 'indexes', check: 'duplicate_indexes', error: 'canceling statement due to lock timeout' });
      for (const e of out.errors) expect(Object.keys(e).sort()).toEqual(['check', 'error', 'playbook']);
      // the check that did not run contributes no finding, which is why the exit code must not be 0
      expect(out.findings.map((f: { check: string }) => f.check)).not.toContain('duplicate_indexes');
      const names = out.errors.map((e: { playbook: string; check: string }) => `${e.playbook}/${e.check}`);
      expect(r.stderr).toBe(`pgadvisor: ${names.length} cell${names.length === 1 ? '' : 's'} failed (${names.join(', ')}); exit 2 (--allow-errors to ignore)\n`);
    });

    it('text output names every failed cell and counts them; --allow-errors exits by --fail-on', async () => {
      const r = await runCli(['check', '--playbook', 'indexes', '--allow-errors', '--url', db.url]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const failed = r.stdout.split('\n').filter((l) => l.startsWith('  ERR   '));
      expect(failed).toContain('  ERR   duplicate_indexes: canceling statement due to lock timeout');
      expect(r.stdout).toMatch(new RegExp(`; ${failed.length} cells? failed\\n`));
      const json = JSON.parse((await runCli(['check', '--json', '--playbook', 'indexes', '--allow-errors', '--url', db.url])).stdout);
      expect(failed.map((l) => l.slice(8))).toEqual(json.errors.map((e: { check: string; error: string }) => `${e.check}: ${e.error}`));
      // fk and redundant-index findings still ran; --fail-on still decides between 0 and 1
      const strict = await runCli(['check', '--playbook', 'indexes', '--allow-errors', '--fail-on', 'info', '--url', db.url]);
      expect(strict.code).toBe(json.findings.length ? 1 : 0);
    });
  });
});
