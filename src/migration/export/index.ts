// `pgadvisor export`: the accepted set's migration in the layout of a migration tool.
import type { Snapshot } from '../../snapshot/schema.ts';
import { buildMigration } from '../build.ts';
import { slugOf, snapshotTime, type Exporter } from './common.ts';
import { exportFlyway } from './flyway.ts';
import { exportGolangMigrate } from './golang-migrate.ts';
import { exportNodePgMigrate } from './node-pg-migrate.ts';
import { exportPrisma } from './prisma.ts';
import { exportSql } from './sql.ts';
import { exportSqitch } from './sqitch.ts';
import { ExportError, readExisting, writeExport } from './write.ts';

export { ExportError };

import { EXPORT_FORMATS, type ExportFormat } from './formats.ts';

export { EXPORT_FORMATS, type ExportFormat };

const EXPORTERS: Record<ExportFormat, Exporter> = {
  sql: exportSql,
  'node-pg-migrate': exportNodePgMigrate,
  prisma: exportPrisma,
  flyway: exportFlyway,
  'golang-migrate': exportGolangMigrate,
  sqitch: exportSqitch,
};

export function isExportFormat(f: string): f is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(f);
}

export interface ExportOptions {
  /** names the migration and its files; default `pgadvisor_<database>` */
  name?: string;
}

/** The default migration name: `pgadvisor_<database>`, reduced to [A-Za-z0-9_]. */
export function defaultMigrationName(snapshot: Snapshot): string {
  const db = snapshot.server.database.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return db ? `pgadvisor_${db}` : 'pgadvisor';
}

/** Builds the migration and writes it under outDir all at once; returns the written paths. */
export async function exportMigration(snapshot: Snapshot, format: string, outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  if (!isExportFormat(format)) throw new ExportError(`unknown export format ${JSON.stringify(format)}; valid formats: ${EXPORT_FORMATS.join(', ')}`);
  const name = opts.name ?? defaultMigrationName(snapshot);
  const slug = slugOf(name);
  const time = snapshotTime(snapshot.takenAt);
  const migration = buildMigration(snapshot, { name });
  const files = await EXPORTERS[format](migration, { slug, time, existing: (rel) => readExisting(outDir, rel) });
  return writeExport(outDir, files);
}
