import { redactUrl } from '../db/target.ts';

/** Prints one line for any error, never a stack (PGADVISOR_DEBUG=1 shows it), and returns the exit code. */
export function reportError(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof Error && err.constructor !== Error && err.constructor !== TypeError && err.constructor !== RangeError;
  const line = redactUrl(message.split('\n')[0]);
  process.stderr.write(`pgadvisor: ${known ? '' : 'unexpected error: '}${line}\n`);
  if (process.env.PGADVISOR_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 2;
}
