// One index for one need, across every playbook. Checks propose indexes independently — a foreign key
// without an index, a column RLS policies filter on, the workload's statements — and accepting them all
// must not create the same index twice, nor two indexes where one leads the other (the next run would
// call the narrower one redundant). When one proposed index serves another finding's need, that finding
// is folded into it: it disappears from the list, and the index that serves it says so. A workload index
// whose equality keys can go in any order is reordered to lead with the other need's columns when that
// lets it serve both.
// Proposals are compared table by table, read with the project's lexer (index-read.ts): the parser's
// WebAssembly is loaded only for a proposal that shares its table with another and holds more than that
// reader reads, or to reorder a workload proposal (whose run has loaded the parser already).
import { createIndexSql, quoteIdent, sameTable, serves, type IndexKeySpec, type ParsedIndex } from './index-spec.ts';
import { readCreateIndexes } from './index-read.ts';
import { severityRank, type CellRun, type Finding, type RunResult } from './types.ts';

interface Parser {
  indexStatements: typeof import('./index-parse.ts').indexStatements;
  splitStatements: typeof import('../migration/statements.ts').splitStatements;
}

async function loadParser(): Promise<Parser> {
  const [{ indexStatements }, { splitStatements }] = await Promise.all([import('./index-parse.ts'), import('../migration/statements.ts')]);
  return { indexStatements, splitStatements };
}

interface Proposal {
  finding: Finding;
  index: ParsedIndex;
  /** leading keys whose order does not matter to the finding's need */
  free: number;
}

/** The check whose findings carry the workload's own index spec (and may be reordered). */
const WORKLOAD = { playbook: 'indexes', check: 'workload_indexes' };

const isWorkload = (f: Finding) => f.playbook === WORKLOAD.playbook && f.check === WORKLOAD.check;

/** A finding whose `up` creates one index, as the lexer reads it: the index, or only its table (null: not even that). */
interface Read {
  finding: Finding;
  index: ParsedIndex | null;
  table: string | null;
}

/** The findings that propose one named, non-unique index. */
function readProposals(findings: Finding[]): Read[] {
  const out: Read[] = [];
  for (const f of findings) {
    if (!f.up || !/\bindex\b/i.test(f.up)) continue;
    const creates = readCreateIndexes(f.up);
    if (creates.length !== 1) continue;
    const { index, head } = creates[0];
    if (head && (head.unique || !head.name)) continue;
    out.push({ finding: f, index, table: head?.table ?? null });
  }
  return out;
}

/** The index a finding proposes, read by the parser; null when it is not one named, non-unique index. */
function parsedProposal(parser: Parser, f: Finding): ParsedIndex | null {
  const { creates } = parser.indexStatements(f.up);
  return creates.length === 1 && !creates[0].unique && creates[0].name ? creates[0] : null;
}

export async function reconcileIndexProposals(data: RunResult): Promise<RunResult> {
  const read = readProposals(data.findings);
  const byTable = new Map<string, Read[]>();
  const file = (r: Read, table: string) => {
    const group = byTable.get(table);
    if (group) group.push(r);
    else byTable.set(table, [r]);
  };
  for (const r of read) if (r.table !== null) file(r, r.table);
  // proposals are compared table by table: only a table with two or more has anything to reconcile
  const shared = () => [...byTable.values()].filter((rs) => rs.length > 1);
  const unread = read.filter((r) => r.table === null);
  const needsParser = unread.length > 0 || shared().some((rs) => rs.some((r) => r.index === null || isWorkload(r.finding)));
  const parser = needsParser ? await loadParser() : null;
  const byId = new Map<string, Proposal>();
  const propose = (f: Finding, index: ParsedIndex) => {
    const free = Number((f.evidence.index as { free_prefix?: unknown } | undefined)?.free_prefix ?? index.keys.length);
    byId.set(f.id, { finding: f, index, free: Number.isFinite(free) ? free : index.keys.length });
  };
  for (const r of unread) {
    const index = parsedProposal(parser!, r.finding);
    if (index) file({ ...r, index, table: index.table }, index.table);
  }
  const groups = shared();
  for (const group of groups) {
    for (const r of group) {
      const index = r.index ?? parsedProposal(parser!, r.finding);
      if (index) propose(r.finding, index);
    }
  }
  const foldedInto = new Map<string, string>(); // folded finding id → the id of the finding that absorbs it
  const absorbs = new Map<string, Proposal[]>(); // keeper id → the proposals folded into it
  let changed = false;
  for (const group of groups) {
    const ids = group.map((r) => r.finding.id).filter((id) => byId.has(id)).sort();
    for (const aId of ids) {
      const a = byId.get(aId)!;
      for (const bId of ids) {
        if (aId === bId || foldedInto.has(bId)) continue;
        const b = byId.get(bId)!;
        let keeper = b;
        if (!serves(b.index, a.index, a.free)) {
          const reordered = parser && reorderToServe(parser, b, a);
          // a reorder must keep serving whatever was folded in before
          if (!reordered || (absorbs.get(bId) ?? []).some((x) => !serves(reordered.index, x.index, x.free))) continue;
          keeper = reordered;
        }
        // the same index both ways: the preferred one stays, and absorbs the other when its turn comes
        if (serves(a.index, keeper.index, keeper.free) && prefer(a, keeper)) continue;
        if (keeper !== b) byId.set(bId, keeper);
        foldedInto.set(aId, bId);
        absorbs.set(bId, [...(absorbs.get(bId) ?? []), a, ...(absorbs.get(aId) ?? [])]);
        absorbs.delete(aId);
        for (const [x, into] of foldedInto) if (into === aId) foldedInto.set(x, bId);
        changed = true;
        break;
      }
    }
  }
  if (!changed) return data;

  const findings = data.findings
    .filter((f) => !foldedInto.has(f.id))
    .map((f) => {
      const mine = byId.get(f.id)?.finding ?? f;
      const also = absorbs.get(f.id);
      return also ? absorb(mine, also.map((p) => p.finding)) : mine;
    });
  const notes = new Map<string, number>();
  for (const id of foldedInto.keys()) {
    const f = byId.get(id)!.finding;
    const key = `${f.playbook}\u0000${f.check}`;
    notes.set(key, (notes.get(key) ?? 0) + 1);
  }
  // the alignment table names the workload's proposals: one folded into another names the index that serves it
  const movedTo = new Map<string, { target: string; name: string }>();
  for (const [id, into] of foldedInto) {
    const keeper = byId.get(into)!;
    movedTo.set(byId.get(id)!.finding.target, { target: keeper.finding.target, name: keeper.index.name ?? '' });
  }
  const playbooks = data.playbooks.map((p) => ({
    ...p,
    runs: p.runs.map((r): CellRun => {
      const aligned = p.id === WORKLOAD.playbook && r.cell === WORKLOAD.check ? realign(r, movedTo) : r;
      const n = notes.get(`${p.id}\u0000${r.cell}`);
      if (!n) return aligned;
      const note = `${n} finding${n === 1 ? '' : 's'} folded into another proposal whose index serves the same need (see its evidence: also_serves)`;
      return { ...aligned, reason: aligned.reason ? `${aligned.reason}; ${note}` : note };
    }),
  }));
  return { ...data, playbooks, findings };
}

/** The alignment rows' proposals (`proposed` names, `proposed_targets` targets, `; `-separated) with folded ones replaced by their keepers. */
function realign(run: CellRun, movedTo: Map<string, { target: string; name: string }>): CellRun {
  if (!run.columns.includes('proposed_targets') || !run.columns.includes('proposed')) return run;
  let changed = false;
  const rows = run.rows.map((row) => {
    if (typeof row.proposed_targets !== 'string' || typeof row.proposed !== 'string') return row;
    const targets = row.proposed_targets.split('; ');
    const names = row.proposed.split('; ');
    if (!targets.some((t) => movedTo.has(t)) || names.length !== targets.length) return row;
    changed = true;
    const pairs = targets.map((t, i) => movedTo.get(t) ?? { target: t, name: names[i] });
    const kept = pairs.filter((x, i) => pairs.findIndex((y) => y.target === x.target) === i);
    return { ...row, proposed: kept.map((x) => x.name).join('; '), proposed_targets: kept.map((x) => x.target).join('; ') };
  });
  return changed ? { ...run, rows } : run;
}

/** Which of two proposals of the same index stays: the workload's, then the one with the lower id. */
function prefer(a: Proposal, b: Proposal): boolean {
  const w = (p: Proposal) => (isWorkload(p.finding) ? 1 : 0);
  return w(a) > w(b) || (w(a) === w(b) && a.finding.id < b.finding.id);
}

function absorb(f: Finding, others: Finding[]): Finding {
  const sorted = [...others].sort((x, y) => (x.id < y.id ? -1 : 1));
  const severity = [f, ...sorted].reduce((s, x) => (severityRank(x.severity) > severityRank(s) ? x.severity : s), f.severity);
  const list = sorted.map((o) => `${o.title} (${o.id})`).join('; ');
  return {
    ...f,
    severity,
    rationale: `${f.rationale} The same index also serves ${list}: ${sorted.length === 1 ? 'that finding is' : 'those findings are'} folded in here, so accepting this one is enough.`,
    evidence: { ...f.evidence, also_serves: sorted.map((o) => ({ id: o.id, check: `${o.playbook}/${o.check}`, title: o.title, severity: o.severity })) },
  };
}

/**
 * A workload proposal whose equality keys (free to reorder) include all of `need`'s key columns, reordered
 * so they lead; null when that is not possible (expressions, a predicate, INCLUDE, another method).
 */
function reorderToServe(parser: Parser, b: Proposal, need: Proposal): Proposal | null {
  const f = b.finding;
  if (!isWorkload(f) || !sameTable(b.index, need.index)) return null;
  const spec = f.evidence.index as { schema?: string; table?: string; name?: string; method?: string; keys?: { column: string | null; desc: boolean; nulls: 'first' | 'last' | null; opclass: string | null }[]; include?: string[]; predicate?: unknown } | undefined;
  if (!spec?.keys || !spec.schema || !spec.table || !spec.name || spec.method !== 'btree' || spec.predicate || spec.include?.length) return null;
  if (b.index.predicate || need.index.predicate || need.index.method !== 'btree' || need.index.include.length) return null;
  const wanted = need.index.keys.map((k) => k.column);
  if (wanted.some((c) => c === null) || wanted.length > b.free) return null;
  const lead = spec.keys.slice(0, b.free);
  if (lead.some((k) => k.column === null || k.opclass) || !wanted.every((c) => lead.some((k) => k.column === c))) return null;
  const order = [...wanted.map((c) => lead.find((k) => k.column === c)!), ...lead.filter((k) => !wanted.includes(k.column)), ...spec.keys.slice(b.free)];
  const keys: IndexKeySpec[] = order.map((k) => ({ sql: k.column ? quoteIdent(k.column) : '', label: k.column ?? '', column: k.column, opclass: k.opclass, desc: k.desc, nulls: k.nulls }));
  if (keys.some((k) => !k.column)) return null;
  const { creates } = parser.indexStatements(f.up);
  const oldCreate = creates[0];
  const newCreate = createIndexSql({ schema: spec.schema, table: spec.table, name: spec.name, method: 'btree', keys, include: [], predicate: null, freePrefix: b.free });
  let statements: string[];
  try {
    statements = parser.splitStatements(f.up!, `finding ${f.id}: up`).map((x) => (x.node.IndexStmt ? newCreate : x.sql));
  } catch {
    return null;
  }
  if (!oldCreate) return null;
  const up = statements.join(';\n');
  const oldLabels = spec.keys.map((k) => `${k.column}${k.desc ? ' DESC' : ''}`).join(', ');
  const newLabels = order.map((k) => `${k.column}${k.desc ? ' DESC' : ''}`).join(', ');
  const finding: Finding = {
    ...f,
    up,
    title: f.title.replace(`(${oldLabels})`, `(${newLabels})`),
    evidence: { ...f.evidence, index: { ...spec, keys: order }, reordered_for: need.finding.id },
  };
  const index = parser.indexStatements(up).creates[0];
  return index ? { finding, index, free: b.free } : null;
}
