// The checks of the playbooks as rules for CI reports: id, title, the notebook's prose as help, default level.
import type { Notebook, Severity } from '../playbooks/types.ts';

export interface Rule {
  /** `playbook/check`: every finding id starts with it */
  id: string;
  playbook: string;
  playbookTitle: string;
  check: string;
  title: string;
  /** the notebook's prose just above the check (Markdown written by us) */
  help: string;
  severity: Severity;
  /** the notebook and the line of the check's cell, relative to the package */
  source: { file: string; line: number };
}

/** Every check and analyzer cell of the notebooks, in notebook order. */
export function rulesOf(notebooks: Notebook[]): Rule[] {
  const rules: Rule[] = [];
  for (const nb of notebooks) {
    let prose = '';
    for (const block of nb.blocks) {
      if (block.type === 'prose') {
        prose = block.text;
        continue;
      }
      const cell = nb.cells.find((c) => c.id === block.cellId);
      if (!cell || cell.kind === 'probe') continue;
      rules.push({
        id: `${nb.id}/${cell.id}`,
        playbook: nb.id,
        playbookTitle: nb.title,
        check: cell.id,
        title: cell.title,
        help: prose || nb.summary || cell.title,
        severity: cell.severity ?? 'warning',
        source: { file: `playbooks/${nb.file.split(/[\\/]/).pop()}`, line: cell.line },
      });
    }
  }
  return rules;
}

/** Markdown prose as plain text: emphasis, code spans and link targets dropped, paragraphs kept. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, '')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])[*_]([^*_\n]+)[*_](?=[^*\w]|$)/g, '$1$2')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
