// `flyway`: V<version>__<desc>.sql and its undo U<version>__<desc>.sql. Flyway runs each versioned migration in
// a transaction of its own; a part that cannot run in one gets a script configuration file beside it,
// `<script>.conf` with executeInTransaction=false (Redgate docs, "Execute In Transaction" setting).
import type { Migration, MigrationPart } from '../build.ts';
import { comment, phaseNote, provenanceLines, rawNamesNote, renderPart } from '../render.ts';
import { PHASE_SLUG, slotUnits, stamp14, type Exporter } from './common.ts';
import type { OutFile } from './write.ts';

// squawk cannot see Flyway's own transaction and would ask for BEGIN; Flyway forbids managing it in the file.
const IN_FLYWAY_TRANSACTION = '-- Flyway runs this file in one transaction of its own.\n-- squawk-ignore-file prefer-robust-stmts\n';

function script(m: Migration, part: MigrationPart, direction: 'up' | 'down', index: number, total: number): string {
  const body = part.statements.length ? renderPart(part, { explicitTransaction: false }) : '';
  const head = comment([...provenanceLines(m, direction), ...rawNamesNote(body), `version ${index + 1} of ${total}: ${phaseNote(part.phase)}`]);
  if (!part.statements.length) return `${head}\n-- nothing to ${direction === 'up' ? 'apply' : 'undo'} in this version\n`;
  return `${head}\n${part.transactional ? IN_FLYWAY_TRANSACTION : ''}\n${body}\n`;
}

export const exportFlyway: Exporter = async (m, ctx) => {
  const units = slotUnits(m);
  const files: OutFile[] = [];
  units.forEach((u, i) => {
    const name = `${stamp14(ctx.time, i)}__${ctx.slug}_${PHASE_SLUG[u.slot]}.sql`;
    for (const [prefix, part, direction] of [['V', u.up, 'up'], ['U', u.down, 'down']] as const) {
      files.push({ path: `${prefix}${name}`, content: script(m, part, direction, i, units.length) });
      if (!u.transactional) files.push({ path: `${prefix}${name}.conf`, content: 'executeInTransaction=false\n' });
    }
  });
  return files;
};
