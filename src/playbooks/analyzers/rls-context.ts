// Session context variables the policies read (current_setting('app.…'), directly or through a SQL
// function such as auth.uid()), and policies that let every row through when such a variable is unset.
import { parse } from 'libpg-query';
import type { Analyzer, FindingRow } from '../analyzer.ts';
import type { Row } from '../types.ts';
import { resolveFn, toFnInfos, type FnInfo } from './rls-functions.ts';
import { boolConst, funcRef, parseExpr, some, stringConst, walk, type Node } from './policy-expr.ts';

export interface ContextRead {
  variable: string;
  missingOk: boolean;
  /** the SQL function that reads it, or null when the policy calls current_setting itself */
  via: string | null;
}

function isCurrentSetting(fc: Node): boolean {
  const ref = funcRef(fc);
  return ref.name === 'current_setting' && (ref.schema === null || ref.schema === 'pg_catalog');
}

function directRead(fc: Node): Omit<ContextRead, 'via'> | null {
  if (!isCurrentSetting(fc)) return null;
  const args = (fc.args as unknown[] | undefined) ?? [];
  const variable = stringConst(args[0]);
  return variable === null ? null : { variable, missingOk: boolConst(args[1]) === true };
}

/** Settings a SQL function's body reads with current_setting (one level: what policies call directly). */
export async function bodyReads(fn: FnInfo): Promise<Omit<ContextRead, 'via'>[]> {
  if (!fn.sqlBody) return [];
  let tree: unknown;
  try {
    tree = await parse(fn.sqlBody);
  } catch {
    return [];
  }
  const out: Omit<ContextRead, 'via'>[] = [];
  walk(tree, (v) => {
    if (v.type !== 'FuncCall') return;
    const r = directRead(v.node);
    if (r) out.push(r);
  });
  return out;
}

/** Every context read in an expression, subqueries included. */
export function contextReads(root: unknown, fns: FnInfo[], viaFunctions: Map<FnInfo, Omit<ContextRead, 'via'>[]>): ContextRead[] {
  const out: ContextRead[] = [];
  walk(root, (v) => {
    if (v.type !== 'FuncCall') return;
    const direct = directRead(v.node);
    if (direct) {
      out.push({ ...direct, via: null });
      return;
    }
    const fn = resolveFn(fns, v.node);
    for (const r of (fn && viaFunctions.get(fn)) ?? []) out.push({ ...r, via: `${fn!.schema}.${fn!.name}` });
  });
  return out;
}

/**
 * OR branches that let every row through when a context variable is unset: `current_setting(…, true) IS NULL
 * OR …`, with no column of the table in the branch.
 */
export function failOpenBranches(root: unknown, fns: FnInfo[], viaFunctions: Map<FnInfo, Omit<ContextRead, 'via'>[]>): ContextRead[] {
  const out: ContextRead[] = [];
  walk(root, (v) => {
    if (v.type !== 'BoolExpr' || v.node.boolop !== 'OR_EXPR') return;
    for (const branch of (v.node.args as Node[]) ?? []) {
      if (some(branch, (x) => x.type === 'ColumnRef' && !x.inSubLink)) continue;
      walk(branch, (x) => {
        if (x.type === 'BoolExpr' && x.node.boolop === 'NOT_EXPR') return false;
        if (x.type === 'NullTest' && x.node.nulltesttype === 'IS_NULL') out.push(...contextReads(x.node.arg, fns, viaFunctions));
      });
    }
  });
  return out;
}

export const rlsContext: Analyzer = {
  async run(ctx) {
    const fns = toFnInfos(ctx.inputs.policy_functions);
    const viaFunctions = new Map<FnInfo, Omit<ContextRead, 'via'>[]>();
    for (const fn of fns) viaFunctions.set(fn, await bodyReads(fn));

    const uses = new Map<string, { variable: string; via: Set<string>; missingOk: Set<boolean>; policies: Set<string>; tables: Set<string> }>();
    const findings: FindingRow[] = [];
    for (const pol of ctx.inputs.policies ?? []) {
      const target = String(pol.target);
      const failOpen = new Map<string, ContextRead>();
      for (const text of [pol.using_expr, pol.check_expr]) {
        if (typeof text !== 'string' || !text) continue;
        let root: Node;
        try {
          root = (await parseExpr(text)).root;
        } catch {
          continue;
        }
        for (const r of contextReads(root, fns, viaFunctions)) {
          const u = uses.get(r.variable) ?? { variable: r.variable, via: new Set(), missingOk: new Set(), policies: new Set(), tables: new Set() };
          u.via.add(r.via ?? 'current_setting');
          u.missingOk.add(r.missingOk);
          u.policies.add(target);
          u.tables.add(String(pol.quoted_table));
          uses.set(r.variable, u);
        }
        for (const r of failOpenBranches(root, fns, viaFunctions)) failOpen.set(r.variable, r);
      }
      if (!failOpen.size) continue;
      const vars = [...failOpen.keys()].sort();
      findings.push({
        target,
        title: `Policy ${String(pol.quoted_policy)} on ${String(pol.quoted_table)} lets every row through when ${vars.join(', ')} is not set`,
        rationale:
          `One branch of the policy's OR is true when ${vars.join(', ')} is NULL (unset, or read with missing_ok) and does not look at the row, ` +
          `so a connection that forgot to set it, or a job that never does, sees and changes every row. Fail closed instead: make ` +
          `that branch require a set value, and give the jobs that need every row a role with BYPASSRLS or its own policy.`,
        evidence: { command: pol.command, roles: pol.roles, using: pol.using_expr ?? null, with_check: pol.check_expr ?? null, variables: vars },
        up: null,
        down: null,
      });
    }
    const rows: Row[] = [...uses.values()]
      .sort((a, b) => a.variable.localeCompare(b.variable))
      .map((u) => ({
        variable: u.variable,
        read_by: [...u.via].sort().join(', '),
        missing_ok: [...u.missingOk].sort().map(String).join(', '),
        policies: u.policies.size,
        tables: [...u.tables].sort().join(', '),
      }));
    return { columns: ['variable', 'read_by', 'missing_ok', 'policies', 'tables'], rows, findings };
  },
};
