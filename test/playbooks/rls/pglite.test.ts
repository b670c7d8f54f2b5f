// The same notebook on the embedded engine (PGlite, PostgreSQL 18): every cell runs, the core findings
// appear. Runs with or without a real server.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer, type PgliteServer } from '../../../src/db/pglite-server.ts';
import { runPlaybook } from '../../support/run.ts';
import type { RunResult } from '../../../src/playbooks/types.ts';
import { byCheck, fixture, targetsOf } from './helpers.ts';

describe('rls-security on PGlite', () => {
  let server: PgliteServer;
  let data: RunResult;

  beforeAll(async () => {
    server = await startPgliteServer();
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    // PGlite has no contrib packages installed here: the extension lines are the only ones left out
    await c.query(fixture('planted', 'pgl').replace(/CREATE EXTENSION[^;]*;/g, ''));
    await c.end();
    data = await runPlaybook(server.url, ['rls-security']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs every cell', () => {
    for (const p of data.playbooks) for (const r of p.runs) expect(`${r.cell}: ${r.status} ${r.reason ?? ''}`.trim()).toBe(`${r.cell}: ok`);
  });

  it('finds the planted problems', () => {
    expect(targetsOf(data, 'policies_rls_disabled')).toEqual(['app.forgot_enable']);
    expect(targetsOf(data, 'per_row_function_calls')).toEqual(['app.docs.docs_insert', 'app.docs.docs_own', 'app.owned_only.owned_only_own']);
    expect(targetsOf(data, 'views_bypass_rls')).toEqual(['app.docs_view']);
    // PostgreSQL 18 reports log_connections as a list of aspects, empty when off
    expect(byCheck(data, 'security_settings').map((f) => f.target)).toContain('setting log_connections');
  });
});
