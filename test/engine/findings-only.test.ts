import { describe, expect, it } from 'vitest';
import { findingCells } from '../../src/playbooks/findings-only.ts';
import { loadNotebooks, parseNotebook } from '../../src/playbooks/loader.ts';
import { server } from '../tui/fixture.ts';

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
-- analyzer: fine
-- uses: plans
-- requires: extension hypopg
-- severity: info
\`\`\`
`;

describe('findings-only runs (check without --save)', () => {
  it('keep checks, analyzers and the probes a runnable analyzer reads; drop evidence-only probes', () => {
    const [nb] = findingCells([parseNotebook('demo.md', NOTEBOOK)], server);
    expect(nb.cells.map((c) => c.id)).toEqual(['statements', 'things', 'runs', 'cannot']);
  });

  it('on the shipped notebooks only probes are ever left out, and a probe an analyzer reads stays when it can run', async () => {
    const all = await loadNotebooks();
    const withHypo = { ...server, extensions: [...server.extensions, { name: 'hypopg', version: '1.4.1', schema: 'public' }] };
    const kept = findingCells(all, withHypo);
    for (const [i, nb] of all.entries()) {
      const ids = new Set(kept[i].cells.map((c) => c.id));
      for (const c of nb.cells) if (c.kind !== 'probe') expect(ids.has(c.id), `${nb.id}/${c.id}`).toBe(true);
    }
    const indexes = kept.find((n) => n.id === 'indexes')!.cells.map((c) => c.id);
    expect(indexes).toContain('workload_tables');
    expect(indexes).not.toContain('index_overview');
    const noHypo = findingCells(all, server).find((n) => n.id === 'indexes')!.cells.map((c) => c.id);
    expect(noHypo).not.toContain('workload_tables');
  });
});
