// What a chart shows, independent of how it is drawn: the report builds these from the snapshot and the
// HTML renderer turns them into SVG (charts.ts). One shape covers every chart of the report — horizontal
// bars, one per label, split into series.

export type ChartUnit = 'bytes' | 'count' | 'percent' | 'ms';

export interface ChartRow {
  /** the bar's label (a table, a statement, a section); plain text */
  label: string;
  /** which part of the bar (a severity, "table"/"indexes", "seq"/"index") */
  series: string;
  value: number;
}

export interface ChartSpec {
  /** stable id, also the chart's element id in the page */
  id: string;
  title: string;
  /** one sentence saying what the bars are, for screen readers and print */
  description: string;
  unit: ChartUnit;
  rows: ChartRow[];
  /** series in drawing order, each with its colour role */
  series: { name: string; color: ChartColor }[];
  /** bars side by side instead of stacked */
  grouped?: boolean;
}

/** Colour roles: the palette in charts.ts maps them to colours readable on light and dark backgrounds. */
export type ChartColor = 'critical' | 'warning' | 'info' | 'primary' | 'secondary' | 'muted' | 'good';
