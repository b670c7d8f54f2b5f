import { unmetRequirement } from './requirements.ts';
import type { Notebook, ServerFacts } from './types.ts';

/**
 * The cells a run that only reports findings needs (`check` without --save): every check and analyzer, and
 * the probes read by an analyzer cell whose requirements this server meets. Probes that only show evidence
 * in the notebook are left out; they run in the TUI, in `report` sessions and whenever a snapshot is saved.
 * Decided from the notebooks alone, so the analyzers' code can load while the SQL cells run.
 */
export function findingCells(notebooks: Notebook[], server: ServerFacts): Notebook[] {
  return notebooks.map((nb) => {
    const read = new Set<string>();
    for (const cell of nb.cells) {
      if (cell.kind === 'analyzer' && !unmetRequirement(cell.requires, server)) for (const id of cell.uses) read.add(id);
    }
    return { ...nb, cells: nb.cells.filter((cell) => cell.kind !== 'probe' || read.has(cell.id)) };
  });
}
