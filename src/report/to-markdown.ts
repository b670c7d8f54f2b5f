// The report document as Markdown, readable on GitHub and in a terminal pager. Every string goes through the
// untrusted-text rule (src/util/untrusted-text.ts); markup comes only from the block and span kinds.
// Charts are left out: the data each one draws is in a table next to it.
import { displaySql } from '../migration/display-sql.ts';
import { htmlText, markdownCode, markdownCodeBlock, markdownProse, markdownText } from '../util/untrusted-text.ts';
import { plain, spans, type Block, type Mark, type Span, type Text } from './doc.ts';

const MARK_EMOJI: Record<Mark, string> = { critical: '🔴', warning: '🟠', info: '🔵', good: '✅', attention: '🟠', unknown: '⚪' };

/**
 * Where inline text stands. At the start of a line (a paragraph, a list item, a quote) text could open a
 * block (`# `, `1. `, `- `): the rule escapes that. In a heading, a table cell or after a field's label it
 * cannot, and those escapes would only show as backslashes in a pager.
 */
type Place = 'line' | 'inline';

/** A string span: the untrusted-text rule, minus the escapes its place makes needless. */
function textSpan(s: string, place: Place, first: boolean, last: boolean): string {
  let out = markdownText(s);
  if (place === 'inline' || !first) out = out.replace(/^\\([#+\-=])/, '$1').replace(/^(\d+)\\([.)])/, '$1$2');
  // spaces are written as &#32; only where a parser would trim them: at the ends of the whole line
  if (!first) out = out.replace(/^(?:&#32;)+/, (m) => ' '.repeat(m.length / 5));
  if (!last) out = out.replace(/(?:&#32;)+$/, (m) => ' '.repeat(m.length / 5));
  return out;
}

function span(s: Span, inTable: boolean): string {
  if (typeof s === 'string') return markdownText(s);
  if ('code' in s) {
    const c = markdownCode(s.code);
    // GitHub's tables split rows on | even inside code spans unless it is escaped
    return inTable ? c.replace(/\|/g, '\\|') : c;
  }
  if ('strong' in s) return s.strong ? `**${markdownText(s.strong)}**` : '';
  if ('em' in s) return s.em ? `*${markdownText(s.em)}*` : '';
  return `${MARK_EMOJI[s.mark]} ${markdownText(s.label)}`;
}

export function inlineMarkdown(t: Text, place: Place, inTable = false): string {
  const list = spans(t);
  return list.map((s, i) => (typeof s === 'string' ? textSpan(s, place, i === 0, i === list.length - 1) : span(s, inTable))).join('');
}

function cell(t: Text): string {
  const s = inlineMarkdown(t, 'inline', true);
  return s === '' ? ' ' : s;
}

function block(b: Block): string {
  switch (b.t) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${inlineMarkdown(b.text, 'inline')}`;
    case 'para':
      return inlineMarkdown(b.text, 'line');
    case 'list':
      return b.items.map((it, i) => `${b.ordered ? `${i + 1}.` : b.checklist ? '- [ ]' : '-'} ${inlineMarkdown(it, 'line')}`).join('\n');
    case 'fields':
      return b.rows.map(([k, v]) => `- **${markdownText(k)}**: ${inlineMarkdown(v, 'inline')}`).join('\n');
    case 'table': {
      const head = `| ${b.head.map((h) => cell(h)).join(' | ')} |`;
      const sep = `|${b.head.map((_, i) => (b.numeric?.[i] ? '---:' : '---')).join('|')}|`;
      const rows = b.rows.map((r) => `| ${b.head.map((_, i) => cell(r[i] ?? '')).join(' | ')} |`);
      return [head, sep, ...rows].join('\n');
    }
    case 'code':
      // SQL with a hostile name stays exact and pasteable: the name in PostgreSQL's own escape syntax
      return markdownCodeBlock(b.lang === 'sql' ? displaySql(b.text) : b.text, b.lang ?? '');
    case 'prose':
      return markdownProse(b.markdown).trim();
    case 'details':
      // GitHub folds this; a pager shows the tags and the content. The summary line is raw HTML, so HTML-escaped.
      return `<details><summary>${htmlText(plain(b.summary))}</summary>\n\n${renderBlocks(b.body)}\n\n</details>`;
    case 'note':
      return `> ${inlineMarkdown(b.text, 'line')}`;
    case 'rule':
      return '---';
    case 'chart':
      return '';
  }
}

function renderBlocks(blocks: Block[]): string {
  return blocks
    .map(block)
    .filter((x) => x !== '')
    .join('\n\n');
}

export function renderMarkdown(blocks: Block[]): string {
  return renderBlocks(blocks) + '\n';
}
