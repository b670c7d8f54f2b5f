import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNotebooks, NotebookError, parseNotebook, readsStatementStats, type AnalyzerDeclarations } from '../../src/playbooks/loader.ts';
import { ANALYZERS } from '../../src/playbooks/analyzers/index.ts';
import { targetSchema } from '../../src/playbooks/findings.ts';
import { ANALYZER_INPUTS, declaredUses } from '../../src/playbooks/inputs.ts';
import { OWN_STATEMENT_FILTER } from '../../src/workload/own.ts';

const nb = (body: string, front = 'id: demo\ntitle: Demo\norder: 1') => `---\n${front}\n---\n${body}`;
// analyzers these notebooks may name, with what each reads
const DECLARED: AnalyzerDeclarations = {
  sizer: { probes: { sizes: ['x'] }, workload: false, findings: true },
  reader: { probes: {}, workload: true, findings: true },
  shower: { probes: {}, workload: true, findings: false },
};
const fails = (text: string) => {
  try {
    parseNotebook('/x/demo.md', text, DECLARED);
  } catch (e) {
    expect(e).toBeInstanceOf(NotebookError);
    return (e as Error).message;
  }
  throw new Error('parsed without error');
};
const PGSS = `SELECT query FROM pg_stat_statements WHERE query ${OWN_STATEMENT_FILTER}`;
const FEED = `\n\`\`\`sql probe feed\n-- feeds: workload\n-- requires: extension pg_stat_statements\n${PGSS}\n\`\`\`\n`;

describe('notebook parsing', () => {
  it('reads front matter, prose blocks and cells with their headers', () => {
    const parsed = parseNotebook(
      '/x/demo.md',
      nb(
        'Intro prose.\n\n```sql probe sizes\n-- title: Sizes\n-- requires: pg >= 13\nSELECT 1 AS x\n```\n\nMore.\n\n' +
          '```sql check dup\n-- title: Dups\n-- severity: warning\n-- requires: extension pg_stat_statements >= 1.9\n-- requires: privilege pg_read_all_stats | pg_monitor\nSELECT 1\n```\n' +
          '```analyzer wl\n-- title: Workload\n-- analyzer: sizer\n-- uses: sizes\n-- severity: info\n```\n',
        'id: demo\ntitle: Demo things\norder: 7\nsummary: a summary   # comment',
      ),
      DECLARED,
    );
    expect(parsed).toMatchObject({ id: 'demo', title: 'Demo things', order: 7, summary: 'a summary' });
    expect(parsed.blocks).toEqual([
      { type: 'prose', text: 'Intro prose.' },
      { type: 'cell', cellId: 'sizes' },
      { type: 'prose', text: 'More.' },
      { type: 'cell', cellId: 'dup' },
      { type: 'cell', cellId: 'wl' },
    ]);
    expect(parsed.cells[0]).toMatchObject({ id: 'sizes', kind: 'probe', title: 'Sizes', sql: 'SELECT 1 AS x', requires: { minVersion: 130000 }, line: 9 });
    expect(parsed.cells[1]).toMatchObject({
      kind: 'check',
      severity: 'warning',
      requires: { extensions: ['pg_stat_statements'], extensionVersions: { pg_stat_statements: '1.9' }, privileges: ['pg_read_all_stats', 'pg_monitor'] },
    });
    expect(parsed.cells[2]).toMatchObject({ kind: 'analyzer', analyzer: 'sizer', uses: ['sizes'], sql: null });
  });

  it('reads the workload declarations: a feeding probe, analyzers that use the workload, the workload requirement', () => {
    const parsed = parseNotebook(
      '/x/demo.md',
      nb(`${FEED}\n\`\`\`analyzer r\n-- analyzer: reader\n-- uses: workload\n-- requires: workload\n-- severity: info\n\`\`\`\n\`\`\`analyzer s\n-- analyzer: shower\n-- uses: workload\n\`\`\`\n`),
      DECLARED,
    );
    expect(parsed.cells.map((c) => [c.id, c.feeds, c.uses, c.requires, c.severity])).toEqual([
      ['feed', 'workload', [], { extensions: ['pg_stat_statements'] }, null],
      ['r', null, ['workload'], { workload: true }, 'info'],
      ['s', null, ['workload'], {}, null],
    ]);
  });

  it.each([
    ['no front matter', 'hello', 'demo.md:1: a notebook starts with a --- front-matter block'],
    ['unclosed cell', nb('\n```sql probe a\nSELECT 1\n'), 'demo.md:7: cell is not closed with ```'],
    ['check without severity', nb('\n```sql check a\nSELECT 1\n```'), 'demo.md:7: cell "a" needs "-- severity: info|warning|critical"'],
    ['bad severity', nb('\n```sql check a\n-- severity: high\nSELECT 1\n```'), 'demo.md:8: severity "high" is not one of info, warning, critical'],
    ['unknown header', nb('\n```sql probe a\n-- colour: red\nSELECT 1\n```'), 'demo.md:8: unknown cell header "colour"'],
    ['bad requirement', nb('\n```sql probe a\n-- requires: pg > 13\nSELECT 1\n```'), 'demo.md:8: cannot read requirement "pg > 13"'],
    ['unknown privilege', nb('\n```sql probe a\n-- requires: privilege root\nSELECT 1\n```'), 'demo.md:8: unknown privilege "root"'],
    ['duplicate cell', nb('\n```sql probe a\nSELECT 1\n```\n```sql probe a\nSELECT 2\n```'), 'demo.md:10: duplicate cell id "a"'],
    ['session change', nb('\n```sql probe a\nSET default_transaction_read_only = off\n```'), 'demo.md:8: cell "a" would change session state'],
    ['empty sql', nb('\n```sql probe a\n-- title: x\n```'), 'demo.md:7: cell "a" has no SQL'],
    ['fence without kind', nb('\n```sql a\nSELECT 1\n```'), 'demo.md:7: an sql cell must say "probe" or "check"'],
    ['uses a non-probe', nb('\n```analyzer a\n-- analyzer: sizer\n-- uses: sizes, zzz\n-- severity: info\n```\n```sql probe sizes\nSELECT 1 AS x\n```'), 'demo.md:7: cell "a": "-- uses:" names zzz, which it does not read (analyzer "sizer" reads: sizes)'],
    ['uses less than the analyzer reads', nb('\n```analyzer a\n-- analyzer: sizer\n-- severity: info\n```'), 'demo.md:7: cell "a": "-- uses:" lacks sizes (analyzer "sizer" reads: sizes)'],
    ['uses a probe the notebook lacks', nb('\n```analyzer a\n-- analyzer: sizer\n-- uses: sizes\n-- severity: info\n```'), 'demo.md:7: cell "a" uses "sizes", which is not a probe or check cell'],
    ['does not declare the workload it reads', nb('\n```analyzer a\n-- analyzer: reader\n-- severity: info\n```'), 'demo.md:7: cell "a": "-- uses:" lacks workload (analyzer "reader" reads: workload)'],
    ['declares a workload it does not read', nb('\n```analyzer a\n-- analyzer: sizer\n-- uses: sizes, workload\n-- severity: info\n```\n```sql probe sizes\nSELECT 1 AS x\n```'), 'demo.md:7: cell "a": "-- uses:" names workload, which it does not read'],
    ['unknown analyzer', nb('\n```analyzer a\n-- analyzer: nothing\n-- severity: info\n```'), 'demo.md:7: cell "a" names analyzer "nothing", which does not exist (reader, shower, sizer)'],
    ['analyzer with findings, no severity', nb('\n```analyzer a\n-- analyzer: reader\n-- uses: workload\n```'), 'demo.md:7: cell "a" needs "-- severity: info|warning|critical"'],
    ['evidence-only analyzer with a severity', nb('\n```analyzer a\n-- analyzer: shower\n-- uses: workload\n-- severity: info\n```'), 'demo.md:7: cell "a" cannot have a severity: analyzer "shower" only shows evidence'],
    ['reserved id', nb('\n```sql probe workload\nSELECT 1\n```'), 'demo.md:7: cell id "workload" is reserved'],
    ['feeds something else', nb('\n```sql probe a\n-- feeds: plans\nSELECT 1\n```'), 'demo.md:8: "feeds" takes "workload" (got "plans")'],
    ['a check that feeds', nb('\n```sql check a\n-- feeds: workload\n-- severity: info\nSELECT 1\n```'), 'demo.md:8: only a probe cell feeds the workload'],
    ['a feed without pg_stat_statements', nb('\n```sql probe a\n-- feeds: workload\nSELECT 1\n```'), 'demo.md:7: cell "a" feeds the workload, so it reads pg_stat_statements'],
    ['an SQL-language catalog function', nb("\n```sql probe a\nSELECT obj_description(c.oid, 'pg_class') FROM pg_class c\n```"), 'demo.md:7: cell "a" calls obj_description, an SQL function whose inner query PostgreSQL 13 records'],
    ['pg_stat_statements without the own-statement filter', nb('\n```sql probe a\nSELECT query FROM public.pg_stat_statements\n```'), `demo.md:7: cell "a" reads pg_stat_statements: leave out pgadvisor's own statements with "query ${OWN_STATEMENT_FILTER}"`],
    ['malformed fence', nb('\n```sql probe a b\nSELECT 1\n```'), 'demo.md:7: a cell fence must read'],
    ['bad id', nb('', 'id: Bad Id\ntitle: t\norder: 1'), 'demo.md:2: playbook id "Bad Id"'],
    ['missing title', nb('', 'id: a\norder: 1'), 'demo.md:1: front matter needs "title"'],
  ])('%s is a clear error naming file and line', (_name, text, message) => {
    expect(fails(text)).toContain(message);
  });

  it('loads the shipped notebooks: every analyzer they name exists and is declared, ids are unique', async () => {
    const notebooks = await loadNotebooks();
    expect(notebooks.map((n) => n.id)).toContain('indexes');
    for (const n of notebooks) {
      for (const c of n.cells) {
        if (!c.analyzer) continue;
        expect(ANALYZERS[c.analyzer], `${n.id}/${c.id}`).toBeDefined();
        expect([...c.uses].sort(), `${n.id}/${c.id}`).toEqual(declaredUses(ANALYZER_INPUTS[c.analyzer]).sort());
      }
    }
    expect(Object.keys(ANALYZERS).sort()).toEqual(Object.keys(ANALYZER_INPUTS).sort());
    const orders = notebooks.map((n) => n.order);
    expect([...orders].sort((a, b) => a - b)).toEqual(orders);
  });

  it("every shipped cell that reads pg_stat_statements leaves out pgadvisor's own statements, and one probe feeds the workload", async () => {
    const notebooks = await loadNotebooks();
    const readers = notebooks.flatMap((n) => n.cells.filter((c) => c.sql && readsStatementStats(c.sql)).map((c) => `${n.id}/${c.id}`));
    expect(readers.length).toBeGreaterThanOrEqual(8);
    for (const n of notebooks) {
      for (const c of n.cells) if (c.sql && readsStatementStats(c.sql)) expect(c.sql.replace(/\s+/g, ' '), `${n.id}/${c.id}`).toContain(OWN_STATEMENT_FILTER);
    }
    expect(notebooks.flatMap((n) => n.cells.filter((c) => c.feeds).map((c) => `${n.id}/${c.id}`))).toEqual(['workload/statements']);
  });

  it.each([
    ['SELECT * FROM pg_stat_statements', true],
    ['SELECT * FROM public.pg_stat_statements(true)', true],
    ['SELECT * FROM "pg_stat_statements" s', true],
    ['SELECT dealloc FROM pg_stat_statements_info', false],
    ["SELECT current_setting('pg_stat_statements.max', true)", false],
    ["SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements' -- pg_stat_statements in a comment", false],
  ])('reads pg_stat_statements: %s → %s', (sql, reads) => {
    expect(readsStatementStats(sql)).toBe(reads);
  });
});

describe('the workload feed across notebooks', () => {
  const dirWith = async (files: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), 'pgadv-nb-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  };
  const reader = nb('\n```analyzer r\n-- analyzer: reader\n-- uses: workload\n-- severity: info\n```\n', 'id: b\ntitle: B\norder: 2');

  it('a notebook reads the workload another feeds', async () => {
    const dir = await dirWith({ 'a.md': nb(FEED, 'id: a\ntitle: A\norder: 1'), 'b.md': reader });
    expect((await loadNotebooks(dir, DECLARED)).map((n) => n.id)).toEqual(['a', 'b']);
  });

  it('an analyzer that reads the workload with no feeding probe is an error on its line', async () => {
    const dir = await dirWith({ 'b.md': reader });
    await expect(loadNotebooks(dir, DECLARED)).rejects.toThrow('b.md:7: cell "r" reads the workload, but no probe has "-- feeds: workload"');
  });

  it('two feeding probes are an error', async () => {
    const dir = await dirWith({ 'a.md': nb(FEED, 'id: a\ntitle: A\norder: 1'), 'c.md': nb(FEED, 'id: c\ntitle: C\norder: 3') });
    await expect(loadNotebooks(dir, DECLARED)).rejects.toThrow('c.md:7: cell "feed" feeds the workload, and so does a.md:7; one probe feeds it');
  });
});

describe('targetSchema', () => {
  it.each([
    ['public.users.users_email_idx', 'public'],
    ['"Sales ""EU"""."Order Items"."idx b"', 'Sales "EU"'],
    ['auth.users', 'auth'],
    ['setting ssl', null],
    ['mydb', null],
  ])('%s → %s', (target, schema) => {
    expect(targetSchema(target)).toBe(schema);
  });
});
