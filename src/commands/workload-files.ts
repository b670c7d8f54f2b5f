// --workload FILE (repeatable) and --workload-format F, shared by `session` and `check`: checked before
// anything connects, so a missing or unreadable file, or one in no known format, is one line and exit 2.
import { UsageError } from '../db/target.ts';
import { WORKLOAD_FORMATS, type WorkloadFormat } from '../workload/types.ts';

export interface WorkloadArgs {
  workload?: string[];
  workloadFormat?: string;
  workloadDatabase?: string;
}

export async function workloadFiles(args: WorkloadArgs): Promise<{ path: string; format: WorkloadFormat }[]> {
  const paths = args.workload ?? [];
  const forced = args.workloadFormat ?? null;
  if (forced !== null && !WORKLOAD_FORMATS.includes(forced as WorkloadFormat)) {
    throw new UsageError(`--workload-format must be one of ${WORKLOAD_FORMATS.join(', ')} (got "${forced}")`);
  }
  if (forced !== null && !paths.length) throw new UsageError('--workload-format needs --workload FILE');
  if (args.workloadDatabase != null && !paths.length) throw new UsageError('--workload-database needs --workload FILE');
  if (!paths.length) return [];
  const { resolveWorkloadFiles } = await import('../workload/files/detect.ts');
  return resolveWorkloadFiles(paths.map((path) => ({ path, format: forced as WorkloadFormat | null })));
}
