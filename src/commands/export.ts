// `pgadvisor export FILE --format F [--out DIR]`: the accepted set's migration in a migration tool's layout.
import { EXPORT_FORMATS, exportMigration, isExportFormat } from '../migration/export/index.ts';
import { readSnapshot } from '../snapshot/io.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { terminalText as t } from '../util/untrusted-text.ts';
import { reportError } from './fail.ts';

export interface ExportArgs {
  file: string;
  format: string;
  out: string;
  name?: string;
}

export interface Output {
  write(text: string): unknown;
}

/**
 * Where the SQL comes from, for whoever is about to apply it: a snapshot is a file anyone can send. Every
 * string in it is untrusted, so each goes through the untrusted-text rule.
 */
export function provenance(file: string, s: Snapshot): string {
  const origin = [
    `database ${t(s.server.database)} (${t(s.server.product)})`,
    `taken ${t(s.takenAt)} by pgadvisor ${t(s.tool.version)}`,
    ...(s.demo ? ['the embedded demo database'] : []),
    ...(s.derivedFrom ? [`decisions revised in a replay of ${t(s.derivedFrom)}`] : []),
  ];
  return `pgadvisor: exported the migration of snapshot ${t(file)}: ${origin.join(', ')}\n`;
}

/**
 * Prints the written paths, one a line, on stdout, and which snapshot they came from on stderr; errors are
 * one line on stderr. Exit code 0, or 2 on error.
 */
export async function exportCommand(args: ExportArgs, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  if (!isExportFormat(args.format)) {
    err.write(`pgadvisor: unknown export format ${t(JSON.stringify(args.format))}; valid formats: ${EXPORT_FORMATS.join(', ')}\n`);
    return 2;
  }
  try {
    const snapshot = await readSnapshot(args.file);
    const paths = await exportMigration(snapshot, args.format, args.out, { name: args.name });
    err.write(provenance(args.file, snapshot));
    out.write(paths.map((p) => `${t(p)}\n`).join(''));
    return 0;
  } catch (e) {
    return reportError(e);
  }
}
