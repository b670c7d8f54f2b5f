// `node-pg-migrate`: JavaScript migrations in migrations/, prefixed with 17-digit UTC times (the `utc` filename
// format, which node-pg-migrate reads as a date). A migration is either in a transaction or not, so each part
// is its own file; `pgm.noTransaction()` for those that cannot run in one. `pgm.sql` runs each string as its
// own query and substitutes nothing when given no arguments.
import type { Migration, MigrationPart } from '../build.ts';
import { jsonText } from '../../util/untrusted-text.ts';
import { commentText } from '../quote.ts';
import { partSettings, phaseNote, provenanceLines } from '../render.ts';
import { PHASE_SLUG, slotUnits, type Exporter } from './common.ts';
import type { OutFile } from './write.ts';

function stamp17(t: Date, offsetSeconds: number): string {
  return new Date(t.getTime() + offsetSeconds * 1000).toISOString().replace(/\D/g, '');
}

/** The SQL as a string literal of exactly its text, every character a terminal or editor acts on escaped. */
function call(sql: string, comment?: string): string {
  return `${comment ? `  // ${comment}\n` : ''}  pgm.sql(${jsonText(sql)});`;
}

function fn(part: MigrationPart): string {
  if (!part.statements.length) return '() => {}';
  const lines: string[] = [];
  const stmts = part.statements.map((s) => call(s.sql, `${commentText(s.findingId)}: ${commentText(s.title)}`));
  if (part.phase === 'validate') {
    // With --single-transaction (the default) every pending migration shares one transaction, which would hold
    // the ADD CONSTRAINT locks through the validation scan: validations commit on their own instead.
    lines.push('  pgm.noTransaction();', call('BEGIN'), ...partSettings(part).map((s) => call(s)), ...stmts, call('COMMIT'));
  } else if (part.transactional) {
    lines.push(...partSettings(part).map((s) => call(s)), ...stmts);
    // SET LOCAL would outlive this file when other migrations share the transaction
    lines.push(call('SET LOCAL lock_timeout TO DEFAULT'), call('SET LOCAL statement_timeout TO DEFAULT'));
  } else {
    lines.push('  pgm.noTransaction();', ...partSettings(part).map((s) => call(s)), ...stmts, call('RESET lock_timeout'), call('RESET statement_timeout'));
  }
  return `(pgm) => {\n${lines.join('\n')}\n}`;
}

function moduleText(m: Migration, up: MigrationPart, down: MigrationPart, index: number, total: number): string {
  const head = [...provenanceLines(m, 'up'), `part ${index + 1} of ${total}: ${phaseNote(up.phase)}`];
  return [
    ...head.map((l) => `// ${l}`),
    '',
    `/** @param pgm {import('node-pg-migrate').MigrationBuilder} */`,
    `exports.up = ${fn(up)};`,
    '',
    `/** @param pgm {import('node-pg-migrate').MigrationBuilder} */`,
    `exports.down = ${fn(down)};`,
    '',
  ].join('\n');
}

export const exportNodePgMigrate: Exporter = async (m, ctx) => {
  const units = slotUnits(m);
  return units.map((u, i): OutFile => ({
    path: `migrations/${stamp17(ctx.time, i)}_${ctx.slug}_${PHASE_SLUG[u.slot]}.js`,
    content: moduleText(m, u.up, u.down, i, units.length),
  }));
};
