// The report as a document: blocks of text, tables, code and charts that the Markdown and the HTML
// renderers both read, so the two formats say the same thing. Every string in it is plain text — ours or
// the snapshot's — and each renderer escapes it for its format; markup exists only as the span and block
// kinds below, never inside a string.
import type { ChartSpec } from './charts-spec.ts';

/** A verdict or severity mark, drawn as an emoji in Markdown and a coloured badge in HTML. */
export type Mark = 'critical' | 'warning' | 'info' | 'good' | 'attention' | 'unknown';

export type Span = string | { code: string } | { strong: string } | { em: string } | { mark: Mark; label: string };

/** Inline text: one span or several. */
export type Text = Span | Span[];

export type Block =
  | { t: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: Text; id?: string }
  | { t: 'para'; text: Text }
  | { t: 'list'; items: Text[]; ordered?: boolean; checklist?: boolean }
  /** label/value pairs, shown as a bold-label list */
  | { t: 'fields'; rows: [string, Text][] }
  | { t: 'table'; head: string[]; rows: Text[][]; numeric?: boolean[] }
  /** literal text (SQL, JSON); `lang` names the highlighting in Markdown */
  | { t: 'code'; text: string; lang?: 'sql' | 'json' | '' }
  /** Markdown carried from a notebook (not ours): kept as Markdown, rendered with raw HTML disabled */
  | { t: 'prose'; markdown: string }
  /** folded content with a one-line summary */
  | { t: 'details'; summary: Text; body: Block[] }
  | { t: 'note'; text: Text }
  | { t: 'rule' }
  /** a chart, drawn in HTML only: the Markdown shows the same data in a table next to it */
  | { t: 'chart'; chart: ChartSpec };

export const code = (s: string): Span => ({ code: s });
export const strong = (s: string): Span => ({ strong: s });

/** A heading's anchor: section numbers only, never a name from the snapshot. */
export function anchor(...parts: (string | number)[]): string {
  return `s-${parts.join('-')}`.replace(/[^A-Za-z0-9-]/g, '-');
}

export function spans(t: Text): Span[] {
  return Array.isArray(t) ? t : [t];
}

/** The words of a Text without its markup: for summaries and tests. */
export function plain(t: Text): string {
  return spans(t)
    .map((s) =>
      typeof s === 'string' ? s : 'code' in s ? s.code : 'strong' in s ? s.strong : 'em' in s ? s.em : s.label,
    )
    .join('');
}
