// The policy-expression parser, spans and rewrites, and the analyzers' expression logic, without a server.
import { describe, expect, it } from 'vitest';
import { ExprError, conjuncts, parseExpr, walk, wrapInSelect } from '../../../src/playbooks/analyzers/policy-expr.ts';
import { perRowCalls } from '../../../src/playbooks/analyzers/rls-initplan.ts';
import { filteredColumn, indexName } from '../../../src/playbooks/analyzers/rls-policy-index.ts';
import { contextReads, failOpenBranches } from '../../../src/playbooks/analyzers/rls-context.ts';
import type { FnInfo } from '../../../src/playbooks/analyzers/rls-functions.ts';

const fn = (schema: string, name: string, volatility: FnInfo['volatility'], nargs = 0, more: Partial<FnInfo> = {}): FnInfo => ({
  schema, name, nargs, nargdefaults: 0, variadic: false, volatility, returnsSet: false, language: 'sql', sqlBody: null, ...more,
});
const FNS: FnInfo[] = [
  fn('pg_catalog', 'current_setting', 'stable', 1),
  fn('pg_catalog', 'current_setting', 'stable', 2),
  fn('auth', 'uid', 'stable'),
  fn('auth', 'jwt', 'stable'),
  fn('app', 'is_set', 'volatile', 1),
  fn('app', 'norm', 'immutable', 1),
  fn('app', 'has_role', 'stable', 2, { nargdefaults: 1 }),
  fn('app', 'my_tenants', 'stable', 0, { returnsSet: true }),
  fn('Sch "é" Ü', 'Current Ü', 'stable'),
];

async function rewrite(expr: string): Promise<string> {
  const p = await parseExpr(expr);
  const calls = perRowCalls(p, FNS).filter((c) => c.kind === 'stable');
  return wrapInSelect(p, calls.map((c) => c.range!));
}

describe('parseExpr', () => {
  it('refuses what is not one expression, with one line', async () => {
    await expect(parseExpr('1; DROP TABLE x')).rejects.toThrow(ExprError);
    await expect(parseExpr('(unbalanced')).rejects.toThrow(/^cannot parse expression: [^\n]+$/);
    await expect(parseExpr('1 FROM t')).rejects.toThrow('not a single expression');
  });

  it('walks every node and knows which are inside a subquery or an OR', async () => {
    const p = await parseExpr('(a = 1) OR (b IN (SELECT c FROM t WHERE d = auth.uid()))');
    const seen: string[] = [];
    walk(p.root, (v) => {
      if (v.type === 'ColumnRef') seen.push(`${JSON.stringify(v.node.fields)}:${v.inSubLink}:${v.underOr}`);
    });
    expect(seen).toEqual([
      '[{"String":{"sval":"a"}}]:false:true',
      '[{"String":{"sval":"b"}}]:false:true',
      '[{"String":{"sval":"c"}}]:true:true',
      '[{"String":{"sval":"d"}}]:true:true',
    ]);
  });
});

describe('per-row calls and their rewrite', () => {
  it('wraps a STABLE call with row-independent arguments', async () => {
    expect(await rewrite('(user_id = auth.uid())')).toBe('(user_id = (SELECT auth.uid()))');
    expect(await rewrite('((auth.jwt() ->> \'role\'::text) = \'admin\'::text)')).toBe("(((SELECT auth.jwt()) ->> 'role'::text) = 'admin'::text)");
  });

  it('moves casts applied to the call inside, multi-word types and grouping parentheses included', async () => {
    expect(await rewrite("(owner = (current_setting('app.uid'::text))::integer)")).toBe(
      "(owner = (SELECT (current_setting('app.uid'::text))::integer))",
    );
    expect(await rewrite("(ts >= (current_setting('app.t'::text, true))::timestamp with time zone)")).toBe(
      "(ts >= (SELECT (current_setting('app.t'::text, true))::timestamp with time zone))",
    );
    expect(await rewrite("(org = ((current_setting('c'::text, true))::jsonb ->> 'org'::text)::uuid)")).toBe(
      "(org = ((SELECT (current_setting('c'::text, true))::jsonb) ->> 'org'::text)::uuid)",
    );
    expect(await rewrite("(v = (current_setting('x'::text))::character varying(10)[])")).toBe(
      "(v = (SELECT (current_setting('x'::text))::character varying(10)[]))",
    );
  });

  it('keeps byte offsets right around multi-byte identifiers', async () => {
    expect(await rewrite('("Ünï ""q""" = "Sch ""é"" Ü"."Current Ü"()) AND ("😀" = auth.uid())')).toBe(
      '("Ünï ""q""" = (SELECT "Sch ""é"" Ü"."Current Ü"())) AND ("😀" = (SELECT auth.uid()))',
    );
  });

  it('wraps the outer call when a row-independent call takes a STABLE result', async () => {
    expect(await rewrite('(t = app.has_role(auth.uid(), \'owner\'::text))')).toBe("(t = (SELECT app.has_role(auth.uid(), 'owner'::text)))");
  });

  it('leaves alone: calls on row columns, subqueries, IMMUTABLE, set-returning and unknown functions', async () => {
    const none = async (e: string) => expect(perRowCalls(await parseExpr(e), FNS).filter((c) => c.kind === 'stable')).toEqual([]);
    await none('(app.has_role(account_id) = true)');
    await none('(user_id = ( SELECT auth.uid() AS uid))');
    await none('(t IN ( SELECT m.t FROM members m WHERE (m.u = auth.uid())))');
    await none("(x = app.norm('a'::text))");
    await none('(t IN ( SELECT app.my_tenants() AS my_tenants))');
    await none('(t = ANY (ARRAY(SELECT app.my_tenants())))');
    await none('(x = lower(upper(y)))');
    await none('(x = now())');
  });

  it('looks at the test expression of IN (subquery), which runs per row', async () => {
    expect(await rewrite('(auth.uid() IN ( SELECT m.u FROM members m))')).toBe('((SELECT auth.uid()) IN ( SELECT m.u FROM members m))');
  });

  it('hoists a call whose arguments include a known STABLE call, not an unknown one', async () => {
    expect(await rewrite("(t = app.has_role(app.norm('x'::text)))")).toBe("(t = (SELECT app.has_role(app.norm('x'::text))))");
    expect(await rewrite('(t = app.has_role(lower(name)))')).toBe('(t = app.has_role(lower(name)))');
  });

  it('reports VOLATILE user functions with constant arguments as advice, never rewrites them', async () => {
    const calls = perRowCalls(await parseExpr("((app.is_set('x'::text) = true) AND (a = auth.uid()))"), FNS);
    expect(calls.map((c) => [c.kind, c.text])).toEqual([
      ['volatile', "app.is_set('x'::text)"],
      ['stable', 'auth.uid()'],
    ]);
    expect(calls[0].range).toBeNull();
  });
});

describe('policy filter columns', () => {
  const cols = ['user_id', 'tenant_id', 'status', 'Ünï'];
  const col = async (e: string) => conjuncts((await parseExpr(e)).root).map((t) => filteredColumn(t, 'docs', cols, FNS));

  it('finds equality, IN and = ANY against a session value in top-level AND terms', async () => {
    expect(await col("((user_id = auth.uid()) AND (status = 'live'::text))")).toEqual(['user_id', null]);
    expect(await col('(tenant_id IN ( SELECT m.tenant_id FROM members m WHERE (m.user_id = auth.uid())))')).toEqual(['tenant_id']);
    expect(await col("(tenant_id = ANY (ARRAY[(current_setting('a'::text))::integer, 2]))")).toEqual(['tenant_id']);
    expect(await col('(( SELECT auth.uid() AS uid) = docs."Ünï")')).toEqual(['Ünï']);
  });

  it('ignores constants, OR, correlated subqueries, volatile values and other tables\' columns', async () => {
    expect(await col("(status = 'live'::text)")).toEqual([null]);
    expect(await col('((user_id = auth.uid()) OR (tenant_id = 1))')).toEqual([null]);
    expect(await col('(tenant_id IN ( SELECT m.tenant_id FROM members m WHERE (m.user_id = docs.user_id)))')).toEqual([null]);
    expect(await col("(user_id = app.is_set('x'::text))")).toEqual([null]);
    expect(await col('(other = auth.uid())')).toEqual([null]);
    expect(await col('((user_id)::text = (auth.uid())::text)')).toEqual([null]);
  });

  it('names indexes within 63 bytes, at a character boundary, avoiding taken names', () => {
    const taken = new Set(['docs_user_id_idx']);
    expect(indexName('docs', 'user_id', taken)).toBe('docs_user_id_idx1');
    const long = indexName('ü'.repeat(40), 'c', new Set());
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toBe('ü'.repeat(29) + '_idx');
  });
});

describe('context variables', () => {
  const via = new Map<FnInfo, { variable: string; missingOk: boolean }[]>([[FNS[2], [{ variable: 'request.jwt.claims', missingOk: true }]]]);

  it('reads variables directly and through SQL functions', async () => {
    const p = await parseExpr("((a = current_setting('app.user'::text)) AND (b = auth.uid()))");
    expect(contextReads(p.root, FNS, via)).toEqual([
      { variable: 'app.user', missingOk: false, via: null },
      { variable: 'request.jwt.claims', missingOk: true, via: 'auth.uid' },
    ]);
  });

  it('finds OR branches that pass every row when a variable is unset; not NOT NULL tests nor row tests', async () => {
    const open = async (e: string) => failOpenBranches((await parseExpr(e)).root, FNS, via).map((r) => r.variable);
    expect(await open("((current_setting('app.t'::text, true) IS NULL) OR (t = current_setting('app.t'::text, true)))")).toEqual(['app.t']);
    expect(await open('((auth.uid() IS NULL) OR (u = auth.uid()))')).toEqual(['request.jwt.claims']);
    expect(await open("((current_setting('app.t'::text, true) IS NOT NULL) OR (t = 1))")).toEqual([]);
    expect(await open("(((current_setting('app.t'::text, true) IS NULL) AND (t IS NULL)) OR (t = 1))")).toEqual([]);
    expect(await open("((current_setting('app.t'::text, true) IS NULL) AND (t = 1))")).toEqual([]);
    // the column in `t IN (SELECT …)` is the row's: that branch looks at the row
    expect(await open("(((current_setting('app.t'::text, true) IS NULL) AND (t IN ( SELECT m.t FROM m))) OR (t = 1))")).toEqual([]);
  });
});
