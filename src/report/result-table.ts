// A cell's result in the report: the rows as a table, cut to what a reader scans, or why there are none.
import type { Snapshot } from '../snapshot/schema.ts';
import type { Block } from './doc.ts';
import { clip, display } from './markdown.ts';

type Run = Snapshot['playbooks'][number]['runs'][number];

/** Rows of each evidence table shown in the report; the snapshot keeps more. */
export const REPORT_ROWS_PER_CELL = 25;

/** A cell's result as the report shows it: its rows as a table (the first REPORT_ROWS_PER_CELL), or why there are none. */
export function resultBlocks(r: Pick<Run, 'status' | 'reason' | 'columns' | 'rows' | 'rowCount' | 'truncated'>): Block[] {
  const out: Block[] = [];
  if (r.status !== 'ok') return [...out, { t: 'para', text: [{ em: r.status }, ': ', r.reason ?? 'no reason given'] }];
  if (!r.rows.length) return [...out, { t: 'para', text: 'No rows.' }];
  const columns = r.columns.length ? r.columns : Object.keys(r.rows[0]);
  const shown = r.rows.slice(0, REPORT_ROWS_PER_CELL);
  out.push({ t: 'table', head: columns, rows: shown.map((row) => columns.map((c) => clip(display(row[c]), 120))) });
  if (r.rowCount > shown.length) {
    const kept = r.truncated && r.rows.length < r.rowCount ? ` (the snapshot keeps ${r.rows.length})` : '';
    out.push({ t: 'para', text: `Showing ${shown.length} of ${r.rowCount} rows${kept}.` });
  }
  return out;
}
