// What `p` can EXPLAIN from the focused item, and which proposed indexes to try with it (pure):
// - a cell whose rows have a `query` column (the workload's tables): each row's statement, with the index
//   proposals whose evidence names that statement's queryid;
// - a finding: the statements its evidence holds (`statements[].query`, `query`, `statement`), with the
//   finding's own CREATE INDEX when it proposes one;
// - a scratch cell: its SQL, with the CREATE INDEX of every accepted finding.
import type { Decision, Finding, RunResult } from '../playbooks/types.ts';
import type { Item } from './views.ts';

export interface ExplainChoice {
  /** how the picker lists it */
  label: string;
  sql: string;
  /** pg_stat_statements queryid, when known: the workload's constants are looked up by it */
  queryid: string | null;
  /** CREATE INDEX statements to try hypothetically */
  hypothetical: string[];
  /** the findings the hypothetical indexes come from */
  hypoFrom: string[];
}

const MAX_CHOICES = 30;

/** The CREATE INDEX statements of a finding's up (none when it proposes no index). */
export function createIndexes(f: Finding): string[] {
  if (!f.up) return [];
  return f.up
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^(\s*--[^\n]*\n)+/, '').trim())
    .filter((s) => /^CREATE\s+(UNIQUE\s+)?INDEX\b/i.test(s));
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

function statementsOf(f: Finding): { sql: string; queryid: string | null }[] {
  const e = f.evidence;
  const out: { sql: string; queryid: string | null }[] = [];
  if (Array.isArray(e.statements)) {
    for (const s of e.statements as Record<string, unknown>[]) {
      if (s && typeof s.query === 'string') out.push({ sql: s.query, queryid: s.queryid == null ? null : String(s.queryid) });
    }
  }
  for (const k of ['query', 'statement']) if (typeof e[k] === 'string') out.push({ sql: e[k] as string, queryid: e.queryid == null ? null : String(e.queryid) });
  return out.filter((s) => !/…$/.test(s.sql.trim()));
}

/** Index proposals whose evidence names this queryid among the statements they serve. */
function proposalsFor(queryid: string | null, findings: Finding[]): Finding[] {
  if (!queryid) return [];
  return findings.filter((f) => createIndexes(f).length && Array.isArray(f.evidence.statements) && (f.evidence.statements as Record<string, unknown>[]).some((s) => s && String(s.queryid) === queryid));
}

/** The longest text of each queryid across the cells (the workload's tables cut statements at 200 characters; its feeding probe has them whole). */
function fullTexts(data: RunResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of data.playbooks) {
    for (const r of p.runs) {
      if (!r.columns.includes('query') || !r.columns.includes('queryid')) continue;
      for (const row of r.rows) {
        if (typeof row.query !== 'string' || row.queryid == null) continue;
        const id = String(row.queryid);
        if ((out.get(id)?.length ?? -1) < row.query.length) out.set(id, row.query);
      }
    }
  }
  return out;
}

export function explainChoices(item: Item | null, data: RunResult, decisions: Record<string, Decision>): ExplainChoice[] {
  if (!item) return [];
  const findings = data.findings;
  if (item.kind === 'cell' && item.scratch) {
    const accepted = findings.filter((f) => decisions[f.id]?.state === 'accepted' && createIndexes(f).length);
    return [{ label: oneLine(item.scratch.sql), sql: item.scratch.sql, queryid: null, hypothetical: accepted.flatMap(createIndexes), hypoFrom: accepted.map((f) => f.id) }];
  }
  if (item.kind === 'finding') {
    const own = createIndexes(item.finding);
    return statementsOf(item.finding)
      .slice(0, MAX_CHOICES)
      .map((s) => {
        const from = own.length ? [item.finding] : proposalsFor(s.queryid, findings);
        return { label: oneLine(s.sql), sql: s.sql, queryid: s.queryid, hypothetical: from.flatMap(createIndexes), hypoFrom: from.map((f) => f.id) };
      });
  }
  if (item.kind === 'cell' && item.run.columns.includes('query')) {
    const whole = fullTexts(data);
    return item.run.rows
      .map((r) => (r.queryid != null && whole.has(String(r.queryid)) ? { ...r, query: whole.get(String(r.queryid)) } : r))
      .filter((r) => typeof r.query === 'string' && !(r.query as string).endsWith('…'))
      .slice(0, MAX_CHOICES)
      .map((r) => {
        const queryid = r.queryid == null ? null : String(r.queryid);
        const from = proposalsFor(queryid, findings);
        return { label: oneLine(String(r.query)), sql: String(r.query), queryid, hypothetical: from.flatMap(createIndexes), hypoFrom: from.map((f) => f.id) };
      });
  }
  return [];
}
