// The HTML page holds only what the report means: hostile names from a snapshot come out as text (in
// element content, attributes, the charts' SVG and notebook prose), nothing loads from anywhere, and the
// same snapshot gives the same bytes, charts included.
import { describe, expect, it } from 'vitest';
import { chartSvg } from '../../src/report/charts.ts';
import type { ChartSpec } from '../../src/report/charts-spec.ts';
import { renderHtmlReport } from '../../src/report/render.ts';
import { serializeSnapshot } from '../../src/snapshot/io.ts';
import { decision, decisions, sessionData, snapshotFixture, UNUSED_ID } from '../snapshot/fixtures.ts';

const EVIL = 'public."x</td><script>alert(1)</script><img src=x onerror=alert(2)>\u001b[31m"';

function hostile() {
  const data = sessionData();
  data.findings[0].target = EVIL;
  data.findings[0].title = `Duplicate <b>index</b> " onmouseover="alert(3)`;
  data.findings[0].rationale = '<iframe src="https://evil.example/"></iframe>';
  data.server.database = 'shop</title><script>alert(4)</script>';
  data.playbooks[0].title = 'Indexes <svg onload=alert(5)>';
  data.playbooks[0].blocks[0] = {
    type: 'prose',
    text: 'Prose with <script>alert(6)</script>, an ![image](https://evil.example/x.png), [a bad link](javascript:alert(7)) and [a good one](https://www.postgresql.org/docs/).',
  };
  data.playbooks[0].runs[0].rows.push({ table: EVIL, indexes: 1, size: '<b>8 kB</b>', idx_scan: 1 });
  return snapshotFixture({ data, decisions: { ...decisions(), [UNUSED_ID]: decision('rejected', '</details><script>alert(8)</script>') } });
}

describe('HTML report', () => {
  it('shows hostile names as text, never as markup', async () => {
    const page = await renderHtmlReport(hostile());
    expect(page.match(/<script/g)).toHaveLength(1); // the page's own print script
    expect(page).not.toMatch(/<(img|iframe)\b|<svg onload|onmouseover="alert/);
    expect(page).not.toContain('<b>index</b>');
    expect(page).toContain('Duplicate &lt;b&gt;index&lt;/b&gt; &quot; onmouseover=&quot;alert(3)');
    expect(page).toContain('<title>PostgreSQL health check: shop&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt;</title>');
    expect(page).toContain('public.&quot;x&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;\\x1b[31m&quot;');
    expect(page).not.toContain('\u001b');
    // notebook prose: Markdown kept, raw HTML and images shown as text, only safe links
    expect(page).toContain('Prose with &lt;script&gt;alert(6)&lt;/script&gt;');
    expect(page).not.toMatch(/\bsrc="/); // an image in prose is a link at most, never loaded
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain('<a href="https://www.postgresql.org/docs/">a good one</a>');
  });

  it('forbids every request by policy and references nothing outside the file', async () => {
    const page = await renderHtmlReport(snapshotFixture());
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1].replace(/&#39;/g, "'");
    expect(csp).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; form-action 'none'$/);
    expect(page).not.toMatch(/\bsrc=|@import|url\(/);
  });

  it('is the same bytes for the same snapshot, and for the snapshot read back from its file', async () => {
    const a = await renderHtmlReport(snapshotFixture());
    expect(await renderHtmlReport(snapshotFixture())).toBe(a);
    expect(await renderHtmlReport(JSON.parse(serializeSnapshot(snapshotFixture())))).toBe(a);
  });
});

describe('charts', () => {
  const chart: ChartSpec = {
    id: 'chart-test',
    title: 't',
    description: 'd',
    unit: 'bytes',
    rows: [
      { label: EVIL, series: 'Table', value: 123_456_789 },
      { label: EVIL, series: 'Indexes', value: 23_456_789 },
      { label: 'b "q" & c', series: 'Table', value: 5000 },
      { label: 'b "q" & c', series: 'Indexes', value: 4000 },
    ],
    series: [
      { name: 'Table', color: 'primary' },
      { name: 'Indexes', color: 'secondary' },
    ],
  };

  it('draws the same SVG every time, with no ids that two charts on a page could share', async () => {
    const a = await chartSvg(chart);
    await chartSvg({ ...chart, grouped: true });
    expect(await chartSvg(chart)).toBe(a);
    expect(a.startsWith('<svg')).toBe(true);
    expect(a).not.toMatch(/\sid="/);
  });

  it('escapes the labels in text and in the bars’ descriptions, and shows their data', async () => {
    const svg = await chartSvg(chart);
    expect(svg).not.toMatch(/<script|<img|\u001b/);
    expect(svg).toContain('&lt;/td&gt;&lt;script&gt;');
    expect(svg).toContain('aria-label="b &quot;q&quot; &amp; c, Table: 4.9 kB"');
    expect(svg).toContain(`, Indexes: 22.4 MB"`);
    expect(svg.match(/<path [^>]*aria-label=/g)).toHaveLength(4);
  });
});
