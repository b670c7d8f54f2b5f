// Policies that call a STABLE function once per row when once per query would do: found in the parsed
// expression, fixed by wrapping each such call in (SELECT …) so the planner runs it as an InitPlan.
import type { Analyzer, FindingRow } from '../analyzer.ts';
import { lockOf } from '../locks.ts';
import type { Row } from '../types.ts';
import { argsRowIndependent, containsStableCall, resolveFn, toFnInfos, type FnInfo } from './rls-functions.ts';
import { callTokens, hoistRange, isPlainCall, parseExpr, sourceText, walk, wrapInSelect, type ParsedExpr, type Visit } from './policy-expr.ts';

export interface PerRowCall {
  kind: 'stable' | 'volatile';
  fn: FnInfo;
  /** the function's name as printed in the expression (already quoted by the server) */
  name: string;
  /** source text of what would be wrapped (the call, with a cast applied to it) */
  text: string;
  /** byte range to wrap in (SELECT …); null when the text could not be delimited safely */
  range: [number, number] | null;
}

/** Calls evaluated once per row that could run once per query; subqueries are left alone. */
export function perRowCalls(p: ParsedExpr, fns: FnInfo[]): PerRowCall[] {
  const out: PerRowCall[] = [];
  const visit = (v: Visit): boolean | void => {
    if (v.type === 'SubLink') {
      // the subquery already runs apart from the row; its test expression (x IN (…)) does not
      if (v.node.testexpr) walk(v.node.testexpr, visit);
      return false;
    }
    if (v.type !== 'FuncCall') return;
    const fn = resolveFn(fns, v.node);
    if (!fn || fn.returnsSet || !isPlainCall(v.node) || !argsRowIndependent(fns, v.node)) return;
    const tokens = callTokens(p, v.node);
    const name = tokens ? nameText(p, tokens[0]) : fn.name;
    if (fn.volatility === 'volatile') {
      if (fn.schema !== 'pg_catalog') out.push({ kind: 'volatile', fn, name, text: tokens ? span(p, tokens) : name, range: null });
      return false;
    }
    if (fn.volatility === 'stable' || containsStableCall(fns, v.node.args)) {
      const range = hoistRange(p, v);
      out.push({ kind: 'stable', fn, name, text: range ? sourceText(p, range) : tokens ? span(p, tokens) : name, range });
    }
    // an IMMUTABLE call with constant arguments is folded by the planner: nothing to do, nothing below
    return false;
  };
  walk(p.root, visit);
  return out;
}

function span(p: ParsedExpr, [s, e]: [number, number]): string {
  return sourceText(p, [p.tokens[s].start, p.tokens[e].end]);
}

function nameText(p: ParsedExpr, first: number): string {
  let j = first;
  while (p.tokens[j + 1] && p.tokens[j + 1].text !== '(') j++;
  return span(p, [first, j]);
}

type Clause = 'USING' | 'WITH CHECK';

interface ClauseResult {
  clause: Clause;
  original: string;
  calls: PerRowCall[];
  rewritten: string | null;
}

async function analyseClause(clause: Clause, text: string, fns: FnInfo[]): Promise<ClauseResult> {
  const parsed = await parseExpr(text);
  const calls = perRowCalls(parsed, fns);
  const stable = calls.filter((c) => c.kind === 'stable');
  let rewritten: string | null = null;
  if (stable.length && stable.every((c) => c.range)) {
    const next = wrapInSelect(parsed, stable.map((c) => c.range!));
    // the rewrite must parse and leave nothing to hoist, or it is not offered
    const again = await parseExpr(next).then((p) => perRowCalls(p, fns)).catch(() => null);
    if (again && !again.some((c) => c.kind === 'stable')) rewritten = next;
  }
  return { clause, original: text, calls, rewritten };
}

export const rlsInitplan: Analyzer = {
  async run(ctx) {
    const fns = toFnInfos(ctx.inputs.policy_functions);
    const rows: Row[] = [];
    const findings: FindingRow[] = [];
    const volatile = new Map<string, { name: string; text: Set<string>; policies: string[] }>();

    for (const pol of ctx.inputs.policies ?? []) {
      const target = String(pol.target);
      const results: ClauseResult[] = [];
      for (const [clause, text] of [['USING', pol.using_expr], ['WITH CHECK', pol.check_expr]] as const) {
        if (typeof text !== 'string' || !text) continue;
        try {
          results.push(await analyseClause(clause, text, fns));
        } catch (err) {
          rows.push({ policy: target, clause, per_row_calls: '', rewritten: `not analysed: ${(err as Error).message}` });
        }
      }
      for (const r of results) {
        for (const c of r.calls.filter((x) => x.kind === 'volatile')) {
          const key = `${c.fn.schema}.${c.fn.name}`;
          const entry = volatile.get(key) ?? { name: c.name, text: new Set<string>(), policies: [] };
          entry.text.add(c.text);
          if (!entry.policies.includes(target)) entry.policies.push(target);
          volatile.set(key, entry);
        }
      }
      const hits = results.filter((r) => r.calls.some((c) => c.kind === 'stable'));
      if (!hits.length) continue;
      for (const r of hits) {
        rows.push({
          policy: target,
          clause: r.clause,
          per_row_calls: r.calls.filter((c) => c.kind === 'stable').map((c) => c.text).join(', '),
          rewritten: r.rewritten ?? '(not rewritten: rewrite by hand)',
        });
      }
      const names = [...new Set(hits.flatMap((r) => r.calls.filter((c) => c.kind === 'stable').map((c) => `${c.name}()`)))];
      const rewritable = hits.every((r) => r.rewritten !== null);
      const readPath = hits.some((r) => r.clause === 'USING');
      const alter = String(pol.alter_policy);
      findings.push({
        target,
        title: `Policy ${String(pol.quoted_policy)} on ${String(pol.quoted_table)} calls ${names.join(', ')} once per row`,
        rationale:
          `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} STABLE and called with arguments that do not depend on the row, ` +
          `so ${names.length > 1 ? 'they return' : 'it returns'} the same value for every row, yet the policy calls ${names.length > 1 ? 'them' : 'it'} again for each row it checks. ` +
          `Written as (SELECT …) the call becomes an InitPlan that runs once per query; the rows each user sees stay the same.` +
          (readPath ? '' : ' Only the WITH CHECK expression is affected, which runs once per written row.') +
          (rewritable ? '' : ' The expression could not be rewritten automatically; wrap the calls by hand.'),
        severity: readPath ? 'warning' : 'info',
        evidence: {
          command: pol.command,
          roles: pol.roles,
          calls: hits.flatMap((r) => r.calls.filter((c) => c.kind === 'stable').map((c) => ({ clause: r.clause, call: c.text, volatility: c.fn.volatility }))),
          using: pol.using_expr ?? null,
          with_check: pol.check_expr ?? null,
          rewritten: Object.fromEntries(hits.map((r) => [r.clause === 'USING' ? 'using' : 'with_check', r.rewritten])),
          ...(rewritable ? { lock: lockOf('ACCESS EXCLUSIVE', [String(pol.quoted_table)], 'brief') } : {}),
        },
        up: rewritable ? `${alter} ${hits.map((r) => `${r.clause} (${r.rewritten})`).join(' ')};` : null,
        down: rewritable ? `${alter} ${hits.map((r) => `${r.clause} (${r.original})`).join(' ')};` : null,
      });
    }

    for (const [key, v] of [...volatile].sort((a, b) => a[0].localeCompare(b[0]))) {
      findings.push({
        target: v.name,
        key: `volatile:${key}`,
        title: `${v.name}() is VOLATILE and runs once per row in ${v.policies.length} ${v.policies.length > 1 ? 'policies' : 'policy'}`,
        rationale:
          `Its arguments are constants, so its result cannot depend on the row, but because it is declared VOLATILE (the default for ` +
          `CREATE FUNCTION) Postgres must call it for every row, and wrapping it in (SELECT …) would change its meaning. If it only ` +
          `reads data or session settings, declare it STABLE (ALTER FUNCTION … STABLE); the per-row check then offers the rewrite.`,
        severity: 'info',
        evidence: { calls: [...v.text], policies: v.policies },
        up: null,
        down: null,
      });
    }
    return { columns: ['policy', 'clause', 'per_row_calls', 'rewritten'], rows, findings };
  },
};
