// `prisma`: prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql. Prisma's schema engine reads only the
// migration.sql of each folder (schema-connector/src/migrations_directory.rs), so down.sql and README.md can sit
// beside it. The Postgres connector sends migration.sql as one simple query, one implicit transaction: each
// CONCURRENTLY statement gets a folder of its own holding nothing else (prisma/prisma#22922).
import type { Migration } from '../build.ts';
import { markdownCode, markdownText } from '../../util/untrusted-text.ts';
import { phaseNote, provenanceLines } from '../render.ts';
import { PHASE_SLUG, singleStatementFile, singleStatementUnits, stamp14, type Exporter, type SlotUnit } from './common.ts';
import type { OutFile } from './write.ts';

function readme(m: Migration, folder: string, unit: SlotUnit, index: number, total: number): string {
  const lines = [
    `# ${folder}`,
    '',
    ...provenanceLines(m, 'up').map((l) => `${markdownText(l)}  `),
    '',
    `Written by pgadvisor: migration ${index + 1} of ${total}, ${phaseNote(unit.up.phase)}.`,
    '',
    ...unit.up.statements.map((s) => `- ${markdownCode(s.findingId)}: ${markdownText(s.title)}`),
    '',
  ];
  if (!unit.transactional) {
    lines.push(
      '`migration.sql` holds one CONCURRENTLY statement and nothing else: Prisma sends the file as one query string,',
      'which Postgres runs as one implicit transaction, and CONCURRENTLY cannot run inside a transaction.',
      'Do not add statements to it. It cannot set `lock_timeout` itself: set it for the role that migrates',
      "(`ALTER ROLE … SET lock_timeout = '5s'`) before `prisma migrate deploy`.",
      '',
      'If it fails, the index may be left INVALID: drop it (`DROP INDEX CONCURRENTLY IF EXISTS …`), run',
      `\`prisma migrate resolve --rolled-back ${folder}\`, then \`prisma migrate deploy\` again.`,
      '',
    );
  }
  lines.push(
    'Prisma Migrate has no down migrations. `down.sql` undoes this folder; to roll back, run the `down.sql` files',
    'newest folder first (`prisma db execute --file <folder>/down.sql`, or psql), then remove the folders and their',
    'rows in `_prisma_migrations`.',
    '',
  );
  return lines.join('\n');
}

export const exportPrisma: Exporter = async (m, ctx) => {
  const units = singleStatementUnits(m);
  const files: OutFile[] = [];
  units.forEach((u, i) => {
    const folder = `${stamp14(ctx.time, i)}_${ctx.slug}_${PHASE_SLUG[u.slot]}`;
    const dir = `prisma/migrations/${folder}`;
    files.push({ path: `${dir}/migration.sql`, content: singleStatementFile(m, u, 'up', i, units.length, 'Prisma') });
    files.push({ path: `${dir}/down.sql`, content: singleStatementFile(m, u, 'down', i, units.length, 'Prisma') });
    files.push({ path: `${dir}/README.md`, content: readme(m, folder, u, i, units.length) });
  });
  return files;
};
