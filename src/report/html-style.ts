// The report page's stylesheet: readable in light and dark (prefers-color-scheme), printable (print
// media: light colours, folded lists opened, no navigation), no fonts or images from anywhere.

export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1d2329; --muted: #5b6670; --line: #d8dee4; --soft: #f4f6f8; --code: #f1f3f5;
  --link: #1f5fae; --crit: #b3261e; --warn: #9a5b00; --info: #1f5fae; --good: #1b7a45; --unknown: #5b6670;
  --crit-bg: #fde8e7; --warn-bg: #fff1db; --info-bg: #e6f0fb; --good-bg: #e3f4ea; --unknown-bg: #eceff2;
  --chart-text: #3b444c; --chart-grid: #dde2e6;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15191d; --fg: #e3e7eb; --muted: #9aa5af; --line: #343c44; --soft: #1d2328; --code: #20262c;
    --link: #8ab8f0; --crit: #ff9b93; --warn: #f2bd6b; --info: #8ab8f0; --good: #7fd3a0; --unknown: #aab4bd;
    --crit-bg: #4a1c1a; --warn-bg: #45321a; --info-bg: #1b2f45; --good-bg: #173a28; --unknown-bg: #2a3036;
    --chart-text: #c9d1d8; --chart-grid: #3a424a;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.page { display: grid; grid-template-columns: 15rem minmax(0, 1fr); max-width: 90rem; margin: 0 auto; }
nav.toc { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 1.5rem 1rem; border-right: 1px solid var(--line); font-size: 0.85rem; }
nav.toc ol { list-style: none; margin: 0; padding: 0; }
nav.toc li { margin: 0.2rem 0; }
nav.toc a { color: var(--fg); text-decoration: none; }
nav.toc a:hover { color: var(--link); }
main { padding: 1.5rem 2.5rem 4rem; min-width: 0; }
h1 { font-size: 1.9rem; margin: 0 0 0.8rem; }
h2 { font-size: 1.45rem; margin: 2.2rem 0 0.8rem; padding-bottom: 0.3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15rem; margin: 1.6rem 0 0.6rem; }
h4, h5, h6 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
p, ul, ol { margin: 0.5rem 0; }
a { color: var(--link); }
hr { border: 0; border-top: 2px solid var(--line); margin: 2rem 0; }
code { font: 0.88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); padding: 0.1em 0.3em; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--code); padding: 0.8rem 1rem; border-radius: 6px; overflow-x: auto; }
pre code { background: none; padding: 0; white-space: pre; overflow-wrap: normal; }
blockquote { margin: 0.8rem 0; padding: 0.4rem 1rem; border-left: 4px solid var(--line); background: var(--soft); }
.table-wrap { overflow-x: auto; margin: 0.6rem 0; }
table { border-collapse: collapse; font-size: 0.88rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.fields { list-style: none; padding-left: 0; }
ul.fields li { margin: 0.15rem 0; }
ul.checklist { list-style: none; padding-left: 0.2rem; }
ul.checklist li::before { content: "\\2610\\00a0"; color: var(--muted); }
details { margin: 0.6rem 0; border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.8rem; }
details > summary { cursor: pointer; color: var(--muted); }
details[open] > summary { margin-bottom: 0.4rem; }
.mark { display: inline-block; padding: 0 0.45em; border-radius: 999px; font-size: 0.82em; font-weight: 600; white-space: nowrap; }
.mark::before { content: "\\25CF\\00a0"; }
.mark-critical { color: var(--crit); background: var(--crit-bg); }
.mark-warning, .mark-attention { color: var(--warn); background: var(--warn-bg); }
.mark-info { color: var(--info); background: var(--info-bg); }
.mark-good { color: var(--good); background: var(--good-bg); }
.mark-good::before { content: "\\2713\\00a0"; }
.mark-unknown { color: var(--unknown); background: var(--unknown-bg); }
figure.chart { margin: 1rem 0 1.4rem; padding: 0.8rem 1rem; border: 1px solid var(--line); border-radius: 8px; background: var(--soft); max-width: 100%; overflow-x: auto; }
figure.chart figcaption { font-weight: 600; margin-bottom: 0.4rem; }
figure.chart .chart-desc { color: var(--muted); font-size: 0.85rem; margin: 0.3rem 0 0; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figure.chart svg text { fill: var(--chart-text); }
figure.chart svg .role-axis-grid line, figure.chart svg .role-axis-domain line, figure.chart svg .role-axis-tick line { stroke: var(--chart-grid); }
.prose { color: var(--fg); }
@media (max-width: 60rem) {
  .page { display: block; }
  nav.toc { position: static; max-height: none; border-right: 0; border-bottom: 1px solid var(--line); }
  main { padding: 1rem; }
}
@media print {
  :root {
    --bg: #ffffff; --fg: #000000; --muted: #444444; --line: #bbbbbb; --soft: #f5f5f5; --code: #f3f3f3;
    --link: #000000; --chart-text: #222222; --chart-grid: #cccccc;
  }
  body { font-size: 10.5pt; }
  .page { display: block; max-width: none; }
  nav.toc { display: none; }
  main { padding: 0; }
  h2 { break-before: auto; break-after: avoid; }
  h3, h4, h5 { break-after: avoid; }
  tr, figure.chart, pre { break-inside: avoid; }
  details { border: 0; padding: 0; }
  details > summary { list-style: none; font-weight: 600; color: var(--fg); }
  details::details-content { content-visibility: visible; display: block; }
  pre { white-space: pre-wrap; }
  pre code { white-space: pre-wrap; }
  a { text-decoration: none; }
}
`;

/**
 * Opens every folded list for printing and closes those it opened afterwards. The page's only script;
 * the Content-Security-Policy allows it by its hash and nothing else.
 */
export const PRINT_SCRIPT = `(function () {
  var opened = [];
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.setAttribute('open', ''); opened.push(d); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.removeAttribute('open'); });
    opened = [];
  });
})();`;
