import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.ts';
import { cell, table } from '../../src/report/markdown.ts';
import { renderHtmlReport, renderReport } from '../../src/report/render.ts';
import { carryDecisions } from '../../src/snapshot/carry.ts';
import { diffSnapshots } from '../../src/snapshot/diff.ts';
import { serializeSnapshot, SnapshotError } from '../../src/snapshot/io.ts';
import { decision, decisions, DUP_ID, RLS_ID, sessionData, snapshotFixture, UNUSED_ID } from '../snapshot/fixtures.ts';

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
    expect(md.startsWith('# PostgreSQL health check: shop\n')).toBe(true);
    expect(headings(md)).toEqual([
      'Executive summary',
      'Database facts',
      '1. Indexes',
      '2. RLS & security',
      '3. Maintenance',
      '4. Workload',
      '5. Impact projection (accepted changes)',
      '6. Risk matrix (accepted changes)',
      '7. Rollout plan',
      '8. Rollback plan',
      '9. Rejected recommendations',
      '10. Pending recommendations',
      '11. Skipped checks',
      '12. Monitoring checklist',
    ]);
  });

  it('states the database facts, settings with their units', () => {
    const data = sessionData();
    data.server.settings = { shared_buffers: '16384 [8kB]', work_mem: '4096 [kB]', statement_timeout: '0 [ms]', log_min_duration_statement: '-1 [ms]', max_connections: '100' };
    const facts = section(renderReport(snapshotFixture({ data })), 'Database facts');
    expect(facts).toContain('| Version | 15.18 (150018) |');
    expect(facts).toContain('| Extensions | pg_stat_statements 1.10, plpgsql 1.0 |');
    expect(facts).toContain('| `shared_buffers` | 128 MB |');
    expect(facts).toContain('| `work_mem` | 4 MB |');
    expect(facts).toContain('| `statement_timeout` | 0 (disabled) |');
    expect(facts).toContain('| `log_min_duration_statement` | -1 (disabled) |');
    expect(facts).toContain('| `max_connections` | 100 |');
    expect(md).toContain('- **Date**: 2025-03-04 05:06 UTC');
  });

  it('gives each section a verdict, with what is already good', () => {
    const s = section(md, 'Executive summary');
    expect(s).toContain('5 findings (2 critical, 2 warning, 1 info) in 4 patterns and single findings. Decisions: 3 accepted, 1 rejected, 1 pending.');
    expect(s).toContain('| 1. Indexes | 🔴 Critical | 1 critical finding in 1 issue, and 1 warning; 1 finding rejected | 1 | 1 | 0 |');
    expect(s).toContain('| 2. RLS & security | 🔴 Critical | 1 critical finding in 1 issue | 1 | 0 | 0 |');
    expect(s).toContain('| 3. Maintenance | 🟠 Needs attention | 1 warning in 1 issue | 0 | 1 | 0 |');
    expect(s).toContain('| 4. Workload | ⚪ Not assessed | this section has no checks | 0 | 0 | 0 |');
    expect(section(md, '1. Indexes')).toContain('**Verdict**: 🔴 Critical — 1 critical finding in 1 issue, and 1 warning; 1 finding rejected.');
  });

  it('ranks the key findings by severity then what is at stake, leaving out rejected ones', () => {
    const s = section(md, 'Executive summary');
    const key = s.split('### Key findings, ranked by impact')[1].split('\n').filter((l) => /^\d+\. /.test(l));
    // nothing at stake in the evidence: severity, then the target decides
    expect(key).toEqual([
      '1. 🔴 Critical **Row level security is off on public.accounts** (`public.accounts`), section 2; accepted.',
      '2. 🔴 Critical **Foreign key order_items_order_id_fkey has no supporting index** (`public.order_items.order_items_order_id_fkey`), section 1; accepted.',
      '3. 🟠 Warning **public.events has 38% dead tuples** (`public.events`), section 3; pending.',
      '4. 🟠 Warning **Duplicate index orders_customer_id_idx1 (same as orders_customer_id_idx)** (`public.orders.orders_customer_id_idx1`), section 1; accepted.',
    ]);
    expect(s).not.toContain('orders_status_idx was never scanned');
  });

  it('shows each playbook: headline prose, findings with decisions and SQL, what came back clean, probe tables and checks', () => {
    const s = section(md, '1. Indexes');
    expect(s).toContain('Indexes speed reads and cost writes.');
    expect(s).toContain('#### Index sizes by table\n\n| table | indexes | size | idx_scan |\n|---|---|---|---|\n| public.orders | 4 | 6.2 MB | 18234 |');
    expect(s).toContain('| Exact duplicate indexes | ok | 1 | 13 |');
    expect(s).toContain('- **Decision**: Rejected — used by the month-end report');
    expect(s).toContain('- **Evidence**: duplicate_of `public.orders_customer_id_idx` · idx_scan `0` · size_bytes `1785856`');
    expect(s).toContain('```sql\nDROP INDEX CONCURRENTLY public.orders_customer_id_idx1;\n```');
    expect(s).toContain('```sql\nCREATE INDEX CONCURRENTLY orders_customer_id_idx1 ON public.orders USING btree (customer_id);\n```');
    expect(s).toContain('- **Lock**: SHARE UPDATE EXCLUSIVE, held for an index build on public.order_items (reads and writes go on); read from the SQL');
    // the critical finding comes first
    expect(s.indexOf('Critical: Foreign key')).toBeLessThan(s.indexOf('Warning: Duplicate index'));
    expect(section(md, '4. Workload')).toContain('*skipped*: needs extension pg_stat_statements in this database');
    expect(section(md, '3. Maintenance')).not.toContain('### 3.2 Already good');
  });

  it('lays the accepted set out as rollout phases, each with when, verification and rollback', () => {
    const s = section(md, 'Rollout plan');
    const p1 = s.indexOf('### Phase 1: Non-blocking index creates');
    const p2 = s.indexOf('### Phase 2: Transactional changes');
    const p3 = s.indexOf('### Phase 3: Drops after a monitoring window');
    expect(p1).toBeGreaterThan(0);
    expect(p2).toBeGreaterThan(p1);
    expect(p3).toBeGreaterThan(p2);
    const phase1 = s.slice(p1, p2);
    expect(phase1).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON public.order_items (order_id);');
    expect(phase1).toContain('- **When to run it**: Any time, preferably outside the busiest hours');
    expect(phase1).toContain("WHERE indexrelname IN ('order_items_order_id_idx')");
    expect(phase1).toContain('**Rollback of phase 1**\n\n```sql\nDROP INDEX CONCURRENTLY IF EXISTS public.order_items_order_id_idx;\n```');
    expect(s.slice(p2, p3)).toContain('ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;');
    expect(s.slice(p2, p3)).toContain('ALTER TABLE public.accounts DISABLE ROW LEVEL SECURITY;');
    expect(s.slice(p3)).toContain('DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx1;');
    expect(s.slice(p3)).toContain("WHERE indexrelname IN ('orders_customer_id_idx1')");
    expect(s).not.toContain('orders_status_idx'); // rejected
    expect(s).not.toContain('dead tuples'); // pending
  });

  it('projects the impact and lists the risk of every accepted statement', () => {
    const impact = section(md, 'Impact projection');
    // this snapshot has no index overview and its drop states no size: the report says so rather than guess
    expect(impact).toContain('The index overview did not run, so the totals before and after are unknown');
    expect(impact).toContain('- Added: 1 index, 6.4 MB (1 estimated from the row count (24 bytes an entry: an 8-byte key))');
    expect(impact).toContain('- Freed: 1 index, size unknown (1 unknown: the snapshot has no size or row count for the table)');
    expect(impact).toContain('| `public.orders` | ? | -1 | ? | ? | ? | ? |');
    const risk = section(md, 'Risk matrix');
    // the three fixes, and the comment the migration puts on the index it creates (its own row, a brief lock on that index)
    expect(risk).toContain('4 statements in 4 groups');
    expect(risk).toMatch(/\| \d+ \| change \| `COMMENT ON INDEX public\.order_items_order_id_idx IS 'pgadvisor: created for [^`]*` \| SHARE UPDATE EXCLUSIVE \(parsed\) \| brief \|/);
    expect(risk).toMatch(/\| Row level security is off|\| Exposed tables without RLS \| change \| 1 \| ACCESS EXCLUSIVE \(blocks reads and writes\) \| brief \|/);
    for (const sql of ['CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx', 'ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY', 'DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx1']) {
      expect(risk).toContain(sql);
    }
    expect(risk).toContain('100 MB/s read and 50 MB/s write');
  });

  it('gives the rollback order, rejected notes, skipped checks and the monitoring queries', () => {
    const rollback = section(md, 'Rollback plan');
    expect(rollback).toContain('`20250304-050607-shop.rollback.sql`');
    expect(section(md, 'Rejected')).toContain('| Index orders_status_idx was never scanned | info | `public.orders.orders_status_idx` | used by the month-end report |');
    expect(section(md, 'Pending')).toContain('| public.events has 38% dead tuples | warning | `public.events` |');
    expect(section(md, 'Skipped checks')).toContain('| workload | Top statements by total time | needs extension pg_stat_statements in this database |');
    const mon = section(md, 'Monitoring checklist');
    expect(mon).toContain("WHERE indexrelname IN ('order_items_order_id_idx')");
    expect(mon).toContain('ORDER BY mean_exec_time DESC');
    expect(mon).toContain('FROM pg_stat_user_tables');
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
    expect(report).toContain('| pipe \\| in title | info | `public.a\\|b` | keep \\| it\\\\nplease |');
    expect(report).toContain('🟠 Warning: Duplicate \\| index\\\\n# not a heading \\`x\\` \\[link\\](javascript:alert(1))\n');
    expect(report).toContain('- **Target**: `` public."we|ird\\nTab`le <b>x</b>" ``');
    expect(report).not.toContain('<b>x</b>"\n');
    // no line starts a heading that the report did not make
    for (const line of report.split('\n')) if (/^#+ /.test(line)) expect(line).toMatch(/^#{1,5} (PostgreSQL|\d|Database|Executive|Verdict|Key|Already|Settings|Phase|Indexes|Write|Statements|New|Statement|Dead|Nothing|Accepted|Index|Table|Top)/);
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
    expect(section(report, 'Impact projection')).toContain('No projection: the migration could not be built');
    expect(section(report, 'Risk matrix')).toContain('No risk matrix: the migration could not be built');
  });

  it('says so when nothing is accepted, and shows decisions carried from a baseline', () => {
    const base = snapshotFixture();
    const current = carryDecisions(base, snapshotFixture({ decisions: {} }), 'snapshots/base.snapshot.json');
    const report = renderReport(current);
    expect(section(report, 'Rollout plan')).toContain('No accepted recommendation changes the database.');
    expect(section(report, 'Rollback plan')).toContain('Nothing to roll back');
    expect(section(report, 'Risk matrix')).toContain('No accepted statement changes the database.');
    expect(report).toContain('> Compared with the earlier snapshot `snapshots/base.snapshot.json`');
    expect(report).toContain('- **Decided before (snapshots/base.snapshot.json)**: Rejected — used by the month-end report');
    expect(section(report, 'Monitoring checklist')).toContain('No accepted finding creates an index');
    expect(section(report, 'Executive summary')).toContain('Decisions: 0 accepted, 0 rejected, 5 pending.');
  });

  it('says what was fixed and what is new since the baseline, as diff does', () => {
    const base = snapshotFixture();
    const data = sessionData();
    data.findings = data.findings.filter((f) => f.id !== DUP_ID);
    data.findings.push({ ...data.findings[0], id: 'indexes/fk_without_index/public.refunds.refunds_order_id_fkey', target: 'public.refunds.refunds_order_id_fkey', title: 'Foreign key refunds_order_id_fkey has no supporting index' });
    data.findings.find((f) => f.id === RLS_ID)!.severity = 'warning';
    data.server.settings = { ...data.server.settings, work_mem: '8192' };
    const current = carryDecisions(base, snapshotFixture({ data, decisions: {} }), 'snapshots/base.snapshot.json');
    const s = section(renderReport(current), 'Executive summary').split('### Changes since the baseline')[1];
    expect(s).toContain('1 fixed, 1 new, 1 changed, 3 unchanged.');
    expect(s).toContain('**Fixed since the baseline (1)**');
    expect(s).toContain('| 🟠 Warning | Exact duplicate indexes | `public.orders.orders_customer_id_idx1` |');
    expect(s).toContain('**New since the baseline (1)**');
    expect(s).toContain('`public.refunds.refunds_order_id_fkey`');
    expect(s).toContain('| `public.accounts` | severity | critical | warning |');
    expect(s).toContain('- setting work_mem: 4096 → 8192');
    // the same numbers as `pgadvisor diff`
    const d = diffSnapshots(base, current);
    expect([d.fixed.length, d.new.length, d.changed.length]).toEqual([1, 1, 1]);
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

  it('writes the HTML page with --format html, and refuses an unknown format in one line', async () => {
    const out = path.join(dir, 'reports', 'shop.html');
    expect(await reportCommand({ file, out, format: 'html' })).toBe(0);
    const page = await fs.readFile(out, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toBe(await renderHtmlReport(snapshotFixture()));
    await expect(reportCommand({ file, format: 'pdf' })).rejects.toThrow('--format must be one of markdown, html (got "pdf")');
  });

  it('the decision on the duplicate index shows in the written report', async () => {
    const out = path.join(dir, 'dup.md');
    await reportCommand({ file, out });
    expect(await fs.readFile(out, 'utf8')).toContain(`\`${DUP_ID}\``);
  });
});

describe('Markdown table helpers (check --format markdown)', () => {
  it('escape table cells so a value cannot break its row', () => {
    expect(cell('a|b\nc')).toBe('a\\|b\\\\nc');
    expect(cell('back\\slash|')).toBe('back\\\\slash\\|');
    expect(cell(null)).toBe('NULL');
    expect(cell({ a: [1, 2] })).toBe('{"a":\\[1,2\\]}');
    expect(cell('')).toBe(' ');
    expect(table(['x|y'], [['1'], ['a\nb']])).toBe('| x\\|y |\n|---|\n| 1 |\n| a\\\\nb |');
  });
});
