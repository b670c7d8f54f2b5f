import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.ts';
import { cell, sqlBlock } from '../../src/report/markdown.ts';
import { markdownCode, markdownText } from '../../src/util/untrusted-text.ts';
import { renderReport } from '../../src/report/render.ts';
import { carryDecisions } from '../../src/snapshot/carry.ts';
import { serializeSnapshot, SnapshotError } from '../../src/snapshot/io.ts';
import { decision, decisions, DUP_ID, sessionData, snapshotFixture, UNUSED_ID } from '../snapshot/fixtures.ts';

/** The `## ` headings of a report, in order. */
const headings = (md: string) => md.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));

/** The text between a `## ` heading containing `title` and the next `## ` heading. */
function section(md: string, title: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## ') && l.includes(title));
  expect(start, `section ${title}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** Cells of a Markdown table row, split on unescaped pipes. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Every table row in `md` has as many cells as its header. */
function expectTablesIntact(md: string): void {
  const lines = md.split('\n');
  let inFence = false;
  let width = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^`{3,}/.test(l)) inFence = !inFence;
    if (inFence || !l.startsWith('|')) {
      width = 0;
      continue;
    }
    expect(l.endsWith('|'), `line ${i + 1} ends the row: ${l}`).toBe(true);
    if (width === 0) width = cells(l).length;
    else expect(cells(l).length, `line ${i + 1}: ${l}`).toBe(width);
  }
}

describe('renderReport', () => {
  const md = renderReport(snapshotFixture());

  it('has the sections of a health-check report, in order', () => {
    expect(md.startsWith('# PostgreSQL Health Check Report: shop\n')).toBe(true);
    expect(headings(md)).toEqual([
      'Database facts',
      'Executive summary',
      '1. Indexes',
      '2. RLS & security',
      '3. Maintenance',
      '4. Workload',
      '5. Rollout plan (accepted recommendations)',
      '6. Rollback plan',
      '7. Rejected recommendations',
      '8. Pending recommendations',
      '9. Skipped checks',
      '10. Monitoring checklist',
    ]);
  });

  it('states the database facts', () => {
    const facts = section(md, 'Database facts');
    expect(facts).toContain('| Version | 15.18 (150018) |');
    expect(facts).toContain('| Extensions | pg_stat_statements 1.10, plpgsql 1.0 |');
    expect(facts).toContain('| work_mem | 4096 |');
    expect(md).toContain('**Date**: 2025-03-04 05:06 UTC');
  });

  it('summarises counts by severity and playbook, and the top findings', () => {
    const s = section(md, 'Executive summary');
    expect(s).toContain('5 findings: 2 critical, 2 warning, 1 info. Decisions: 3 accepted, 1 rejected, 1 pending.');
    expect(s).toContain('| Indexes | 1 | 1 | 1 | 3 |');
    expect(s).toContain('| Total | 2 | 2 | 1 | 5 |');
    const key = s.split('### Key findings')[1].split('\n').filter((l) => l.startsWith('- '));
    expect(key[0]).toBe(
      '- **Critical**: Foreign key order_items_order_id_fkey has no supporting index (`public.order_items.order_items_order_id_fkey`): accepted',
    );
    expect(key).toHaveLength(5);
  });

  it('shows each playbook: headline prose, probe tables, checks and findings with decisions and SQL', () => {
    const s = section(md, '1. Indexes');
    expect(s).toContain('Indexes speed reads and cost writes.');
    expect(s).toContain('#### Index sizes by table\n\n| table | indexes | size | idx_scan |\n|---|---|---|---|\n| public.orders | 4 | 6.2 MB | 18234 |');
    expect(s).toContain('| Exact duplicate indexes | ok | 1 | 13 |');
    expect(s).toContain('- **Decision**: Rejected — used by the month-end report');
    expect(s).toContain('- **Evidence**: duplicate_of `public.orders_customer_id_idx` · idx_scan `0` · size_bytes `1785856`');
    expect(s).toContain('```sql\nDROP INDEX CONCURRENTLY public.orders_customer_id_idx1;\n```');
    expect(s).toContain('```sql\nCREATE INDEX CONCURRENTLY orders_customer_id_idx1 ON public.orders USING btree (customer_id);\n```');
    // the critical finding comes first
    expect(s.indexOf('Critical: Foreign key')).toBeLessThan(s.indexOf('Warning: Duplicate index'));
    expect(section(md, '4. Workload')).toContain('*skipped*: needs extension pg_stat_statements in this database');
  });

  it('lays the accepted set out as rollout phases from the migration', () => {
    const s = section(md, 'Rollout plan');
    const p1 = s.indexOf('### Phase 1: Non-blocking index creates');
    const p2 = s.indexOf('### Phase 2: Transactional changes');
    const p3 = s.indexOf('### Phase 3: Drops after a monitoring window');
    expect(p1).toBeGreaterThan(0);
    expect(p2).toBeGreaterThan(p1);
    expect(p3).toBeGreaterThan(p2);
    expect(s.slice(p1, p2)).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON public.order_items (order_id);');
    expect(s.slice(p2, p3)).toContain('ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;');
    expect(s.slice(p3)).toContain('DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx1;');
    expect(s).not.toContain('orders_status_idx'); // rejected
    expect(s).not.toContain('dead tuples'); // pending
  });

  it('gives the rollback SQL, rejected notes, skipped checks and the monitoring queries', () => {
    const rollback = section(md, 'Rollback plan');
    expect(rollback).toMatch(/CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx1 ON public\.orders USING btree \(customer_id\);/);
    expect(rollback).toContain('ALTER TABLE public.accounts DISABLE ROW LEVEL SECURITY;');
    expect(section(md, 'Rejected')).toContain('| Index orders_status_idx was never scanned | info | public.orders.orders_status_idx | used by the month-end report |');
    expect(section(md, 'Pending')).toContain('| public.events has 38% dead tuples | warning | public.events |');
    expect(section(md, 'Skipped checks')).toContain('| workload | Top statements by total time | needs extension pg_stat_statements in this database |');
    const mon = section(md, 'Monitoring checklist');
    expect(mon).toContain("WHERE indexrelname IN ('order_items_order_id_idx')");
    expect(mon).toContain('FROM pg_stat_user_indexes');
    expect(mon).toContain('ORDER BY mean_exec_time DESC');
    expect(mon).toContain('FROM pg_stat_user_tables');
    expect(mon).toContain('n_dead_tup');
  });

  it('is deterministic', () => {
    expect(renderReport(snapshotFixture())).toBe(md);
    expect(renderReport(JSON.parse(serializeSnapshot(snapshotFixture())))).toBe(md);
  });

  it('keeps the Markdown intact around hostile identifiers', () => {
    const data = sessionData();
    const evil = 'public."we|ird\nTab`le <b>x</b>"';
    data.findings[0].target = evil;
    data.findings[0].title = 'Duplicate | index\n# not a heading `x` [link](javascript:alert(1))';
    data.findings[2].target = 'public.a|b';
    data.findings[2].title = 'pipe | in title';
    data.playbooks[0].runs[0].rows.push({ table: 'public."x|y\nz"', indexes: '1 | 2', size: '```', idx_scan: null });
    const notes = { ...decisions(), [UNUSED_ID]: decision('rejected', 'keep | it\nplease') };
    const report = renderReport(snapshotFixture({ data, decisions: notes }));
    expectTablesIntact(report);
    // a line break in a name is shown as \n (escaped again for Markdown), never a new line
    expect(report).toContain('| public."x\\|y\\\\nz" | 1 \\| 2 | \\`\\`\\` | NULL |');
    expect(report).toContain('| pipe \\| in title | info | public.a\\|b | keep \\| it\\\\nplease |');
    expect(report).toContain('#### 1.3.2 Warning: Duplicate \\| index\\\\n# not a heading \\`x\\` \\[link\\](javascript:alert(1))\n');
    expect(report).toContain('- **Target**: `` public."we|ird\\nTab`le <b>x</b>" ``');
    expect(report).not.toContain('<b>x</b>"\n');
    // no line starts a heading that the report did not make
    for (const line of report.split('\n')) if (/^#+ /.test(line)) expect(line).toMatch(/^(#|##|###|####) (PostgreSQL|\d|Database|Executive|Settings|Findings|Key|Phase|New|Statement|Dead|Nothing|Accepted|Index|Exact|Foreign|Unused|Table|Tables|Top|Exposed)/);
  });

  it('names conflicts instead of a rollout when the accepted set cannot be migrated', () => {
    const data = sessionData();
    data.findings.push({
      ...data.findings[0],
      id: 'indexes/duplicate_indexes/public.orders.orders_customer_id_idx',
      target: 'public.orders.orders_customer_id_idx',
      up: 'DROP INDEX CONCURRENTLY public.orders_customer_id_idx;',
      drops: ['public.orders_customer_id_idx'],
      keeps: ['public.orders_customer_id_idx1'],
    });
    const both = { ...decisions(), 'indexes/duplicate_indexes/public.orders.orders_customer_id_idx': decision('accepted') };
    const report = renderReport(snapshotFixture({ data, decisions: both }));
    expect(section(report, 'Rollout plan')).toContain('No migration can be built from the accepted set: conflicting accepted findings:');
    expect(section(report, 'Rollback plan')).toContain('No rollback: the migration could not be built');
  });

  it('says so when nothing is accepted, and shows decisions carried from a baseline', () => {
    const base = snapshotFixture();
    const current = carryDecisions(base, snapshotFixture({ decisions: {} }), 'snapshots/base.snapshot.json');
    const report = renderReport(current);
    expect(section(report, 'Rollout plan')).toContain('No accepted recommendation changes the database.');
    expect(section(report, 'Rollback plan')).toContain('Nothing to roll back');
    expect(report).toContain('> Earlier decisions carried from `snapshots/base.snapshot.json`');
    expect(report).toContain('- **Decided before** (snapshots/base.snapshot.json): Rejected — used by the month-end report');
    expect(section(report, 'Monitoring checklist')).toContain('No accepted finding creates an index');
    expect(section(report, 'Executive summary')).toContain('Decisions: 0 accepted, 0 rejected, 5 pending.');
  });

  it('caps the rows of a probe table and says how many there were', () => {
    const data = sessionData();
    const run = data.playbooks[0].runs[0];
    run.rows = Array.from({ length: 300 }, (_, i) => ({ table: `public.t${i}`, indexes: 1, size: '8 kB', idx_scan: i }));
    run.rowCount = 300;
    const report = renderReport(snapshotFixture({ data }));
    expect(report).toContain('| public.t24 | 1 | 8 kB | 24 |');
    expect(report).not.toContain('| public.t25 |');
    expect(report).toContain('Showing 25 of 300 rows (the snapshot keeps 200).');
  });

  it('marks a demo snapshot and an older server without mean_exec_time', () => {
    const data = sessionData();
    data.server.versionNum = 120017;
    data.server.version = '12.17';
    const s = snapshotFixture({ data });
    s.demo = true;
    const report = renderReport(s);
    expect(report).toContain('> This report was made from the embedded demo database');
    expect(report).toContain('ORDER BY mean_time DESC');
  });
});

describe('Markdown helpers', () => {
  it('escape table cells, inline text and code', () => {
    expect(cell('a|b\nc')).toBe('a\\|b\\\\nc');
    expect(cell('back\\slash|')).toBe('back\\\\slash\\|');
    expect(cell(null)).toBe('NULL');
    expect(cell({ a: [1, 2] })).toBe('{"a":\\[1,2\\]}');
    expect(cell('')).toBe(' ');
    expect(markdownText('1. not a list')).toBe('1\\. not a list');
    expect(markdownText('_under_ snake_case')).toBe('\\_under\\_ snake_case');
    expect(markdownCode('a`b')).toBe('`` a`b ``');
    expect(sqlBlock('SELECT 1;\n```\nDROP TABLE x;')).toBe('````sql\nSELECT 1;\n```\nDROP TABLE x;\n````');
  });
});

describe('reportCommand', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-report-'));
    file = path.join(dir, 's.snapshot.json');
    await fs.writeFile(file, serializeSnapshot(snapshotFixture()));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints the report to stdout', async () => {
    let text = '';
    expect(await reportCommand({ file }, { write: (s: string) => (text += s) })).toBe(0);
    expect(text).toBe(renderReport(snapshotFixture()));
  });

  it('writes the report to a file, creating its folder', async () => {
    const out = path.join(dir, 'reports', 'shop.md');
    let text = '';
    expect(await reportCommand({ file, out }, { write: (s: string) => (text += s) })).toBe(0);
    expect(text).toBe('');
    expect(await fs.readFile(out, 'utf8')).toBe(renderReport(snapshotFixture()));
    expect((await fs.readdir(path.join(dir, 'reports'))).sort()).toEqual(['shop.md']);
  });

  it('fails in one line on a bad snapshot', async () => {
    const bad = path.join(dir, 'bad.json');
    await fs.writeFile(bad, '{"format":"pgadvisor.snapshot/v2"}');
    await expect(reportCommand({ file: bad })).rejects.toThrow(SnapshotError);
    await expect(reportCommand({ file: bad })).rejects.toThrow(/written by a newer pgadvisor/);
  });

  it('the decision on the duplicate index shows in the written report', async () => {
    const out = path.join(dir, 'dup.md');
    await reportCommand({ file, out });
    expect(await fs.readFile(out, 'utf8')).toContain(`\`${DUP_ID}\``);
  });
});
