// Names from the database are untrusted: through the real CLI, `check` (text and JSON), `check --save`,
// `report`, `diff` and `export` in every format never print one raw, never let one break their markup, never
// fail on one — and the migration applies, rolls back and applies again on the real server.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../src/migration/export/index.ts';
import type { Finding } from '../../src/playbooks/types.ts';
import { terminalText } from '../../src/util/untrusted-text.ts';
import { runCli } from '../cli/run-cli.ts';
import { nodePgMigrate, toolRunner } from '../migration/tool-runners.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump, type TestDatabase } from '../support/db.ts';
import { expectNoRawNames, expectPrintable, NAMES, POLICY, q, SHOWN, UNTRUSTED_SQL } from './untrusted-names.ts';

const PLAYBOOKS = ['--playbook', 'indexes', '--playbook', 'rls-security'];
const md = new MarkdownIt({ html: true, linkify: true });

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

/** Every table in the rendered Markdown keeps as many cells in each row as in its header. */
function expectTablesIntact(markdown: string): void {
  let cells = 0;
  let width: number | null = null;
  for (const t of md.parse(markdown, {})) {
    if (t.type === 'table_open') width = null;
    if (t.type === 'tr_open') cells = 0;
    if (t.type === 'td_open' || t.type === 'th_open') cells++;
    if (t.type === 'tr_close') {
      if (width === null) width = cells;
      expect(cells).toBe(width);
    }
  }
}

describe.skipIf(!hasRealServer)('names from the database are untrusted', () => {
  let db: TestDatabase;
  let tmp: string;
  let snapshot: string;
  let migration: string;
  let rollback: string;

  beforeAll(async () => {
    db = await createDatabase(UNTRUSTED_SQL, { untracked: true });
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-untrusted-'));
  });
  afterAll(async () => {
    await db?.drop();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const fkLine = (lines: string[], name: string) => lines.filter((l) => l.includes('has no supporting index') && l.includes(`on public.${q(terminalText(name))}`));

  it('check prints every finding on one line, each name escaped, none forged', async () => {
    const r = await runCli(['check', '--url', db.url, ...PLAYBOOKS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectPrintable(r.stdout, 'check');
    const lines = r.stdout.split('\n');
    for (const name of Object.values(NAMES)) expect(fkLine(lines, name), name).toHaveLength(1);
    for (const shown of Object.values(SHOWN)) expect(r.stdout).toContain(`public."${shown}"`);
    expect(lines.filter((l) => /^\s*WARN\s+public\.fake/.test(l))).toEqual([]);
    expect(r.stdout).toContain(terminalText(POLICY));
  }, 120_000);

  it('check --json keeps every name exact, written with JSON escapes', async () => {
    const r = await runCli(['check', '--url', db.url, '--json', ...PLAYBOOKS]);
    expect(r.code).toBe(0);
    expectPrintable(r.stdout, 'check --json');
    const findings: Finding[] = JSON.parse(r.stdout).findings;
    for (const name of Object.values(NAMES)) {
      const fk = findings.filter((f) => f.check === 'fk_without_index' && f.target.startsWith(`public.${q(name)}.`));
      expect(fk, name).toHaveLength(1);
      expect(fk[0].up).toContain(` ON public.${q(name)} USING btree (${q(`${name} col`)})`);
    }
    const policy = findings.find((f) => f.check === 'per_row_function_calls');
    expect(policy?.up).toContain(`ALTER POLICY ${q(POLICY)} ON public.${q(NAMES.osc)}`);
    expect(policy?.up).toContain("(SELECT current_setting('app.user\u001b[5m'::text, true))");
  }, 120_000);

  it('check --save writes the snapshot and the migration, which applies, rolls back and applies again', async () => {
    const out = path.join(tmp, 'before');
    const r = await runCli(['check', '--url', db.url, ...PLAYBOOKS, '--save', out, '--accept', 'all']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectPrintable(r.stdout, 'check --save');
    const files = await fs.readdir(out);
    [snapshot, migration, rollback] = ['.snapshot.json', '.migration.sql', '.rollback.sql'].map((ext) => path.join(out, files.find((f) => f.endsWith(ext))!));
    expectPrintable(await fs.readFile(snapshot, 'utf8'), 'snapshot file');
    const up = await fs.readFile(migration, 'utf8');
    for (const name of Object.values(NAMES)) expect(up).toContain(`ON public.${q(name)} USING btree (${q(`${name} col`)})`);
    expect(up).toContain('-- some names below hold control, bidirectional or invisible characters');
    for (const line of up.split('\n').filter((l) => l.startsWith('--'))) expectPrintable(line, 'a comment of the migration');

    const before = await schemaDump(db.url);
    await psqlFile(db.url, migration);
    const applied = await schemaDump(db.url);
    expect(applied).not.toBe(before);
    for (const name of Object.values(NAMES)) expect(applied).toContain(`ON public.${q(name)} USING btree (${q(`${name} col`)})`);
    await psqlFile(db.url, rollback);
    expect(await schemaDump(db.url)).toBe(before);
    await psqlFile(db.url, migration);
    expect(await schemaDump(db.url)).toBe(applied);
  }, 240_000);

  it('diff lists what the migration fixed, one line a name, escaped; --json keeps them exact', async () => {
    // the database now has the migration applied
    const after = path.join(tmp, 'after');
    expect((await runCli(['check', '--url', db.url, ...PLAYBOOKS, '--save', after, '--accept', 'none'])).code).toBe(0);
    const next = path.join(after, (await fs.readdir(after)).find((f) => f.endsWith('.snapshot.json'))!);
    const r = await runCli(['diff', snapshot, next]);
    expect(r.code).toBe(0);
    expectPrintable(r.stdout, 'diff');
    const fixed = r.stdout.slice(r.stdout.indexOf('Fixed ('), r.stdout.indexOf('New ('));
    for (const name of Object.values(NAMES)) expect(fkLine(fixed.split('\n'), name), name).toHaveLength(1);
    const json = await runCli(['diff', snapshot, next, '--json']);
    expectPrintable(json.stdout, 'diff --json');
    const targets = JSON.parse(json.stdout).fixed.map((f: { target: string }) => f.target);
    for (const name of Object.values(NAMES)) expect(targets.some((t: string) => t.startsWith(`public.${q(name)}.`)), name).toBe(true);
  }, 240_000);

  it('report: the names render as text, tables stay whole, and the SQL shown still names the exact objects', async () => {
    const r = await runCli(['report', snapshot]);
    expect(r.code).toBe(0);
    expectPrintable(r.stdout, 'report');
    expectTablesIntact(r.stdout);
    const htmlOut = md.render(r.stdout);
    expect(htmlOut).not.toMatch(/<script|href="javascript/i);
    expect(htmlOut).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // the line break in a name starts no line of its own
    expect(r.stdout.split('\n').filter((l) => /^\s*WARN\s+public\.fake/.test(l))).toEqual([]);

    // the SQL the report shows for the OSC table's index (a finding's Apply block, or its rollout phase when the
    // check's findings are folded into a pattern), pasted into psql, builds the index on the exact table
    const blocks = [...r.stdout.matchAll(/```sql\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    const statement = blocks
      .flatMap((b) => b.split(/;\s*\n/))
      .find((st) => /^\s*CREATE INDEX CONCURRENTLY/m.test(st) && st.includes('U&"osc\\001b]0;TITLE\\0007tbl"'));
    expect(statement, 'a CREATE INDEX on the OSC table in the report').toBeDefined();
    const sql = statement!.replace(/^(\s*--.*\n)*/, '') + ';';
    const fresh = await createDatabase(UNTRUSTED_SQL, { untracked: true });
    try {
      const file = path.join(tmp, 'pasted.sql');
      await fs.writeFile(file, sql);
      await psqlFile(fresh.url, file);
      const { rows } = await fresh.exec(
        `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = $1 AND NOT i.indisprimary`,
        [NAMES.osc],
      );
      expect(rows[0].n).toBe(1);
    } finally {
      await fresh.drop();
    }
  }, 240_000);

  for (const format of EXPORT_FORMATS) {
    it(`export ${format}: names where the snapshot came from, shows no name raw outside the SQL, and round-trips with the tool`, async () => {
      const out = path.join(tmp, `export-${format}`);
      const r = await runCli(['export', snapshot, '--format', format, '--out', out]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^pgadvisor: exported the migration of snapshot .*: database ${db.name} \\(PostgreSQL 15\\.[^\\n]*\\), taken [0-9T:.-]+Z by pgadvisor \\S+\\n$`));
      expectPrintable(r.stdout, 'export paths');
      const written = await walk(out);
      expect(r.stdout.trim().split('\n').sort()).toEqual(written.filter((f) => !f.endsWith('package.json')));
      for (const file of written) {
        const text = await fs.readFile(file, 'utf8');
        if (file.endsWith('.sql')) {
          // SQL keeps the names byte for byte; its comments never do
          for (const line of text.split('\n').filter((l) => l.startsWith('--'))) expectPrintable(line, `${file} comment`);
        } else expectPrintable(text, file);
      }
      const sqlText = (await Promise.all(written.filter((f) => /\.(sql|js)$/.test(f)).map((f) => fs.readFile(f, 'utf8')))).join('\n');
      expect(sqlText).toMatch(/(pgadvisor migration|verify)/);

      const fresh = await createDatabase(UNTRUSTED_SQL, { untracked: true });
      try {
        if (format === 'node-pg-migrate') await nodePgMigrate(out, fresh.url).createBookkeeping();
        const run = await toolRunner(format, out, fresh.url);
        const original = await schemaDump(fresh.url);
        await run.up();
        const applied = await schemaDump(fresh.url);
        for (const name of Object.values(NAMES)) expect(applied).toContain(`ON public.${q(name)} USING btree (${q(`${name} col`)})`);
        await run.down();
        expect(await schemaDump(fresh.url)).toBe(original);
        await run.up();
        expect(await schemaDump(fresh.url)).toBe(applied);
      } finally {
        await fresh.drop();
      }
    }, 240_000);
  }

  it('a hostile snapshot sent by someone else: every view escapes it, errors included', async () => {
    const doc = JSON.parse(await fs.readFile(snapshot, 'utf8'));
    doc.server.database = `evil\u001b]0;db\u0007\u202e`;
    doc.server.product = 'PostgreSQL \u001b[2J15';
    doc.tool.version = '9\u001b[31m';
    doc.findings[0].title = 'title\n## forged heading <img src=x onerror=alert(1)>';
    const evil = path.join(tmp, 'evil.snapshot.json');
    await fs.writeFile(evil, JSON.stringify(doc));
    const report = await runCli(['report', evil]);
    expectPrintable(report.stdout, 'report of a hostile snapshot');
    expect(report.stdout.split('\n').filter((l) => l.startsWith('## forged'))).toEqual([]);
    expect(md.render(report.stdout)).not.toContain('<img');
    const diff = await runCli(['diff', snapshot, evil]);
    expectPrintable(diff.stdout, 'diff of a hostile snapshot');
    const exp = await runCli(['export', evil, '--format', 'sql', '--out', path.join(tmp, 'evil-export')]);
    expect(exp.code).toBe(0);
    expectNoRawNames(exp.stderr, 'export provenance');
    expect(exp.stderr).toContain('database evil\\x1b]0;db\\x07\\u202e (PostgreSQL \\x1b[2J15)');
    // a finding listed twice makes the export fail: the error line names it escaped
    doc.findings.push(doc.findings[0]);
    doc.findings[0].id = doc.findings[1].id = `dup\u001b]0;x\u0007`;
    await fs.writeFile(evil, JSON.stringify(doc));
    const bad = await runCli(['export', evil, '--format', 'sql', '--out', path.join(tmp, 'evil-export-2')]);
    expect(bad.code).toBe(2);
    expectPrintable(bad.stderr, 'export error');
    expect(bad.stderr).toContain('dup\\u001b]0;x\\u0007');
  }, 120_000);
});
