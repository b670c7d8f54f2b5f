// No advice names a setting the server does not have (a hand-written report once recommended
// backup_compression and backup_encryption, which no PostgreSQL has): every setting named in a finding — in
// ALTER SYSTEM, ALTER DATABASE/ROLE … SET, SET LOCAL or a "setting" field — must exist in this server's pg_settings.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/playbooks/types.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { matrixServers } from '../support/matrix.ts';
import { runPlaybook } from '../support/run.ts';

/** The setting names a piece of advice asks to set. */
export function namedSettings(text: string): string[] {
  const out = new Set<string>();
  const patterns = [
    /ALTER SYSTEM SET\s+"?([a-z_][a-z0-9_.]*)"?\s*(?:=|TO)/gi,
    /ALTER (?:DATABASE|ROLE)\s+(?:"(?:[^"]|"")*"|<[^>]*>|\S+)\s+(?:IN DATABASE (?:"(?:[^"]|"")*"|\S+)\s+)?SET\s+"?([a-z_][a-z0-9_.]*)"?\s*(?:=|TO)/gi,
    /SET LOCAL\s+"?([a-z_][a-z0-9_.]*)"?\s*(?:=|TO)/gi,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.add(m[1].toLowerCase());
  return [...out];
}

function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) allStrings(x, out);
  return out;
}

function settingsOf(findings: Finding[]): Map<string, string[]> {
  const named = new Map<string, string[]>();
  for (const f of findings) {
    const texts = allStrings([f.title, f.rationale, f.evidence, f.up, f.down]);
    const names = new Set(texts.flatMap(namedSettings));
    if (typeof f.evidence.setting === 'string') names.add(f.evidence.setting);
    for (const n of names) named.set(n, [...(named.get(n) ?? []), f.id]);
  }
  return named;
}

describe('the settings a piece of advice names', () => {
  it('are read from every way of setting one', async () => {
    const seed = await readFile(new URL('../../../shared/seeds/003_66d5f2a24128efaf.txt', import.meta.url), 'utf8').catch(() => 'ALTER SYSTEM SET backup_compression = on;');
    expect(namedSettings(seed)).toContain('backup_compression');
    expect(namedSettings(`ALTER DATABASE "my db" SET work_mem = '64MB'; ALTER ROLE app SET statement_timeout TO '30s'; SET LOCAL lock_timeout = 1`)).toEqual([
      'work_mem',
      'statement_timeout',
      'lock_timeout',
    ]);
  });
});

// the main test server, and every version of the matrix when it runs (a setting added in 17 must not be advised on 13)
const servers = [
  ...(hasRealServer ? [{ name: 'the test server', url: undefined as string | undefined }] : []),
  ...(matrixServers() ?? []).map((m) => ({ name: `PostgreSQL ${m.major} of the matrix`, url: m.url as string | undefined })),
];

describe.skipIf(!servers.length)('no advice names a setting this server does not have', () => {
  for (const server of servers) {
    describe(server.name, () => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await createDatabase('', { server: server.url });
        // settings at values the checks flag, so that their advice is produced
        await db.exec(`ALTER DATABASE ${db.name} SET work_mem = '512MB'; ALTER DATABASE ${db.name} SET track_io_timing = off`);
      });
      afterAll(() => db?.drop());

      it('every setting named by the findings of every playbook exists in pg_settings', async () => {
        const data = await runPlaybook(db.url);
        const named = settingsOf(data.findings);
        expect(named.size).toBeGreaterThan(10);
        const { rows } = await db.exec(`SELECT name FROM pg_settings WHERE name = ANY ($1::text[])`, [[...named.keys()]]);
        const known = new Set(rows.map((r) => String(r.name)));
        const missing = [...named].filter(([n]) => !known.has(n)).map(([n, ids]) => `${n} (${ids.join(', ')})`);
        expect(missing).toEqual([]);
      }, 120_000);
    });
  }
});
