// `pgadvisor report FILE [--out FILE]`: the Markdown report of a snapshot, to stdout or written atomically.
import path from 'node:path';
import { renderReport } from '../report/render.ts';
import { readSnapshot } from '../snapshot/io.ts';
import { ensureDir, writeFileAtomically } from '../util/atomic.ts';

export interface ReportArgs {
  file: string;
  out?: string;
}

export interface Output {
  write(text: string): unknown;
}

export async function reportCommand(args: ReportArgs, stdout: Output = process.stdout): Promise<number> {
  const report = renderReport(await readSnapshot(args.file));
  if (!args.out) {
    stdout.write(report);
    return 0;
  }
  await ensureDir(path.dirname(path.resolve(args.out)));
  await writeFileAtomically(args.out, report);
  return 0;
}
