// One index for one need across playbooks: proposals of the same index, or of an index another one
// leads, are folded into the one that serves both; a workload index is reordered to serve a need.
import { describe, expect, test } from 'vitest';
import { reconcileIndexProposals } from '../../src/playbooks/reconcile.ts';
import type { Finding, RunResult, Severity } from '../../src/playbooks/types.ts';

function finding(id: string, up: string | null, extra: Partial<Finding> = {}): Finding {
  const [playbook, check] = id.split('/');
  return { id, playbook, check, severity: 'warning', target: id.split('/').slice(2).join('/'), title: `title of ${id}`, rationale: 'why.', evidence: {}, up, down: null, drops: [], keeps: [], ...extra };
}

function workload(name: string, cols: string[], free: number, severity: Severity = 'info', extra = ''): Finding {
  return finding(`indexes/workload_indexes/public.rental.${name}`, `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${name}" ON "public"."rental" USING btree (${cols.map((c) => `"${c}"`).join(', ')})${extra}`, {
    severity,
    title: `Add index on public.rental (${cols.join(', ')})`,
    evidence: { index: { schema: 'public', table: 'rental', name, method: 'btree', keys: cols.map((c) => ({ key: c, column: c, opclass: null, desc: false, nulls: null })), include: [], predicate: null, free_prefix: free } },
  });
}

function session(findings: Finding[]): RunResult {
  const runs = [...new Set(findings.map((f) => `${f.playbook}/${f.check}`))];
  const playbooks = [...new Set(findings.map((f) => f.playbook))].map((id) => ({
    id,
    title: id,
    summary: '',
    blocks: [],
    runs: runs
      .filter((r) => r.startsWith(`${id}/`))
      .map((r) => ({ playbook: id, cell: r.split('/')[1], kind: 'check' as const, title: r, sql: null, status: 'ok' as const, reason: null, durationMs: 1, columns: [], rows: [], rowCount: 0, truncated: false })),
  }));
  return { server: {} as RunResult['server'], playbooks, findings, skipped: [] };
}

const FK = finding('indexes/fk_without_index/public.rental.rental_customer_id_fkey', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS rental_customer_id_idx ON public.rental USING btree (customer_id);');
const POLICY = finding('rls-security/policy_columns_unindexed/public.rental.staff_id', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "rental_staff_id_idx" ON public.rental (staff_id);', { severity: 'critical' });

describe('reconcileIndexProposals', () => {
  test('a foreign key whose columns lead a workload index is folded into it, which says so and takes the higher severity', async () => {
    const wide = workload('rental_customer_id_rental_date_idx', ['customer_id', 'rental_date'], 1);
    const out = await reconcileIndexProposals(session([FK, wide]));
    expect(out.findings.map((f) => f.id)).toEqual([wide.id]);
    const kept = out.findings[0];
    expect(kept.severity).toBe('warning');
    expect(kept.evidence.also_serves).toEqual([{ id: FK.id, check: 'indexes/fk_without_index', title: FK.title, severity: 'warning' }]);
    expect(kept.rationale).toMatch(/also serves title of indexes\/fk_without_index\/public\.rental\.rental_customer_id_fkey .*folded in here/);
    expect(out.playbooks[0].runs.find((r) => r.cell === 'fk_without_index')!.reason).toMatch(/^1 finding folded into another proposal/);
  });

  test('the same index from two checks is proposed once: the workload finding stays', async () => {
    const same = workload('rental_customer_id_idx', ['customer_id'], 1);
    expect((await reconcileIndexProposals(session([same, FK]))).findings.map((f) => f.id)).toEqual([same.id]);
    expect((await reconcileIndexProposals(session([FK, same]))).findings.map((f) => f.id)).toEqual([same.id]);
  });

  test('a workload index with free equality keys is reordered to lead with a policy column, keeping its name', async () => {
    const wide = workload('rental_customer_id_staff_id_idx', ['customer_id', 'staff_id', 'rental_date'], 2);
    const out = await reconcileIndexProposals(session([wide, POLICY]));
    expect(out.findings.map((f) => f.id)).toEqual([wide.id]);
    const kept = out.findings[0];
    expect(kept.up).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "rental_customer_id_staff_id_idx" ON "public"."rental" USING btree ("staff_id", "customer_id", "rental_date")');
    expect(kept.title).toBe('Add index on public.rental (staff_id, customer_id, rental_date)');
    expect(kept.severity).toBe('critical');
    expect(kept.evidence.reordered_for).toBe(POLICY.id);
  });

  test('near misses: an ordered key cannot move, another predicate or table serves nothing, unique indexes are left alone', async () => {
    const ordered = workload('rental_rental_date_staff_id_idx', ['rental_date', 'staff_id'], 0);
    const partial = workload('rental_staff_id_p_idx', ['staff_id'], 1, 'info', ' WHERE "return_date" IS NULL');
    const other = finding('indexes/fk_without_index/public.payment.p_fkey', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS p_idx ON public.payment USING btree (staff_id);');
    const unique = finding('schema-integrity/x/public.rental.u', 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON public.rental USING btree (staff_id, rental_date);');
    const data = session([ordered, partial, other, unique, POLICY]);
    expect(await reconcileIndexProposals(data)).toBe(data);
  });

  test('two needs served by one index, and a chain: both folded into the widest', async () => {
    const fk2 = finding('indexes/fk_without_index/public.rental.rental_staff_id_fkey', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS rental_staff_id_idx ON public.rental USING btree (staff_id);', { severity: 'info' });
    const wide = workload('rental_staff_id_rental_date_idx', ['staff_id', 'rental_date'], 1);
    const out = await reconcileIndexProposals(session([fk2, POLICY, wide]));
    expect(out.findings.map((f) => f.id)).toEqual([wide.id]);
    expect((out.findings[0].evidence.also_serves as { id: string }[]).map((x) => x.id).sort()).toEqual([fk2.id, POLICY.id].sort());
    expect(out.findings[0].severity).toBe('critical');
  });

  test('the alignment table names the proposal that serves a statement after a workload proposal is folded into another', async () => {
    const narrow = workload('rental_staff_id_idx', ['staff_id'], 1);
    const other = workload('rental_customer_id_idx', ['customer_id'], 1);
    const policyWide = finding('rls-security/policy_columns_unindexed/public.rental.staff_id', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "rental_staff_id_rental_date_idx" ON public.rental (staff_id, rental_date);');
    const data = session([narrow, other, policyWide]);
    const run = data.playbooks.find((p) => p.id === 'indexes')!.runs.find((r) => r.cell === 'workload_indexes')!;
    run.columns = ['query', 'proposed', 'proposed_targets'];
    run.rows = [
      { query: 'a', proposed: 'rental_staff_id_idx', proposed_targets: narrow.target },
      { query: 'b', proposed: 'rental_staff_id_idx; rental_customer_id_idx', proposed_targets: `${narrow.target}; ${other.target}` },
      { query: 'c', proposed: null, proposed_targets: null },
    ];
    const out = await reconcileIndexProposals(data);
    expect(out.findings.map((f) => f.id).sort()).toEqual([other.id, policyWide.id].sort());
    const rows = out.playbooks.find((p) => p.id === 'indexes')!.runs.find((r) => r.cell === 'workload_indexes')!.rows;
    expect(rows).toEqual([
      { query: 'a', proposed: 'rental_staff_id_rental_date_idx', proposed_targets: policyWide.target },
      { query: 'b', proposed: 'rental_staff_id_rental_date_idx; rental_customer_id_idx', proposed_targets: `${policyWide.target}; ${other.target}` },
      { query: 'c', proposed: null, proposed_targets: null },
    ]);
  });

  test('a workload index is never reordered for a need on another table that names the same columns', async () => {
    const wide = workload('rental_customer_id_staff_id_idx', ['customer_id', 'staff_id'], 2);
    const elsewhere = finding('indexes/fk_without_index/public.payment.payment_staff_id_fkey', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS payment_staff_id_idx ON public.payment USING btree (staff_id);');
    const data = session([wide, elsewhere]);
    expect(await reconcileIndexProposals(data)).toBe(data);
  });

  test('proposals only the parser reads (expressions, predicates) are still compared on a shared table', async () => {
    const lower = (id: string, name: string, extra = '') => finding(id, `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON public.customer USING btree (lower(email))${extra};`);
    const a = lower('indexes/expression_a/public.customer.a', 'customer_lower_email_a');
    const b = lower('rls-security/expression_b/public.customer.b', 'customer_lower_email_b');
    expect((await reconcileIndexProposals(session([a, b]))).findings.map((f) => f.id)).toEqual([a.id]);
    const partial = finding('indexes/partial/public.customer.p', `CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_p ON public.customer USING btree (lower(email)) WHERE active = 1;`);
    const near = session([a, partial]);
    expect(await reconcileIndexProposals(near)).toBe(near);
  });
});
