// Property: whatever the names of schemas, tables, columns, indexes and policies — spaces, capitals, quotes,
// reserved words, non-ASCII letters, control characters and escape sequences, bidirectional overrides,
// Markdown and HTML — the findings are right and the migration of the accepted set applies, rolls back to
// the identical schema, and applies again; the report renders.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildMigration } from '../../src/migration/build.ts';
import { findConflicts } from '../../src/migration/conflicts.ts';
import type { Decision } from '../../src/playbooks/types.ts';
import { renderReport } from '../../src/report/render.ts';
import { newSnapshot } from '../../src/snapshot/io.ts';
import { terminalBlock, terminalText } from '../../src/util/untrusted-text.ts';
import { createDatabase, hasRealServer, psqlFile, schemaDump } from '../support/db.ts';
import { runPlaybook } from '../support/run.ts';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const RESERVED = ['select', 'table', 'user', 'order', 'group', 'Primary', 'CHECK', 'from', 'where', 'default'];
const piece = fc.oneof(
  fc.constantFrom(...RESERVED),
  fc.string({
    unit: fc.constantFrom(
      ...['a', 'Z', ' ', '"', "'", 'é', 'ß', 'Ж', '漢', '_', '-', '.', '1', '$', '\\'],
      // control characters and escape sequences, bidi, invisible characters
      ...['\u001b', '\u001b[31m', '\u001b]0;', '\u0007', '\n', '\r', '\t', '\u000b', '\u000c', '\u007f', '\u009b', '\u202e', '\u2066', '\u200b'],
      // markup
      ...['<b>', '|', '`', '*', '[', ']', '#', '&'],
    ),
    minLength: 1,
    maxLength: 8,
  }),
);
// Names stay short enough that generated names (table_column_idx) need no truncation games beyond ours.
const name = fc
  .tuple(piece, piece)
  .map(([a, b]) => `${a}${b}`)
  .filter((n) => bytes(n) <= 20 && n.trim() === n && !/^pg_/i.test(n));
const names = fc.uniqueArray(name, { minLength: 6, maxLength: 6, selector: (n) => n.toLowerCase() });

function fixture([schema, table, child, col, idx, policy]: string[]): string {
  const s = q(schema);
  return `
CREATE SCHEMA ${s};
CREATE TABLE ${s}.${q(table)} (id bigint PRIMARY KEY, ${q(col)} int NOT NULL, owner text);
CREATE INDEX ${q(idx)} ON ${s}.${q(table)} (${q(col)});
CREATE INDEX ${q(idx + ' 2')} ON ${s}.${q(table)} (${q(col)});
CREATE INDEX ${q(idx + ' 3')} ON ${s}.${q(table)} (${q(col)}, id);
CREATE TABLE ${s}.${q(child)} (id bigint PRIMARY KEY, parent bigint REFERENCES ${s}.${q(table)} (id));
ALTER TABLE ${s}.${q(table)} ENABLE ROW LEVEL SECURITY;
CREATE POLICY ${q(policy)} ON ${s}.${q(table)} USING (owner = current_setting('app.user', true));
ANALYZE;`;
}

describe.skipIf(!hasRealServer)('hostile identifiers (property-based)', () => {
  it('findings name the planted objects and the accepted migration round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(names, async (n) => {
        const [schema, , child] = n;
        const db = await createDatabase(fixture(n), { untracked: true });
        const dir = await mkdtemp(join(tmpdir(), 'pgadv-hostile-'));
        try {
          const data = await runPlaybook(db.url);
          const bad = data.playbooks.flatMap((p) => p.runs).filter((r) => r.status === 'error');
          expect(bad.map((r) => `${r.cell}: ${r.reason}`)).toEqual([]);
          const checks = new Set(data.findings.map((f) => f.check));
          for (const c of ['redundant_indexes', 'fk_without_index', 'per_row_function_calls']) expect(checks, c).toContain(c);
          const fk = data.findings.find((f) => f.check === 'fk_without_index')!;
          const qualified = (await db.exec(`SELECT format('%I.%I', $1::text, $2::text) AS t`, [schema, child])).rows[0].t;
          expect(fk.up).toContain(` ON ${qualified} USING btree (parent)`);

          // accept every finding with SQL that does not conflict with one accepted before it
          const at = '2025-01-01T00:00:00.000Z';
          const decisions: Record<string, Decision> = {};
          for (const f of data.findings.filter((x) => x.up)) {
            decisions[f.id] = { state: 'accepted', note: '', at };
            if (findConflicts(newSnapshot(data, { toolVersion: 't', takenAt: at, demo: false, decisions })).length) delete decisions[f.id];
          }
          const snapshot = newSnapshot(data, { toolVersion: 't', takenAt: at, demo: false, decisions });
          const migration = buildMigration(snapshot, { name: 'hostile' });
          expect(migration.applied.length).toBeGreaterThanOrEqual(3);
          // comments never carry a name raw; the report is printable text and line breaks only
          for (const line of migration.up.split('\n').filter((l) => l.startsWith('--'))) expect(terminalText(line)).toBe(line);
          const report = renderReport(snapshot);
          expect(terminalBlock(report)).toBe(report);
          await writeFile(join(dir, 'up.sql'), migration.up);
          await writeFile(join(dir, 'down.sql'), migration.down);
          const before = await schemaDump(db.url);
          await psqlFile(db.url, join(dir, 'up.sql'));
          const applied = await schemaDump(db.url);
          expect(applied).not.toBe(before);
          await psqlFile(db.url, join(dir, 'down.sql'));
          expect(await schemaDump(db.url)).toBe(before);
          await psqlFile(db.url, join(dir, 'up.sql'));
          expect(await schemaDump(db.url)).toBe(applied);
        } finally {
          await rm(dir, { recursive: true, force: true });
          await db.drop();
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 300_000);
});
