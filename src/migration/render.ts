// Text of a migration: header comments, parts with their lock and statement timeouts, one comment per statement.
import type { Migration, MigrationPart, MigrationStatement } from './build.ts';
import { terminalBlock } from '../util/untrusted-text.ts';
import { commentText } from './quote.ts';
import type { Phase } from './statements.ts';

export const LOCK_TIMEOUT = '5s';
export const STATEMENT_TIMEOUT = '60s';

const PHASE_NOTE: Record<Phase, string> = {
  extension: 'one transaction, before the indexes that need them: extensions and the schema they go into',
  'concurrent-create':
    'outside a transaction (CONCURRENTLY cannot run inside one); a failed build leaves an INVALID index: drop it, then run this part again',
  change: 'one transaction',
  validate: 'one transaction, later than the one that added the constraints NOT VALID (validation scans, writes go on)',
  'concurrent-drop': 'outside a transaction (CONCURRENTLY cannot run inside one)',
  maintenance: 'outside a transaction (VACUUM and ALTER SYSTEM cannot run inside one)',
};

export function phaseNote(phase: Phase): string {
  return PHASE_NOTE[phase];
}

function refLines(title: string, refs: { id: string; title: string }[]): string[] {
  if (!refs.length) return [];
  return [`${title} (${refs.length}):`, ...refs.map((r) => `  ${commentText(r.id)} — ${commentText(r.title)}`)];
}

/**
 * Names written exactly may hold characters a terminal acts on: the reader of a file whose SQL `body` has
 * any is told before the first statement, since the SQL itself must not change them.
 */
export function rawNamesNote(body: string): string[] {
  // line breaks and tabs are SQL's own; anything else the rule escapes is not
  if (terminalBlock(body) === body) return [];
  return [
    'some names below hold control, bidirectional or invisible characters: the SQL keeps them exactly as they are',
    '(the comments show them escaped). Read this file in an editor or with `cat -v`, not `cat` on a terminal.',
  ];
}

/** The migration's name and the snapshot it came from: database, time, server, tool version. */
export function provenanceLines(m: Migration, direction: 'up' | 'down'): string[] {
  const s = m.snapshot;
  return [
    `pgadvisor migration ${commentText(m.name)}${direction === 'down' ? ' — rollback' : ''}`,
    `snapshot taken ${commentText(s.takenAt)} of database ${commentText(s.database)} (${commentText(s.product.includes(s.version) ? s.product : `${s.product} ${s.version}`)}), pgadvisor ${commentText(s.toolVersion)}`,
  ];
}

/** Header lines (without the leading `-- `) naming the snapshot and what the migration holds. */
export function headerLines(m: Migration, direction: 'up' | 'down'): string[] {
  const parts = direction === 'up' ? m.parts : m.downParts;
  return [
    ...provenanceLines(m, direction),
    ...rawNamesNote(parts.flatMap((p) => p.statements.map((s) => s.sql)).join('\n')),
    ...refLines('accepted findings in this migration', m.applied),
    ...refLines('advice, not in this migration', m.advice),
    ...(direction === 'down' ? refLines('no rollback given (not undone here)', m.irreversible) : []),
  ];
}

export function comment(lines: string[]): string {
  return lines.map((l) => (l ? `-- ${l}` : '--')).join('\n');
}

/** The statement with its finding comment; `between` goes after the comment, right before the SQL. */
export function renderStatement(s: MigrationStatement, between = ''): string {
  return `-- ${commentText(s.findingId)}: ${commentText(s.title)}\n${between}${s.sql};`;
}

export interface PartStyle {
  /** write BEGIN/COMMIT around a transactional part (false when the tool opens the transaction itself) */
  explicitTransaction: boolean;
}

/** The settings a part starts with: SET LOCAL inside a transaction, session SETs outside one. */
export function partSettings(part: Pick<MigrationPart, 'phase' | 'transactional'>): string[] {
  if (!part.transactional) return [`SET lock_timeout = '${LOCK_TIMEOUT}';`, 'SET statement_timeout = 0;'];
  // VALIDATE CONSTRAINT holds only SHARE UPDATE EXCLUSIVE (reads and writes continue) and scans the whole
  // table: a statement timeout would only make it fail on a big table.
  const statementTimeout = part.phase === 'validate' ? '0' : `'${STATEMENT_TIMEOUT}'`;
  return [`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}';`, `SET LOCAL statement_timeout = ${statementTimeout};`];
}

export function renderPart(part: MigrationPart, style: PartStyle): string {
  const body = part.statements.map((s) => renderStatement(s)).join('\n\n');
  const settings = partSettings(part).join('\n');
  if (part.transactional && style.explicitTransaction) return `BEGIN;\n${settings}\n\n${body}\n\nCOMMIT;`;
  return `${settings}\n\n${body}`;
}

function renderParts(parts: MigrationPart[], label: string): string {
  if (!parts.length) return `-- nothing to ${label}: no accepted finding carries SQL`;
  return parts
    .map((p, i) => `-- part ${i + 1} of ${parts.length}: ${phaseNote(p.phase)}\n${renderPart(p, { explicitTransaction: true })}`)
    .join('\n\n');
}

/** The single-file form: `psql -v ON_ERROR_STOP=1 -f FILE` (never with --single-transaction). */
export function renderMigrationText(m: Migration, direction: 'up' | 'down'): string {
  const parts = direction === 'up' ? m.parts : m.downParts;
  const header = comment([
    ...headerLines(m, direction),
    '',
    'apply with: psql -X -v ON_ERROR_STOP=1 -f FILE — not with --single-transaction: some parts must run outside a transaction',
  ]);
  return `${header}\n\n${renderParts(parts, direction === 'up' ? 'apply' : 'roll back')}\n`;
}
