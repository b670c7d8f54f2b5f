import type { Analyzer } from './analyzer.ts';
import { unmetRequirement } from './requirements.ts';
import type { Notebook, ServerFacts } from './types.ts';

/**
 * The cells a run that only reports findings needs (`check` without --save): every check and analyzer, and
 * the probes read by an analyzer that can run on this server. Probes that only show evidence in the
 * notebook are left out; they run in the TUI, in `report` sessions and whenever a snapshot is saved.
 */
export function findingCells(notebooks: Notebook[], server: ServerFacts, analyzers: Record<string, Analyzer>): Notebook[] {
  return notebooks.map((nb) => {
    const read = new Set<string>();
    for (const cell of nb.cells) {
      if (cell.kind !== 'analyzer') continue;
      const analyzer = cell.analyzer ? analyzers[cell.analyzer] : undefined;
      if (unmetRequirement(cell.requires, server) ?? (analyzer?.requires ? unmetRequirement(analyzer.requires, server) : null)) continue;
      for (const id of cell.uses) read.add(id);
    }
    return { ...nb, cells: nb.cells.filter((cell) => cell.kind !== 'probe' || read.has(cell.id)) };
  });
}
