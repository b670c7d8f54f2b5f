// Charts as inline SVG, drawn at report time by Vega-Lite (compiled to Vega, rendered headless in Node: no
// canvas, no browser, no network). Text widths come from Vega's own estimate rather than a canvas, so the
// SVG is the same bytes on every machine. Labels are plain text from the snapshot: the untrusted-text rule
// makes their control characters visible and Vega escapes them as SVG text and attributes.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { terminalText } from '../util/untrusted-text.ts';
import type { ChartColor, ChartSpec } from './charts-spec.ts';
import { formatBytes, formatCount, formatDuration, formatPercent } from './units.ts';

// Mid-tone colours that read on a white and on a near-black page alike.
export const PALETTE: Record<ChartColor, string> = {
  critical: '#d64541',
  warning: '#e0962b',
  info: '#4a8fd6',
  primary: '#4c78a8',
  secondary: '#9d7bd1',
  muted: '#8d96a0',
  good: '#3ba56b',
};

const WIDTH = 560;
const BAR = 18;

// Exported by vega at run time, missing from its type declarations.
const scenegraph = vega as unknown as { textMetrics: { canvas(use: boolean): void }; resetSVGDefIds(): void };
scenegraph.textMetrics.canvas(false);

/** A loader that loads nothing: every chart's data is inline, and a report never reaches the network. */
const noLoader = {
  load: () => Promise.reject(new Error('charts load no external data')),
  sanitize: () => Promise.reject(new Error('charts load no external data')),
  http: () => Promise.reject(new Error('charts load no external data')),
  file: () => Promise.reject(new Error('charts load no external data')),
};

/** A Vega expression formatting `datum.value` in the chart's unit. */
function axisLabel(unit: ChartSpec['unit']): string | undefined {
  if (unit === 'bytes') {
    return [
      "datum.value >= 1099511627776 ? format(datum.value / 1099511627776, '.3~') + ' TB'",
      "datum.value >= 1073741824 ? format(datum.value / 1073741824, '.3~') + ' GB'",
      "datum.value >= 1048576 ? format(datum.value / 1048576, '.3~') + ' MB'",
      "datum.value >= 1024 ? format(datum.value / 1024, '.3~') + ' kB'",
      "format(datum.value, '.0f') + ' B'",
    ].join(' : ');
  }
  if (unit === 'ms') return "datum.value >= 1000 ? format(datum.value / 1000, '.3~') + ' s' : format(datum.value, '.3~') + ' ms'";
  return undefined;
}

function formatValue(unit: ChartSpec['unit'], v: number): string {
  return unit === 'bytes' ? formatBytes(v) : unit === 'percent' ? formatPercent(v) : unit === 'ms' ? formatDuration(v) : formatCount(v);
}

export function vegaLiteSpec(chart: ChartSpec): TopLevelSpec {
  const labels = [...new Set(chart.rows.map((r) => r.label))];
  const series = chart.series.map((s) => s.name);
  const values = chart.rows.map((r) => ({
    label: terminalText(r.label),
    series: terminalText(r.series),
    value: r.value,
    order: series.indexOf(r.series),
    // what a screen reader says for the bar
    desc: terminalText(`${r.label}, ${r.series}: ${formatValue(chart.unit, r.value)}`),
  }));
  const format = chart.unit === 'percent' ? '.0%' : chart.unit === 'count' ? '~s' : undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: WIDTH,
    height: { step: BAR },
    background: null as unknown as string,
    data: { values },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: labels.map(terminalText), title: null, axis: { labelLimit: 260 } },
      x: {
        field: 'value',
        type: 'quantitative',
        stack: chart.grouped ? null : 'zero',
        title: null,
        axis: { format, labelExpr: axisLabel(chart.unit), tickCount: 5, labelOverlap: true },
      },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain: series.map(terminalText), range: chart.series.map((s) => PALETTE[s.color]) },
        legend: series.length > 1 ? { orient: 'bottom', title: null, direction: 'horizontal', labelLimit: 240 } : null,
      },
      order: { field: 'order', type: 'quantitative' },
      description: { field: 'desc', type: 'nominal' },
      ...(chart.grouped ? { yOffset: { field: 'series', type: 'nominal', sort: series.map(terminalText) } } : {}),
    },
    config: {
      font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
      view: { stroke: null },
      axis: { labelColor: '#444', domainColor: '#999', tickColor: '#999', gridColor: '#ddd', labelFontSize: 11 },
      legend: { labelColor: '#444', labelFontSize: 11, symbolType: 'square' },
      aria: true,
    },
  } as TopLevelSpec;
}

/** The chart as an SVG element (a string), the same bytes for the same chart. */
export async function chartSvg(chart: ChartSpec): Promise<string> {
  const compiled = compile(vegaLiteSpec(chart)).spec;
  // ids of clip paths and gradients count up across renders: start each chart afresh (ours use none)
  scenegraph.resetSVGDefIds();
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: noLoader as unknown as vega.Loader, logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
