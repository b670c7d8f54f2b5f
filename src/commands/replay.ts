// `pgadvisor replay FILE`: the session TUI over a saved snapshot, with no database. Saving writes a
// new snapshot derived from the file; the file itself is never overwritten.
import path from 'node:path';
import { readSnapshot, SnapshotError } from '../snapshot/io.ts';
import { farewell, fail, interactive, needsTerminal, runApp } from '../tui/run.ts';
import { TOOL_VERSION } from '../version.ts';

export async function replayCommand(args: { file: string; out: string }): Promise<number> {
  if (!interactive()) return fail(needsTerminal('replay'), 2);
  let snapshot;
  try {
    snapshot = await readSnapshot(args.file);
  } catch (err) {
    if (err instanceof SnapshotError) return fail(err.message, 2);
    throw err;
  }
  const { server, playbooks, findings, skipped } = snapshot;
  const result = await runApp({
    source: { kind: 'replay', file: args.file, database: server.database, takenAt: snapshot.takenAt, demo: snapshot.demo },
    data: { server, playbooks, findings, skipped },
    decisions: snapshot.decisions,
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
  return 0;
}
