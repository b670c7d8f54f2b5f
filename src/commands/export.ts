// `pgadvisor export FILE --format F [--out DIR]`: the accepted set's migration in a migration tool's layout.
import { EXPORT_FORMATS, exportMigration, isExportFormat } from '../migration/export/index.ts';
import { readSnapshot } from '../snapshot/io.ts';
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

/** Prints the written paths, one a line; errors are one line on stderr. Exit code 0, or 2 on error. */
export async function exportCommand(args: ExportArgs, out: Output = process.stdout): Promise<number> {
  if (!isExportFormat(args.format)) {
    process.stderr.write(`pgadvisor: unknown export format ${JSON.stringify(args.format)}; valid formats: ${EXPORT_FORMATS.join(', ')}\n`);
    return 2;
  }
  try {
    const snapshot = await readSnapshot(args.file);
    const paths = await exportMigration(snapshot, args.format, args.out, { name: args.name });
    out.write(paths.map((p) => `${p}\n`).join(''));
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
