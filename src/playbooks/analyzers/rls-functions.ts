// What the policy analyzers know about functions: rows of the `policy_functions` probe (pg_proc), and
// the questions they answer about a call in a policy expression.
import type { Row } from '../types.ts';
import { funcRef, isPlainCall, some, type Node, type Visit } from './policy-expr.ts';

export type Volatility = 'immutable' | 'stable' | 'volatile';

export interface FnInfo {
  schema: string;
  name: string;
  nargs: number;
  nargdefaults: number;
  variadic: boolean;
  volatility: Volatility;
  returnsSet: boolean;
  language: string;
  sqlBody: string | null;
}

export function toFnInfos(rows: Row[] | undefined): FnInfo[] {
  return (rows ?? []).map((r) => ({
    schema: String(r.schema),
    name: String(r.name),
    nargs: Number(r.nargs),
    nargdefaults: Number(r.nargdefaults ?? 0),
    variadic: Boolean(r.variadic),
    volatility: String(r.volatility) as Volatility,
    returnsSet: Boolean(r.returns_set),
    language: String(r.language ?? ''),
    sqlBody: r.sql_body == null ? null : String(r.sql_body),
  }));
}

/**
 * The pg_proc entry a call resolves to, or null when unknown or ambiguous. Expressions are printed with an
 * empty search_path, so an unqualified name is a pg_catalog function.
 */
export function resolveFn(fns: FnInfo[], fc: Node): FnInfo | null {
  const ref = funcRef(fc);
  const schema = ref.schema ?? 'pg_catalog';
  const candidates = fns.filter(
    (f) =>
      f.schema === schema &&
      f.name === ref.name &&
      ((ref.nargs <= f.nargs && ref.nargs >= f.nargs - f.nargdefaults) || (f.variadic && ref.nargs >= f.nargs - 1)),
  );
  if (!candidates.length) return null;
  const [first] = candidates;
  return candidates.every((c) => c.volatility === first.volatility && c.returnsSet === first.returnsSet) ? first : null;
}

/**
 * True when a call's arguments cannot depend on the current row and cannot change between calls: no
 * column reference anywhere in them (subqueries included), and every function in them known and not
 * VOLATILE.
 */
export function argsRowIndependent(fns: FnInfo[], fc: Node): boolean {
  const args = (fc.args as unknown[] | undefined) ?? [];
  return !some(args, (v: Visit) => {
    if (v.type === 'ColumnRef' || v.type === 'ParamRef') return true;
    if (v.type === 'FuncCall') {
      const f = resolveFn(fns, v.node);
      return !f || f.volatility === 'volatile' || f.returnsSet || !isPlainCall(v.node);
    }
    return false;
  });
}

export function containsStableCall(fns: FnInfo[], node: unknown): boolean {
  return some(node, (v) => v.type === 'FuncCall' && resolveFn(fns, v.node)?.volatility === 'stable');
}
