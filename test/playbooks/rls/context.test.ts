// Seed 000's role model: the app passes the user in current_setting('app.current_user_id'). The per-row
// rewrite is proven on the server: each user sees the same rows, and may write the same rows, before and after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../../support/db.ts';
import { runPlaybook } from '../../support/run.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { allowedAs, applyAll, byCheck, dropRoles, expectDiscriminating, fixture, newSuffix, rowsOf, visibleRows, type AsUser, expectEachFixRollsBack } from './helpers.ts';

const s = newSuffix();
const app = `lms_app_${s}`;
const tables = ['lms.users', 'lms.reservations', 'lms.messages', 'lms.learning_metrics', 'lms.webhook_events'];
const users: AsUser[] = [
  { role: app, settings: { 'app.current_user_id': 'clerk_a' } },
  { role: app, settings: { 'app.current_user_id': 'clerk_b' } },
  { role: app, settings: { 'app.current_user_id': 'clerk_c' } },
  { role: app, settings: { 'app.current_user_id': 'nobody' } },
  { role: app },
];
const A = '00000000-0000-0000-0000-00000000000a';
const B = '00000000-0000-0000-0000-00000000000b';
const writes: [AsUser, string][] = [
  [{ role: app, settings: { 'app.metrics_user': A } }, `INSERT INTO lms.learning_metrics VALUES (10, '${A}', 1)`],
  [{ role: app, settings: { 'app.metrics_user': A } }, `INSERT INTO lms.learning_metrics VALUES (11, '${B}', 1)`],
  [{ role: app }, `INSERT INTO lms.learning_metrics VALUES (12, '${A}', 1)`],
];

describe.skipIf(!hasRealServer)('rls-security with app.current_user_id context variables', () => {
  let db: TestDatabase;
  let data: RunResult;

  beforeAll(async () => {
    db = await createDatabase(fixture('context', s));
    data = await runPlaybook(db.url, ['rls-security']);
  });
  afterAll(async () => {
    await db?.drop();
    await dropRoles([`lms_owner_${s}`, app]);
  });

  it('finds the per-row current_setting calls, not the one already inside a subquery', () => {
    expect(byCheck(data, 'per_row_function_calls').map((f) => f.target).sort()).toEqual([
      'lms.learning_metrics."Own metrics"',
      'lms.messages."Sender or receiver"',
      'lms.users."Users see themselves"',
      'lms.webhook_events."Webhook events"',
    ]);
    const messages = byCheck(data, 'per_row_function_calls').find((f) => f.target === 'lms.messages."Sender or receiver"')!;
    expect(messages.up).toBe(
      `ALTER POLICY "Sender or receiver" ON lms.messages USING (((sender_clerk = (SELECT current_setting('app.current_user_id'::text, true))) OR (receiver_clerk = (SELECT current_setting('app.current_user_id'::text, true)))));`,
    );
  });

  it('reports the policy that fails open when the variable is unset, and lists the variables read', () => {
    expect(byCheck(data, 'context_variables').map((f) => f.target)).toEqual(['lms.webhook_events."Webhook events"']);
    expect(rowsOf(data, 'context_variables')).toEqual([
      { variable: 'app.current_user_id', read_by: 'current_setting', missing_ok: 'true', policies: 6, tables: 'lms.learning_metrics, lms.messages, lms.reservations, lms.users, lms.webhook_events' },
      { variable: 'app.metrics_user', read_by: 'current_setting', missing_ok: 'true', policies: 1, tables: 'lms.learning_metrics' },
    ]);
  });

  it('policy filter columns: reservations.student_id (IN subquery) and learning_metrics.user_id; not users.clerk_id (unique)', () => {
    expect(byCheck(data, 'policy_columns_unindexed').map((f) => f.id).sort()).toEqual([
      'rls-security/policy_columns_unindexed/lms.learning_metrics.user_id',
      'rls-security/policy_columns_unindexed/lms.reservations.student_id',
    ]);
  });

  it('the owner that can log in is exempt on every table (info: the app role holds grants)', () => {
    const found = byCheck(data, 'owner_not_forced');
    expect(found.map((f) => f.target).sort()).toEqual(tables.slice().sort());
    expect(new Set(found.map((f) => f.severity))).toEqual(new Set(['info']));
  });

  it('rewritten policies show every user the same rows and allow the same writes', async () => {
    const fixes = byCheck(data, 'per_row_function_calls');
    const before = await visibleRows(db.url, users, tables);
    expectDiscriminating(before, tables);
    const allowedBefore = await Promise.all(writes.map(([u, sql]) => allowedAs(db.url, u, sql)));
    expect(allowedBefore).toEqual([true, false, false]);

    await applyAll(db.url, fixes.map((f) => f.up!));
    expect(await visibleRows(db.url, users, tables)).toEqual(before);
    expect(await Promise.all(writes.map(([u, sql]) => allowedAs(db.url, u, sql)))).toEqual(allowedBefore);
    const again = await runPlaybook(db.url, ['rls-security']);
    expect(byCheck(again, 'per_row_function_calls')).toEqual([]);
    // the fail-open branch is still there: the rewrite kept the meaning, mistakes included
    expect(byCheck(again, 'context_variables').map((f) => f.target)).toEqual(['lms.webhook_events."Webhook events"']);

    await applyAll(db.url, fixes.map((f) => f.down!));
    expect(await visibleRows(db.url, users, tables)).toEqual(before);
  });

  it('every fix rolls back to the identical schema', () => expectEachFixRollsBack(db.url, data));
});
