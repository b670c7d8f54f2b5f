import { ANALYZER_INPUTS, type AnalyzerInputs } from './inputs.ts';
import { unmetRequirement, type RunInputs } from './requirements.ts';
import type { Notebook, ServerFacts } from './types.ts';

/**
 * The cells a run that only reports findings needs (`check` without --save): every check and every analyzer
 * that yields findings, the probes read by an analyzer cell whose requirements this run meets, and the probe
 * that feeds the workload when such an analyzer reads it. Probes and analyzers that only show evidence in the
 * notebook are left out; they run in the TUI, in `report` sessions and whenever a snapshot is saved.
 * Decided from the notebooks and the analyzers' declarations alone, so the analyzers' code can load while
 * the SQL cells run.
 */
export function findingCells(
  notebooks: Notebook[],
  server: ServerFacts,
  run: RunInputs = { workloadFiles: 0 },
  declarations: Readonly<Record<string, AnalyzerInputs>> = ANALYZER_INPUTS,
): Notebook[] {
  const read = new Set<string>();
  let workload = false;
  for (const nb of notebooks) {
    for (const cell of nb.cells) {
      const declared = declarations[cell.analyzer ?? ''];
      if (cell.kind !== 'analyzer' || !declared?.findings) continue;
      if (unmetRequirement(cell.requires, server, run) || (declared.requires && unmetRequirement(declared.requires, server, run))) continue;
      for (const id of cell.uses) read.add(`${nb.id}\u0000${id}`);
      workload ||= declared.workload;
    }
  }
  return notebooks.map((nb) => ({
    ...nb,
    cells: nb.cells.filter((cell) => {
      if (cell.kind === 'check') return true;
      if (cell.kind === 'analyzer') return Boolean(declarations[cell.analyzer ?? '']?.findings);
      return read.has(`${nb.id}\u0000${cell.id}`) || (workload && cell.feeds !== null);
    }),
  }));
}
