// `pgadvisor check` as CI runs it: formats, the config file, baselines and fleets, through the real binary.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/db.ts';
import { plantedDatabase, UNREACHABLE } from '../ci/fixture.ts';
import { runCli } from './run-cli.ts';

describe('pgadvisor check in CI', () => {
  let db: TestDatabase;
  let dir: string;
  const cli = (args: string[], cwd = dir) => runCli(['check', '--playbook', 'indexes', ...args], {}, cwd);
  beforeAll(async () => {
    db = await plantedDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'pgadv-cli-ci-'));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses an invalid config file in one line naming file, line and key, before connecting', async () => {
    await writeFile(path.join(dir, '.pgadvisor.toml'), '# team policy\n[[ignore]]\nfinding = "indexes/*"\n');
    const nested = path.join(dir, 'sub');
    await import('node:fs/promises').then((fs) => fs.mkdir(nested, { recursive: true }));
    const r = await cli(['--url', UNREACHABLE], nested);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`pgadvisor: ${path.join(dir, '.pgadvisor.toml')}:2: ignore[1]: needs reason = `)).toBe(true);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const other = await cli(['--url', UNREACHABLE, '--config', '.pgadvisor.toml'], dir);
    expect(other.stderr).toMatch(/^pgadvisor: \.pgadvisor\.toml:2: ignore\[1\]: needs reason/);
    const none = await cli(['--url', UNREACHABLE, '--no-config'], nested);
    expect(none.stderr).toMatch(/cannot connect to postgres@127\.0\.0\.1:9\/nowhere: connection refused/);
  });

  it('sets a finding aside until its ignore expires, then reports it again and says so', async () => {
    const ignore = (expires: string) =>
      writeFile(path.join(dir, '.pgadvisor.toml'), `[[ignore]]\nfinding = "indexes/duplicate_indexes/public.orders.*"\nreason = "note column goes away in v2"\nexpires = ${expires}\n`);
    await ignore('2999-01-01');
    const held = await cli(['--url', db.url, '--json']);
    const heldJson = JSON.parse(held.stdout);
    expect(heldJson.findings.some((f: { id: string }) => f.id.includes('orders_note'))).toBe(false);
    expect(heldJson.suppressed).toEqual([expect.objectContaining({ reason: 'note column goes away in v2', expires: '2999-01-01' })]);

    await ignore('2020-01-01');
    const text = await cli(['--url', db.url]);
    expect(text.stdout).toMatch(/WARN {2}public\.orders\.orders_note_b .*\n {8}ignore expired 2020-01-01 \(note column goes away in v2\): reported again/);
    const json = await cli(['--url', db.url, '--json']);
    expect(JSON.parse(json.stdout).expiredIgnores).toEqual([{ id: expect.stringContaining('orders_note'), reason: 'note column goes away in v2', expires: '2020-01-01' }]);
    expect(json.stderr).toMatch(/1 ignore has expired; reported again: indexes\/duplicate_indexes\/public\.orders\.orders_note_b \(expired 2020-01-01\)/);
  });

  it('--fail-on-new fails only for findings the baseline does not have', async () => {
    await writeFile(path.join(dir, '.pgadvisor.toml'), '');
    const first = await cli(['--url', db.url, '--json']);
    await writeFile(path.join(dir, 'baseline.json'), first.stdout);
    const same = await cli(['--url', db.url, '--fail-on-new', 'baseline.json', '--fail-on', 'info']);
    expect(same.code).toBe(0);
    await db.exec('CREATE INDEX customers_email_a ON public.customers (email); CREATE INDEX customers_email_b ON public.customers (email);');
    try {
      const after = await cli(['--url', db.url, '--fail-on-new', 'baseline.json']);
      expect(after.code).toBe(1);
      expect(after.stdout).toMatch(/public\.customers\.customers_email_[ab] .*\[new\]/);
      expect(after.stdout.match(/\[new\]/g)).toHaveLength(1);
    } finally {
      await db.exec('DROP INDEX public.customers_email_a; DROP INDEX public.customers_email_b;');
    }
  });

  it('writes every --output report in one run, by extension, and prints the text summary; JUnit and Markdown on stdout', async () => {
    const sarif = await cli(['--url', db.url, '--output', 'out.sarif', '--output', 'junit.xml', '--output', 'summary.md', '--fail-on', 'critical']);
    expect(sarif.code).toBe(0);
    expect(sarif.stdout).toMatch(/^pgadvisor .* — postgres@/);
    const log = JSON.parse(await readFile(path.join(dir, 'out.sarif'), 'utf8'));
    expect(log.runs[0].results.length).toBeGreaterThan(0);
    expect(await readFile(path.join(dir, 'junit.xml'), 'utf8')).toMatch(/^<\?xml /);
    expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).toMatch(/^# pgadvisor check — 1 database\n/);
    const unknown = await cli(['--url', db.url, '--output', 'report.html']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--output report\.html: name the format by the extension/);
    const junit = await cli(['--url', db.url, '--format', 'junit']);
    expect(junit.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="pgadvisor"/);
    const md = await cli(['--url', db.url, '--format', 'markdown']);
    expect(md.stdout).toMatch(/^# pgadvisor check — 1 database\n/);
  });

  it('checks a fleet from --urls-file: the unreachable one is reported, the others complete, exit 2', async () => {
    await writeFile(path.join(dir, 'urls.txt'), `# fleet\n${db.url}\n${UNREACHABLE}   # retired\n`);
    const r = await cli(['--urls-file', 'urls.txt', '--jobs', '2', '--format', 'json']);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout);
    expect(json.databases.map((d: { status: string }) => d.status)).toEqual(['ok', 'failed']);
    expect(json.databases[0].findings.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^pgadvisor: 1 of 2 databases could not be checked \(postgres@127\.0\.0\.1:9\/nowhere\); exit 2$/m);
    expect(r.stdout + r.stderr).not.toContain('secret-password');
  });
});
