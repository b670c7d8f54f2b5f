import { describe, expect, it } from 'vitest';
import { outline } from '../../src/review/state.ts';
import { lineText, sqlLines, wrapSegs } from '../../src/tui/lines.ts';
import { loadSqlScanner, wrapSql } from '../../src/tui/sql-wrap.ts';
import { markdownLines } from '../../src/tui/markdown.ts';
import { layoutDetail, layoutSection, resolveLine } from '../../src/tui/notebook.ts';
import { tableLines } from '../../src/tui/table.ts';
import { cellText, displayWidth, printable, truncate, wrap } from '../../src/tui/text.ts';
import { scrollTop } from '../../src/tui/viewport.ts';
import { fixtureData, HOSTILE, UNUSED_COUNT } from './fixture.ts';

describe('text', () => {
  it('makes control characters visible so catalog names cannot draw on the terminal', () => {
    expect(printable('multi\nline')).toBe('multi\\nline');
    expect(printable('\u001b[31mred')).toBe('\\x1b[31mred');
    expect(printable('tab\there')).toBe('tab\\there');
    expect(printable('Ünïcødé 表 😀')).toBe('Ünïcødé 表 😀');
    expect(cellText(null)).toBe('∅');
    expect(cellText({ a: 'x\ny' })).toBe('{"a":"x\\ny"}');
  });

  it('measures wide and combining characters', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('表')).toBe(2);
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('truncates with … to the width, wide characters included', () => {
    expect(truncate('orders_created_at_idx', 10)).toBe('orders_cr…');
    expect(displayWidth(truncate('表表表表表', 6))).toBeLessThanOrEqual(6);
    expect(truncate('short', 10)).toBe('short');
  });

  it('wraps words and cuts words longer than a line', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
  });
});

describe('markdown', () => {
  it('renders headings bold, inline code dim, bullets, and wraps paragraphs', () => {
    const lines = markdownLines('# Indexes\n\nIndexes **cost writes**; see `pg_stat_user_indexes` for scans.\n\n- first point\n- second', 30);
    const text = lines.map(lineText);
    expect(text[0]).toBe('Indexes');
    expect(lines[0].segs.find((x) => x.text === 'Indexes')).toMatchObject({ bold: true });
    expect(text).toContain('• first point');
    expect(text).toContain('• second');
    const code = lines.flatMap((l) => l.segs).find((s) => s.text === 'pg_stat_user_indexes');
    expect(code?.dim).toBe(true);
    expect(lines.flatMap((l) => l.segs).find((s) => s.text === 'writes')?.bold).toBe(true);
    for (const l of lines) expect(displayWidth(lineText(l))).toBeLessThanOrEqual(30);
  });
});

describe('table', () => {
  const rows = fixtureData().playbooks[0].runs[0].rows;
  const columns = ['schema', 'table', 'index', 'size_bytes'];

  it('sizes columns from content, bolds the header, right-aligns numbers', () => {
    const lines = tableLines(columns, rows, { width: 100 });
    const text = lines.map(lineText);
    expect(text[0]).toBe('schema  table               index                  size_bytes');
    expect(lines[0].segs.find((s) => s.text.includes('schema'))?.bold).toBe(true);
    expect(text).toContain('public  Weird "Name" Table  Ünïcødé idx                 16384');
    expect(text).toContain('public  multi\\nline         idx                          8192');
  });

  it('fits a narrow width: cuts long values with …, drops the columns that do not fit and counts them', () => {
    const narrow = tableLines(columns, rows, { width: 40 }).map(lineText);
    for (const l of narrow) expect(displayWidth(l)).toBeLessThanOrEqual(40);
    expect(narrow[0]).toMatch(/^schema +table +\+2 cols$/);
    expect(narrow).toContain('public  Weird "Name" Table');
    const cut = tableLines(['definition'], [{ definition: 'CREATE INDEX orders_created_at_idx ON public.orders (created_at)' }], { width: 20 }).map(lineText);
    expect(cut[2]).toBe('CREATE INDEX orders…');
    // text columns keep room before numbers give up theirs
    const mixed = tableLines(['table', 'a_long_numeric_header', 'another_numeric_one'], [{ table: 'public.payment_p2022_01', a_long_numeric_header: 1, another_numeric_one: 22 }], { width: 48 }).map(lineText);
    expect(mixed[0]).toMatch(/^table +a_long_\w*… +another\w*…$/);
    expect(mixed[2]).toMatch(/^public\.payment_p2022_01 +1 +22$/);
    for (const l of mixed) expect(displayWidth(l)).toBeLessThanOrEqual(48);
  });

  it('drops trailing columns rather than cutting every value to a stub, and counts them', () => {
    const wide = ['table', 'indexes', 'index_size', 'table_size', 'index_bytes', 'writes_since_reset', 'seq_scans'];
    const row = { table: 'public.ledger_entries', indexes: 5, index_size: '2216 kB', table_size: '1528 kB', index_bytes: 2269184, writes_since_reset: 30, seq_scans: 12 };
    const text = tableLines(wide, [row], { width: 54 }).map(lineText);
    expect(text[2]).toMatch(/^public\.ledger_entries +5 +2216 kB/);
    expect(text[0]).toMatch(/\+\d cols$/);
    for (const l of text) expect(displayWidth(l)).toBeLessThanOrEqual(54);
    // opened, the same table shows every column, one row as a record
    const expanded = tableLines(wide, [row], { width: 54, expand: true }).map(lineText);
    expect(expanded[0]).toMatch(/^── row 1 ─+$/);
    expect(expanded).toContain('writes_since_reset  30');
    expect(expanded).toContain('table               public.ledger_entries');
  });

  it('counts the rows it does not show', () => {
    const text = tableLines(columns, rows, { width: 100, maxRows: 3 }).map(lineText);
    expect(text.at(-1)).toBe('… 4 more rows');
    expect(tableLines(['a'], [], { width: 40 }).map(lineText).at(-1)).toBe('(no rows)');
  });
});

describe('notebook layout', () => {
  const data = fixtureData();
  const section = outline(data)[0];
  const layout = layoutSection({ section, items: section.items, filtered: false, risk: null, playbook: data.playbooks[0], notes: {}, baseline: {}, showSql: false, width: 70 });

  it('puts prose before the cell it introduces and marks each item’s lines', () => {
    const text = layout.lines.map(lineText);
    const heading = text.indexOf('Indexes');
    const firstCell = layout.itemStart[0];
    expect(heading).toBeGreaterThan(-1);
    expect(heading).toBeLessThan(firstCell);
    expect(text[firstCell]).toContain('Index sizes by table');
    expect(text.indexOf('Duplicates')).toBeLessThan(layout.itemStart[1]);
    expect(layout.itemStart).toHaveLength(section.items.length);
    for (let i = 0; i < section.items.length; i++) {
      expect(layout.itemEnd[i]).toBeGreaterThan(layout.itemStart[i]);
      expect(layout.lines[layout.itemStart[i]].item).toBe(i);
    }
  });

  it('shows a finding on one row with its decision filled in at render time, and a note on the next', () => {
    const row = layout.lines[layout.itemStart[2]];
    const id = (section.items[2] as { finding: { id: string } }).finding.id;
    expect(lineText(resolveLine(row, {}))).toContain(`[ ] WARN ${HOSTILE.quoted}`);
    expect(lineText(resolveLine(row, { [id]: { state: 'rejected', note: 'x', at: 'x' } }))).toContain('[✗] WARN');
    expect(layout.itemEnd[2] - layout.itemStart[2]).toBe(2); // the object fills the row at 70 columns: the title goes below
    const noted = layoutSection({ section, items: section.items, filtered: false, risk: null, playbook: data.playbooks[0], notes: { [id]: 'used by reports' }, baseline: {}, showSql: false, width: 70 });
    expect(noted.itemEnd[2] - noted.itemStart[2]).toBe(3);
    expect(lineText(noted.lines[noted.itemStart[2] + 2])).toBe('         “used by reports”');
    const newline = layout.lines[layout.itemStart[4]];
    expect(lineText(newline)).toContain('public."multi\\nline"."idx"');
    expect(lineText(layout.lines[layout.itemStart[5]])).not.toContain('\u001b');
  });

  it('shows SQL under each cell only when asked', () => {
    const withSql = layoutSection({ section, items: section.items, filtered: false, risk: null, playbook: data.playbooks[0], notes: {}, baseline: {}, showSql: true, width: 70 });
    expect(withSql.lines.map(lineText).join('\n')).toContain('JOIN pg_namespace n ON n.oid = c.relnamespace');
    expect(layout.lines.map(lineText).join('\n')).not.toContain('JOIN pg_namespace');
  });

  it('says “rejected before: note” for findings the baseline rejected', () => {
    const id = `indexes/duplicate_indexes/${HOSTILE.reserved}`;
    const l = layoutSection({ section, items: section.items, filtered: false, risk: null, playbook: data.playbooks[0], notes: {}, baseline: { [id]: { state: 'rejected', note: 'keeps a constraint', at: 'x' } }, showSql: false, width: 70 });
    expect(l.lines.map(lineText)).toContain('         rejected before: keeps a constraint');
    const both = layoutSection({ section, items: section.items, filtered: false, risk: null, playbook: data.playbooks[0], notes: { [id]: 'keeps a constraint' }, baseline: { [id]: { state: 'rejected', note: 'keeps a constraint', at: 'x' } }, showSql: false, width: 70 });
    expect(both.lines.map(lineText)).toContain('         “keeps a constraint” · rejected before');
  });

  it('lays out 10,000 findings quickly', () => {
    const big = fixtureData(10_000);
    const t = performance.now();
    const l = layoutSection({ section: outline(big)[0], items: outline(big)[0].items, filtered: false, risk: null, playbook: big.playbooks[0], notes: {}, baseline: {}, showSql: false, width: 70 });
    expect(l.itemStart).toHaveLength(3 + 5 + 10_000);
    // ~40 ms on an idle machine; the bound only catches work that grows faster than the findings
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it('opens a finding with rationale, evidence and the exact up and down SQL', () => {
    const item = section.items[2];
    const text = layoutDetail(item, { decisions: {}, baseline: {}, width: 120, risk: null }).map(lineText);
    expect(text).toContain('Why');
    expect(text).toContain('  idx scan   0');
    expect(text.join('\n')).not.toContain('{"');
    expect(text).toContain(`  DROP INDEX CONCURRENTLY IF EXISTS ${HOSTILE.quoted};`);
    expect(text.join('\n')).toContain('CREATE INDEX CONCURRENTLY "Ünïcødé idx" ON public."Weird ""Name"" Table" USING');
  });

  it('opens a cell with its SQL and the whole result', () => {
    const text = layoutDetail(section.items[0], { decisions: {}, baseline: {}, width: 70, risk: null }).map(lineText);
    expect(text).toContain('SQL   (y copies it)');
    expect(text).toContain('  public  orders              orders_status_idx          800000');
    expect(UNUSED_COUNT).toBeGreaterThan(1000);
  });
});

describe('lines', () => {
  it('wraps styled segments keeping styles and indent', () => {
    const out = wrapSegs([{ text: 'alpha beta ' }, { text: 'gamma delta', bold: true }], 12, '  ');
    expect(out.map(lineText)).toEqual(['  alpha beta', '  gamma', '  delta']);
    expect(out[1].segs.find((s) => s.text === 'gamma')?.bold).toBe(true);
  });

  it('keeps SQL verbatim, breaking long lines only between tokens', async () => {
    const out = sqlLines('SELECT a,\n       b\n  FROM t WHERE x = 1 AND y = 2', 20, '', {}).map(lineText);
    expect(out[0]).toBe('SELECT a,');
    expect(out[1]).toBe('       b');
    expect(out.slice(2).join(' ').replace(/\s+/g, ' ').trim()).toBe('FROM t WHERE x = 1 AND y = 2');
    for (const ready of [false, true]) {
      if (ready) await loadSqlScanner();
      // a literal with spaces, a quoted identifier with spaces, a dollar-quoted body: never broken inside
      const sql = "SELECT replace(query, ' and ', ' or ') AS \"a long column name\", $body$ one two three $body$ FROM pg_stat_statements";
      for (const width of [28, 30, 45, 60]) {
        const rows = wrapSql(sql, width);
        const joined = rows.join('\n');
        for (const piece of ["' and '", "' or '", '"a long column name"', '$body$ one two three $body$']) expect(joined).toContain(piece);
        for (const r of rows) expect(displayWidth(r)).toBeLessThanOrEqual(width);
        expect(rows.map((r) => r.trim()).join(' ')).toBe(sql);
      }
    }
  });

  it('shows a hostile name in Postgres escape syntax once the scanner has loaded: pasteable, never raw', async () => {
    await loadSqlScanner();
    const sql = 'DROP INDEX CONCURRENTLY IF EXISTS public."a\u001b[31mb";';
    const shown = sqlLines(sql, 80, '  ', {}).map(lineText).join('\n');
    expect(shown).toBe('  DROP INDEX CONCURRENTLY IF EXISTS public.U&"a\\001b[31mb";');
    expect(shown).not.toContain('\u001b');
  });
});

describe('viewport', () => {
  it('scrolls only as far as needed to show the selected item', () => {
    expect(scrollTop(0, 5, 7, 10, 100)).toBe(0);
    // three lines of context below and above the item
    expect(scrollTop(0, 12, 14, 10, 100)).toBe(7);
    expect(scrollTop(20, 12, 14, 10, 100)).toBe(9);
    // an item taller than the view shows its start
    expect(scrollTop(0, 30, 60, 10, 100)).toBe(30);
    expect(scrollTop(95, 99, 100, 10, 100)).toBe(90);
  });
});
