import { describe, expect, it } from 'vitest';
import { findingCells } from '../../src/playbooks/findings-only.ts';
import { ANALYZER_INPUTS } from '../../src/playbooks/inputs.ts';
import { loadNotebooks, parseNotebook, type AnalyzerDeclarations } from '../../src/playbooks/loader.ts';
import { OWN_STATEMENT_FILTER } from '../../src/workload/own.ts';
import { server } from '../tui/fixture.ts';

const DECLARED: AnalyzerDeclarations = {
  fine: { probes: { statements: ['n'], things: ['target'] }, workload: false, findings: true },
  planner: { probes: { plans: ['n'] }, workload: false, findings: true },
  reader: { probes: {}, workload: true, findings: true, requires: { workload: true } },
  shower: { probes: {}, workload: true, findings: false, requires: { workload: true } },
};

const NOTEBOOK = `---
id: demo
title: Demo
order: 1
---
\`\`\`sql probe overview
-- title: Only evidence
SELECT 1 AS n
\`\`\`

\`\`\`sql probe statements
-- title: Read by an analyzer that can run
SELECT 1 AS n
\`\`\`

\`\`\`sql probe plans
-- title: Read only by an analyzer this server cannot run
SELECT 1 AS n
\`\`\`

\`\`\`sql check things
-- title: A check
-- severity: info
SELECT 'x' AS target, 'x' AS title, 'x' AS rationale
\`\`\`

\`\`\`analyzer runs
-- title: Runs here
-- analyzer: fine
-- uses: statements, things
-- severity: info
\`\`\`

\`\`\`analyzer cannot
-- title: Needs hypopg, which the server lacks
-- analyzer: planner
-- uses: plans
-- requires: extension hypopg
-- severity: info
\`\`\`
`;

const WORKLOAD = `---
id: w
title: W
order: 2
---
\`\`\`sql probe feed
-- feeds: workload
-- requires: extension pg_stat_statements
SELECT query FROM pg_stat_statements WHERE query ${OWN_STATEMENT_FILTER}
\`\`\`

\`\`\`analyzer sources
-- analyzer: shower
-- uses: workload
-- requires: workload
\`\`\`

\`\`\`analyzer loops
-- analyzer: reader
-- uses: workload
-- requires: workload
-- severity: info
\`\`\`
`;

describe('findings-only runs (check without --save)', () => {
  it('keep checks, analyzers and the probes a runnable analyzer reads; drop evidence-only probes', () => {
    const [nb] = findingCells([parseNotebook('demo.md', NOTEBOOK, DECLARED)], server, undefined, DECLARED);
    expect(nb.cells.map((c) => c.id)).toEqual(['statements', 'things', 'runs', 'cannot']);
  });

  it('keep the probe that feeds the workload when an analyzer that reads it can run; drop evidence-only analyzers', () => {
    const notebooks = [parseNotebook('demo.md', NOTEBOOK, DECLARED), parseNotebook('w.md', WORKLOAD, DECLARED)];
    const withPgss = { ...server, extensions: [...server.extensions, { name: 'pg_stat_statements', version: '1.10', schema: 'public' }] };
    const bare = { ...server, extensions: server.extensions.filter((e) => e.name !== 'pg_stat_statements') };
    expect(findingCells(notebooks, withPgss, undefined, DECLARED)[1].cells.map((c) => c.id)).toEqual(['feed', 'loops']);
    // no pg_stat_statements and no --workload file: nothing reads the workload, so the feed stays out too
    expect(findingCells(notebooks, bare, undefined, DECLARED)[1].cells.map((c) => c.id)).toEqual(['loops']);
    // a --workload file: the readers run, and the feed is kept for whatever pg_stat_statements adds (it skips itself when absent)
    expect(findingCells(notebooks, bare, { workloadFiles: 1 }, DECLARED)[1].cells.map((c) => c.id)).toEqual(['feed', 'loops']);
  });

  it('on the shipped notebooks only probes are ever left out, and a probe an analyzer reads stays when it can run', async () => {
    const all = await loadNotebooks();
    const withHypo = { ...server, extensions: [...server.extensions, { name: 'hypopg', version: '1.4.1', schema: 'public' }] };
    const kept = findingCells(all, withHypo);
    for (const [i, nb] of all.entries()) {
      const ids = new Set(kept[i].cells.map((c) => c.id));
      for (const c of nb.cells) {
        const evidenceOnly = c.kind === 'probe' || (c.kind === 'analyzer' && !ANALYZER_INPUTS[c.analyzer!].findings);
        if (!evidenceOnly) expect(ids.has(c.id), `${nb.id}/${c.id}`).toBe(true);
      }
    }
    const indexes = kept.find((n) => n.id === 'indexes')!.cells.map((c) => c.id);
    expect(indexes).toContain('workload_indexes');
    expect(indexes).not.toContain('index_overview');
    // the index analysis runs without hypopg too (it estimates), so it stays, and so does the probe that feeds the workload
    const cells = (srv: typeof server, id: string) => findingCells(all, srv).find((n) => n.id === id)!.cells.map((c) => c.id);
    const withPgss = { ...server, extensions: [{ name: 'pg_stat_statements', version: '1.10', schema: 'public' }] };
    expect(cells(withPgss, 'indexes')).toContain('workload_indexes');
    expect(cells(withPgss, 'workload')).toContain('statements');
    expect(cells({ ...server, extensions: [] }, 'workload')).not.toContain('statements');
  });
});
