// Advice on the shared real-world schemas that a reviewer checked against how PostgreSQL behaves: pagila's
// definer function sits in a schema every role can create in, and a schema-only musicbrainz has no workload
// that spills to disk however often the advisor itself reads pg_stat_statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/playbooks/types.ts';
import { hasRealServer, loadCorpus, type TestDatabase } from '../support/db.ts';
import { findingsOf, runPlaybook } from '../support/run.ts';

describe.skipIf(!hasRealServer)('pagila: SECURITY DEFINER in a schema PUBLIC can create in', () => {
  let db: TestDatabase;
  let data: RunResult;
  beforeAll(async () => {
    db = await loadCorpus('pagila');
    data = await runPlaybook(db.url, ['rls-security']);
  }, 300_000);
  afterAll(() => db?.drop());

  it('does not pin public (PUBLIC may create there): advice linked to the schema finding', () => {
    const f = findingsOf(data, 'security_definer_search_path').find((x) => x.target.startsWith('public.rewards_report('))!;
    expect(f.up).toBeNull();
    expect(f.evidence).toMatchObject({
      writable_by_others: { public: ['PUBLIC'] },
      see: ['rls-security/schema_create_public/public'],
      revoke_first: 'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
      qualified_names_pin: 'ALTER FUNCTION public.rewards_report(min_monthly_purchases integer, min_dollar_amount_purchased numeric) SET search_path = pg_catalog, pg_temp;',
    });
    expect(f.rationale).toContain('would not close the hole');
    expect(findingsOf(data, 'schema_create_public').map((x) => x.id)).toContain('rls-security/schema_create_public/public');
  });
});

describe.skipIf(!hasRealServer)('musicbrainz (schema only): no work_mem advice from the advisor\'s own reads', () => {
  let db: TestDatabase;
  afterAll(() => db?.drop());

  it('runs the connections playbook twice and finds no application statement that spilled', async () => {
    db = await loadCorpus('musicbrainz');
    await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    // the advisor's reads of pg_stat_statements carry its marker; its own spills must not become advice
    await db.exec(`/* pgadvisor */ SELECT g FROM generate_series(1, 400000) g ORDER BY g DESC LIMIT 1`);
    await runPlaybook(db.url, ['connections', 'workload']);
    const data = await runPlaybook(db.url, ['connections']);
    expect(findingsOf(data, 'work_mem_spills')).toEqual([]);
    expect(findingsOf(data, 'settings_review').map((f) => f.target)).not.toContain('setting work_mem');
  }, 300_000);
});
