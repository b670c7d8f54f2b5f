// `pgadvisor report FILE [--format markdown|html] [--out FILE]`: the report of a snapshot, to stdout or
// written atomically.
import path from 'node:path';
import { UsageError } from '../db/target.ts';
import { renderHtmlReport, renderReport } from '../report/render.ts';
import { readSnapshot } from '../snapshot/io.ts';
import { ensureDir, writeFileAtomically } from '../util/atomic.ts';

export const REPORT_FORMATS = ['markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportArgs {
  file: string;
  out?: string;
  format?: string;
}

export interface Output {
  write(text: string): unknown;
}

export async function reportCommand(args: ReportArgs, stdout: Output = process.stdout): Promise<number> {
  const format = (args.format ?? 'markdown') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')} (got "${args.format}")`);
  const snapshot = await readSnapshot(args.file);
  const report = format === 'html' ? await renderHtmlReport(snapshot) : renderReport(snapshot);
  if (!args.out) {
    stdout.write(report);
    return 0;
  }
  await ensureDir(path.dirname(path.resolve(args.out)));
  await writeFileAtomically(args.out, report);
  return 0;
}
