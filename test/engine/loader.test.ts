import { describe, expect, it } from 'vitest';
import { loadNotebooks, NotebookError, parseNotebook } from '../../src/playbooks/loader.ts';
import { ANALYZERS } from '../../src/playbooks/analyzers/index.ts';
import { targetSchema } from '../../src/playbooks/findings.ts';

const nb = (body: string, front = 'id: demo\ntitle: Demo\norder: 1') => `---\n${front}\n---\n${body}`;
const fails = (text: string) => {
  try {
    parseNotebook('/x/demo.md', text);
  } catch (e) {
    expect(e).toBeInstanceOf(NotebookError);
    return (e as Error).message;
  }
  throw new Error('parsed without error');
};

describe('notebook parsing', () => {
  it('reads front matter, prose blocks and cells with their headers', () => {
    const parsed = parseNotebook(
      '/x/demo.md',
      nb(
        'Intro prose.\n\n```sql probe sizes\n-- title: Sizes\n-- requires: pg >= 13\nSELECT 1 AS x\n```\n\nMore.\n\n' +
          '```sql check dup\n-- title: Dups\n-- severity: warning\n-- requires: extension pg_stat_statements >= 1.9\n-- requires: privilege pg_read_all_stats | pg_monitor\nSELECT 1\n```\n' +
          '```analyzer wl\n-- title: Workload\n-- analyzer: nothing-yet\n-- uses: sizes\n-- severity: info\n```\n',
        'id: demo\ntitle: Demo things\norder: 7\nsummary: a summary   # comment',
      ),
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
    expect(parsed.cells[2]).toMatchObject({ kind: 'analyzer', analyzer: 'nothing-yet', uses: ['sizes'], sql: null });
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
    ['uses a non-probe', nb('\n```analyzer a\n-- analyzer: x\n-- uses: zzz\n-- severity: info\n```'), 'demo.md:7: cell "a" uses "zzz", which is not a probe or check cell'],
    ['malformed fence', nb('\n```sql probe a b\nSELECT 1\n```'), 'demo.md:7: a cell fence must read'],
    ['bad id', nb('', 'id: Bad Id\ntitle: t\norder: 1'), 'demo.md:2: playbook id "Bad Id"'],
    ['missing title', nb('', 'id: a\norder: 1'), 'demo.md:1: front matter needs "title"'],
  ])('%s is a clear error naming file and line', (_name, text, message) => {
    expect(fails(text)).toContain(message);
  });

  it('loads the shipped notebooks: every analyzer they name exists, ids are unique', async () => {
    const notebooks = await loadNotebooks();
    expect(notebooks.map((n) => n.id)).toContain('indexes');
    for (const n of notebooks) {
      for (const c of n.cells) if (c.analyzer) expect(ANALYZERS[c.analyzer], `${n.id}/${c.id}`).toBeDefined();
    }
    const orders = notebooks.map((n) => n.order);
    expect([...orders].sort((a, b) => a - b)).toEqual(orders);
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
