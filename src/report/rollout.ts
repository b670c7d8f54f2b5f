// Accepted recommendations as rollout phases, and the rollback plan, both read off the migration's parts.
import { buildMigration, MigrationConflictError, MigrationError, type Migration, type MigrationPart } from '../migration/build.ts';
import type { Phase } from '../migration/statements.ts';
import { snapshotBaseName } from '../snapshot/io.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { sqlBlock } from './markdown.ts';
import { markdownCode, markdownText } from '../util/untrusted-text.ts';

interface PhaseText {
  title: string;
  how: string;
}

/** The report's phases, in the order the migration runs its parts. */
const PHASE_TEXT: [Phase[], PhaseText][] = [
  [
    ['concurrent-create'],
    {
      title: 'Non-blocking index creates',
      how: 'Runs outside a transaction with `CREATE INDEX CONCURRENTLY` and a `lock_timeout`: reads and writes continue while the indexes build. Each statement is re-runnable (`IF NOT EXISTS`); an interrupted build leaves an invalid index to drop and retry.',
    },
  ],
  [
    ['change', 'validate'],
    {
      title: 'Transactional changes',
      how: 'Runs in one transaction with `SET LOCAL lock_timeout`: all or nothing, and it gives up rather than queue behind a long lock. New constraints are added `NOT VALID` and validated afterwards, which only takes a light lock.',
    },
  ],
  [
    ['concurrent-drop'],
    {
      title: 'Drops after a monitoring window',
      how: 'Wait a full business cycle (a week, including any month-end jobs) after the phases above and check the monitoring list below before dropping anything: a dropped index takes as long to rebuild as it took to create. Runs outside a transaction with `DROP INDEX CONCURRENTLY`.',
    },
  ],
  [
    ['maintenance'],
    {
      title: 'Settings and maintenance',
      how: 'Server settings and vacuum runs, outside a transaction. `ALTER SYSTEM` needs a reload (`SELECT pg_reload_conf()`) and some settings a restart.',
    },
  ],
];

export type MigrationOutcome = { ok: true; migration: Migration } | { ok: false; problem: string };

export function migrationFor(s: Snapshot): MigrationOutcome {
  try {
    return { ok: true, migration: buildMigration(s, { name: snapshotBaseName(s) }) };
  } catch (err) {
    if (err instanceof MigrationConflictError || err instanceof MigrationError) return { ok: false, problem: err.message };
    throw err;
  }
}

export function rolloutSection(outcome: MigrationOutcome): string[] {
  if (!outcome.ok) {
    return [`No migration can be built from the accepted set: ${markdownText(outcome.problem)}. Resolve this (reject one side of each conflict) and write the report again.`];
  }
  const m = outcome.migration;
  const out: string[] = [];
  if (!m.applied.length) out.push('No accepted recommendation changes the database.', '');
  if (!m.applied.length && !m.advice.length) return out;
  PHASE_TEXT.forEach(([phases, text], i) => {
    const parts = m.parts.filter((p) => phases.includes(p.phase));
    // phases 1-3 keep their numbers so reports compare; the settings phase appears only when used
    if (!parts.length && phases.includes('maintenance')) return;
    out.push(`### Phase ${i + 1}: ${text.title}`, '');
    if (!parts.length) out.push('Nothing in this phase.', '');
    else out.push(text.how, '', ...statementsByFinding(parts), '');
  });
  if (m.advice.length) {
    out.push('### Accepted advice (no SQL to run)', '');
    for (const f of m.advice) out.push(`- ${markdownText(f.title)} (${markdownCode(f.id)})`);
    out.push('');
  }
  return out;
}

function statementsByFinding(parts: MigrationPart[]): string[] {
  const out: string[] = [];
  const order: string[] = [];
  const byFinding = new Map<string, { title: string; sql: string[] }>();
  for (const part of parts) {
    for (const st of part.statements) {
      let entry = byFinding.get(st.findingId);
      if (!entry) {
        entry = { title: st.title, sql: [] };
        byFinding.set(st.findingId, entry);
        order.push(st.findingId);
      }
      entry.sql.push(st.sql.replace(/;?\s*$/, ';'));
    }
  }
  for (const id of order) {
    const e = byFinding.get(id)!;
    out.push(`- ${markdownText(e.title)} (${markdownCode(id)})`, '', sqlBlock(e.sql.join('\n')), '');
  }
  return out;
}

export function rollbackSection(outcome: MigrationOutcome): string[] {
  if (!outcome.ok) return ['No rollback: the migration could not be built (see the rollout plan above).'];
  const m = outcome.migration;
  if (!m.applied.length) return ['Nothing to roll back: no accepted recommendation changes the database.'];
  const out = [
    'The rollback undoes the migration in reverse order: the last phase first. Indexes it recreates are rebuilt from the definitions captured in the snapshot.',
    '',
  ];
  if (m.irreversible.length) {
    out.push('**Cannot be undone by the rollback** (no `down` SQL): take a backup or plan the reversal by hand:', '');
    for (const f of m.irreversible) out.push(`- ${markdownText(f.title)} (${markdownCode(f.id)})`);
    out.push('');
  }
  out.push(sqlBlock(m.down));
  return out;
}
