import { describe, expect, it } from 'vitest';
import type { Analyzer } from '../../src/playbooks/analyzer.ts';
import type { AnalyzerInputs } from '../../src/playbooks/inputs.ts';
import { parseNotebook } from '../../src/playbooks/loader.ts';
import { runPlaybooks } from '../../src/playbooks/runner.ts';
import { useReadOnlySession } from '../support/session.ts';

const DECLARED: Record<string, AnalyzerInputs> = { counter: { probes: { items: ['n'] }, workload: false, findings: true, needs: ['items'] } };
const notebook = (where: string) =>
  parseNotebook(
    '/x/lazy.md',
    `---\nid: lazy\ntitle: Lazy\norder: 1\n---\n\`\`\`sql probe items\n-- title: Items\nSELECT n FROM generate_series(1, 3) n WHERE ${where}\n\`\`\`\n\`\`\`analyzer count_items\n-- title: Count\n-- analyzer: counter\n-- uses: items\n-- severity: info\n\`\`\`\n`,
    DECLARED,
  );

describe('analyzers load when a cell needs them', () => {
  const on = useReadOnlySession();

  it('not at all when the inputs they need are empty; on first use otherwise', async () => {
    const { session, server } = on;
    let loads = 0;
    const counter: Analyzer = { run: async (ctx) => ({ columns: [], rows: [], findings: [{ target: 'items', title: `${ctx.inputs.items.length} items`, rationale: 'counted' }] }) };
    const analyzers = { counter: async () => (loads++, counter) };
    const none = await runPlaybooks({ db: session, server, notebooks: [notebook('false')], analyzers, inputs: DECLARED });
    expect(loads).toBe(0);
    const cell = none.playbooks[0].runs.find((r) => r.cell === 'count_items')!;
    expect(cell).toMatchObject({ status: 'ok', reason: 'nothing to analyze: items has no rows' });
    expect(none.findings).toEqual([]);

    const some = await runPlaybooks({ db: session, server, notebooks: [notebook('true')], analyzers, inputs: DECLARED });
    expect(loads).toBe(1);
    expect(some.findings.map((f) => f.title)).toEqual(['3 items']);
  });

  it('a loader that fails is that cell\'s error, one line', async () => {
    const { session, server } = on;
    const analyzers = { counter: async (): Promise<Analyzer> => { throw new Error('Cannot find module ./gone.js\n  at …'); } };
    const data = await runPlaybooks({ db: session, server, notebooks: [notebook('true')], analyzers, inputs: DECLARED });
    expect(data.playbooks[0].runs.find((r) => r.cell === 'count_items')).toMatchObject({ status: 'error', reason: 'analyzer "counter" could not be loaded: Cannot find module ./gone.js' });
  });
});
