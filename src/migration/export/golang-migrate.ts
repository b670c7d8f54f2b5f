// `golang-migrate`: <version>_<name>.up.sql / .down.sql. The postgres driver sends a whole file in one Exec,
// which Postgres runs as one implicit transaction (golang-migrate#284): a CONCURRENTLY statement must be
// alone in its file, without even a SET before it.
import { PHASE_SLUG, singleStatementFile, singleStatementUnits, stamp14, type Exporter } from './common.ts';
import type { OutFile } from './write.ts';

export const exportGolangMigrate: Exporter = async (m, ctx) => {
  const units = singleStatementUnits(m);
  const files: OutFile[] = [];
  units.forEach((u, i) => {
    const base = `${stamp14(ctx.time, i)}_${ctx.slug}_${PHASE_SLUG[u.slot]}`;
    files.push({ path: `${base}.up.sql`, content: singleStatementFile(m, u, 'up', i, units.length, 'golang-migrate') });
    files.push({ path: `${base}.down.sql`, content: singleStatementFile(m, u, 'down', i, units.length, 'golang-migrate') });
  });
  return files;
};
