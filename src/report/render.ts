// `pgadvisor report`: the report of a snapshot (build.ts) as Markdown or as one self-contained HTML page.
// Both are deterministic: the same snapshot gives the same bytes.
import type { Snapshot } from '../snapshot/schema.ts';
import { buildReport } from './build.ts';
import { renderMarkdown } from './to-markdown.ts';

export function renderReport(s: Snapshot): string {
  return renderMarkdown(buildReport(s).blocks);
}

export async function renderHtmlReport(s: Snapshot): Promise<string> {
  // loaded here: Vega and markdown-it are only needed for the page
  const { renderHtml } = await import('./to-html.ts');
  return renderHtml(buildReport(s));
}
