// The report document as one self-contained HTML page: the same blocks as the Markdown, plus the charts as
// inline SVG. Nothing is fetched: no fonts, images, styles or scripts from anywhere, and a Content-Security-
// Policy that forbids every request, so the file works from disk and as an e-mail attachment.
//
// Markup is built with the `html` tagged template of the untrusted-text rule, which escapes every value it
// is given; the only pieces passed through as they are: the stylesheet and script constants, the SVG Vega
// writes (it escapes the labels itself), and notebook prose rendered by markdown-it with raw HTML, images
// and all but http(s)/mailto/anchor links disabled.
import { createHash } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import { html, rawHtml, htmlBlock, SafeHtml, terminalBlock } from '../util/untrusted-text.ts';
import { displaySql } from '../migration/display-sql.ts';
import type { ReportDocument } from './build.ts';
import { chartSvg } from './charts.ts';
import type { ChartSpec } from './charts-spec.ts';
import { plain, spans, type Block, type Span, type Text } from './doc.ts';
import { PRINT_SCRIPT, REPORT_CSS } from './html-style.ts';

const SAFE_LINK = /^(https?:|mailto:|#)/i;

const prose = new MarkdownIt({ html: false, linkify: false, typographer: false });
prose.disable(['image']);
prose.validateLink = (url: string) => SAFE_LINK.test(url.trim());

function span(s: Span): SafeHtml {
  if (typeof s === 'string') return html`${s}`;
  if ('code' in s) return html`<code>${s.code}</code>`;
  if ('strong' in s) return html`<strong>${s.strong}</strong>`;
  if ('em' in s) return html`<em>${s.em}</em>`;
  return html`<span class="mark mark-${s.mark}">${s.label}</span>`;
}

function inline(t: Text): SafeHtml[] {
  return spans(t).map(span);
}

function block(b: Block, charts: Map<string, string>): SafeHtml {
  switch (b.t) {
    case 'heading': {
      const tag = rawHtml(`h${b.level}`);
      return b.id ? html`<${tag} id="${b.id}">${inline(b.text)}</${tag}>` : html`<${tag}>${inline(b.text)}</${tag}>`;
    }
    case 'para':
      return html`<p>${inline(b.text)}</p>`;
    case 'list': {
      const items = b.items.map((it) => html`<li>${inline(it)}</li>`);
      if (b.ordered) return html`<ol>${items}</ol>`;
      return b.checklist ? html`<ul class="checklist">${items}</ul>` : html`<ul>${items}</ul>`;
    }
    case 'fields':
      return html`<ul class="fields">${b.rows.map(([k, v]) => html`<li><strong>${k}</strong>: ${inline(v)}</li>`)}</ul>`;
    case 'table': {
      const cls = (i: number) => (b.numeric?.[i] ? 'num' : null);
      const head = b.head.map((h, i) => html`<th class="${cls(i)}">${h}</th>`);
      const rows = b.rows.map((r) => html`<tr>${b.head.map((_, i) => html`<td class="${cls(i)}">${inline(r[i] ?? '')}</td>`)}</tr>`);
      return html`<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
    }
    case 'code':
      return html`<pre><code class="${b.lang ? `language-${b.lang}` : null}">${htmlBlock(b.lang === 'sql' ? displaySql(b.text) : b.text)}</code></pre>`;
    case 'prose':
      return html`<div class="prose">${rawHtml(prose.render(terminalBlock(b.markdown)))}</div>`;
    case 'details':
      return html`<details><summary>${inline(b.summary)}</summary>${b.body.map((x) => block(x, charts))}</details>`;
    case 'note':
      return html`<blockquote><p>${inline(b.text)}</p></blockquote>`;
    case 'rule':
      return html`<hr>`;
    case 'chart':
      return html`<figure class="chart" id="${b.chart.id}"><figcaption>${b.chart.title}</figcaption>${rawHtml(charts.get(b.chart.id) ?? '')}<p class="chart-desc">${b.chart.description}</p></figure>`;
  }
}

function chartsOf(blocks: Block[]): ChartSpec[] {
  return blocks.flatMap((b) => (b.t === 'chart' ? [b.chart] : b.t === 'details' ? chartsOf(b.body) : []));
}

function toc(blocks: Block[]): SafeHtml {
  const items = blocks.filter((b): b is Extract<Block, { t: 'heading' }> => b.t === 'heading' && b.level === 2 && !!b.id);
  return html`<nav class="toc" aria-label="Contents"><ol>${items.map((h) => html`<li><a href="#${h.id}">${plain(h.text)}</a></li>`)}</ol></nav>`;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

export async function renderHtml(doc: ReportDocument): Promise<string> {
  const charts = new Map<string, string>();
  for (const c of chartsOf(doc.blocks)) charts.set(c.id, await chartSvg(c));
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${sha256(PRINT_SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="pgadvisor">
<title>${doc.title}</title>
<style>${rawHtml(REPORT_CSS)}</style>
</head>
<body>
<div class="page">
${toc(doc.blocks)}
<main>
${doc.blocks.map((b) => html`${block(b, charts)}\n`)}
</main>
</div>
<script>${rawHtml(PRINT_SCRIPT)}</script>
</body>
</html>
`;
  return page.html;
}
