// Analyzer "workload-sources": where the run's workload came from, one row per source, with what each
// left out and why. Shows evidence only; the numbers, never a statement's text or its constants.
import type { Analyzer } from '../analyzer.ts';

export const workloadSources: Analyzer = {
  async run(ctx) {
    const rows = (ctx.workload?.sources ?? []).map((s) => ({
      source: s.name,
      kind: s.kind,
      format: s.format,
      entries: s.entries,
      statements: s.statements,
      skipped: s.skipped.reduce((n, k) => n + k.count, 0),
      reasons: [...s.skipped.map((k) => `${k.count} × ${k.reason}`), ...s.notes].join('; ') || null,
    }));
    return { columns: ['source', 'kind', 'format', 'entries', 'statements', 'skipped', 'reasons'], rows, findings: [] };
  },
};
