import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Analyzer } from '../../src/playbooks/analyzer.ts';
import type { AnalyzerInputs } from '../../src/playbooks/inputs.ts';
import { loadNotebooks, NotebookError, parseNotebook } from '../../src/playbooks/loader.ts';
import { runPlaybooks } from '../../src/playbooks/runner.ts';
import { withThresholds } from '../../src/playbooks/thresholds.ts';
import { hasRealServer } from '../support/db.ts';
import { useReadOnlySession } from '../support/session.ts';

const nb = (cells: string) => `---\nid: demo\ntitle: Demo\norder: 1\n---\n${cells}`;
// the test analyzer reads nothing and yields findings
const DECLARED: Record<string, AnalyzerInputs> = { 'echo-thresholds': { probes: {}, workload: false, findings: true } };
const CHECK = `\`\`\`sql check big
-- title: Big numbers
-- severity: info
-- threshold: min_n = 8 smallest number reported
SELECT n::text AS target, 'big' AS title, 'because' AS rationale,
       jsonb_build_object('threshold', /*threshold:min_n*/8) AS evidence
  FROM generate_series(1, 10) n WHERE n >= /*threshold:min_n*/8
\`\`\`
\`\`\`analyzer tuned
-- title: Tuned analyzer
-- analyzer: echo-thresholds
-- severity: info
-- threshold: limit_rows = 3 rows the analyzer reports at most
\`\`\`
`;

function refusal(text: string): string {
  try {
    parseNotebook('/x/demo.md', text);
  } catch (err) {
    expect(err).toBeInstanceOf(NotebookError);
    return (err as Error).message;
  }
  throw new Error('parsed without error');
}

describe('thresholds a cell declares', () => {
  it('are read from the header with their default and meaning', () => {
    const parsed = parseNotebook('/x/demo.md', nb(CHECK), DECLARED);
    expect(parsed.cells[0].thresholds).toEqual([{ name: 'min_n', default: 8, description: 'smallest number reported' }]);
    expect(parsed.cells[1].thresholds).toEqual([{ name: 'limit_rows', default: 3, description: 'rows the analyzer reports at most' }]);
  });

  it('must match the SQL: declared, used, and written with the declared default', () => {
    const cell = (header: string, sql: string) => nb(`\`\`\`sql check c\n-- title: C\n-- severity: info\n${header}${sql}\n\`\`\`\n`);
    expect(refusal(cell('', 'SELECT /*threshold:x*/1 AS target'))).toMatch(/uses threshold "x" without a "-- threshold: x = N" line/);
    expect(refusal(cell('-- threshold: x = 2 the x\n', 'SELECT /*threshold:x*/1 AS target'))).toMatch(/writes threshold "x" as 1, but declares 2/);
    expect(refusal(cell('-- threshold: x = 2 the x\n', 'SELECT 2 AS target'))).toMatch(/declares threshold "x" but its SQL has no \/\*threshold:x\*\/2/);
    expect(refusal(cell('-- threshold: x = many\n', 'SELECT 1'))).toMatch(/cannot read threshold "x = many" \(NAME = NUMBER what it means\)/);
    expect(refusal(cell('-- threshold: x = 2 a\n-- threshold: x = 2 b\n', 'SELECT /*threshold:x*/2'))).toMatch(/threshold "x" is declared twice/);
  });

  it('take configured values in place of the literal, marker kept, numbers only', () => {
    const sql = 'WHERE a >= /*threshold:min_n*/8 AND b < /*threshold:max_n*/2.5 AND c = /*threshold:min_n*/8';
    expect(withThresholds(sql, undefined)).toBe(sql);
    expect(withThresholds(sql, { min_n: 3 })).toBe('WHERE a >= /*threshold:min_n*/3 AND b < /*threshold:max_n*/2.5 AND c = /*threshold:min_n*/3');
    expect(withThresholds(sql, { max_n: -1.5 })).toBe('WHERE a >= /*threshold:min_n*/8 AND b < /*threshold:max_n*/(-1.5) AND c = /*threshold:min_n*/8');
    expect(() => withThresholds(sql, { min_n: Number.NaN })).toThrow(/not a finite number/);
  });

  it('every shipped threshold is declared once and used as declared (the loader checks each notebook)', async () => {
    const all = (await loadNotebooks()).flatMap((n) => n.cells.flatMap((c) => c.thresholds.map((t) => `${n.id}/${c.id}.${t.name}`)));
    expect(all).toEqual(expect.arrayContaining(['connections/idle_in_transaction.idle_seconds', 'maintenance/table_bloat.min_mb']));
  });
});

describe('thresholds on a server', () => {
  const on = useReadOnlySession();

  it('change what a check finds and what an analyzer reads, and the recorded SQL is what ran', async () => {
    const { session, server } = on;
    const seen: Record<string, number>[] = [];
    const echo: Analyzer = {
      async run(ctx) {
        seen.push(ctx.thresholds!);
        return { columns: [], rows: [], findings: [] };
      },
    };
    const notebooks = [parseNotebook('/x/demo.md', nb(CHECK), DECLARED)];
    const byDefault = await runPlaybooks({ db: session, server, notebooks, analyzers: { 'echo-thresholds': echo }, inputs: DECLARED });
    expect(byDefault.findings.map((f) => f.target)).toEqual(['8', '9', '10']);
    const tuned = await runPlaybooks({ db: session, server, notebooks, analyzers: { 'echo-thresholds': echo }, inputs: DECLARED, thresholds: { 'demo/big': { min_n: 5 }, 'demo/tuned': { limit_rows: 7 } } });
    expect(tuned.findings.map((f) => f.target)).toEqual(['5', '6', '7', '8', '9', '10']);
    expect(tuned.findings[0].evidence).toEqual({ threshold: 5 });
    expect(tuned.playbooks[0].runs[0].sql).toContain('WHERE n >= /*threshold:min_n*/5');
    expect(seen).toEqual([{ limit_rows: 3 }, { limit_rows: 7 }]);
  });

  it.runIf(hasRealServer)('a shipped check: a session idle in a transaction for 3 s is reported only once the threshold is below that', async () => {
    const { session, server, db } = on;
    const notebooks = (await loadNotebooks()).filter((n) => n.id === 'connections');
    const idle = new pg.Client({ connectionString: db.url, application_name: 'pgadv-threshold-idle' });
    await idle.connect();
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT 1');
      await new Promise((r) => setTimeout(r, 3_000));
      const mine = (data: Awaited<ReturnType<typeof runPlaybooks>>) => data.findings.filter((f) => f.check === 'idle_in_transaction' && f.target.endsWith('/pgadv-threshold-idle'));
      expect(mine(await runPlaybooks({ db: session, server, notebooks, analyzers: {} }))).toEqual([]);
      const found = mine(await runPlaybooks({ db: session, server, notebooks, analyzers: {}, thresholds: { 'connections/idle_in_transaction': { idle_seconds: 1, critical_seconds: 2 } } }));
      expect(found).toHaveLength(1);
      expect(found[0].severity).toBe('critical');
      expect(found[0].evidence.threshold).toBe('idle in transaction >= 1 s (critical from 2 s)');
    } finally {
      await idle.end();
    }
  });
});
