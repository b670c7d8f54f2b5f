// Many databases in one run: at most `jobs` at a time, each in its own sessions, so a database that is
// unreachable, refuses us or fails mid-run is reported as failed while the others complete.
import { availableParallelism } from 'node:os';
import { clean } from '../db/errors.ts';
import type { Target } from '../db/target.ts';
import { failedOutcome, type DatabaseOutcome } from '../ci/outcome.ts';

/**
 * Two per core: a job spends most of its time waiting on its server, and each holds two connections,
 * so the default keeps 4 × cores connections open across the fleet.
 */
export function defaultJobs(): number {
  return Math.max(2, availableParallelism() * 2);
}

/** Runs `check` for every target, `jobs` at a time; results come back in the targets' order. */
export async function runFleet(
  targets: Target[],
  jobs: number,
  check: (target: Target) => Promise<DatabaseOutcome>,
  onDone?: (outcome: DatabaseOutcome, done: number) => void,
): Promise<DatabaseOutcome[]> {
  const results: DatabaseOutcome[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      try {
        results[i] = await check(targets[i]);
      } catch (err) {
        // the target is on the line already: "cannot connect to user@host:port/db: refused" reads "cannot connect: refused"
        const message = clean((err instanceof Error ? err.message : String(err)).split('\n')[0]).replace(` to ${targets[i].display}:`, ':');
        results[i] = failedOutcome(targets[i].display, message || 'failed');
      }
      onDone?.(results[i], ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, targets.length)) }, worker));
  return results;
}
