// `pgadvisor replay FILE`: the review TUI over a saved snapshot, with no database. Saving writes a new
// snapshot derived from the file; the file itself is never overwritten.
import path from 'node:path';
import { readSnapshot, SnapshotError } from '../snapshot/io.ts';
import { farewell, interactive, needsTerminal, runReview } from '../tui/run.ts';
import { TOOL_VERSION } from '../version.ts';
import { fail } from './fail.ts';

export async function replayCommand(args: { file: string; out: string }): Promise<number> {
  if (!interactive()) return fail(needsTerminal('replay'));
  let snapshot;
  try {
    snapshot = await readSnapshot(args.file);
  } catch (err) {
    if (err instanceof SnapshotError) return fail(err.message);
    throw err;
  }
  const { server, playbooks, findings, skipped } = snapshot;
  const result = await runReview({
    source: { kind: 'replay', file: args.file, database: server.database, takenAt: snapshot.takenAt, demo: snapshot.demo },
    data: { server, playbooks, findings, skipped },
    decisions: snapshot.decisions,
    // the engineer's own cells with their last results; editable, not runnable (no database)
    scratch: snapshot.notes,
    baseline: snapshot.baseline,
    // the data's time stays; the replay's own time names the derived files, apart from the original's
    takenAt: snapshot.takenAt,
    savedAt: new Date().toISOString(),
    derivedFrom: path.basename(args.file),
    protect: args.file,
    outDir: args.out,
    toolVersion: TOOL_VERSION,
    demo: snapshot.demo,
  });
  farewell(result);
  return result.code;
}
