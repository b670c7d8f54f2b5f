import { redactUrl } from '../db/target.ts';

/** One line on stderr (the first line of `message`, URLs redacted); returns the exit code. */
export function fail(message: string, code = 2): number {
  process.stderr.write(`pgadvisor: ${redactUrl(message.split('\n')[0])}\n`);
  return code;
}

/** Prints one line for any error, never a stack (PGADVISOR_DEBUG=1 shows it), and returns the exit code. */
export function reportError(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof Error && err.constructor !== Error && err.constructor !== TypeError && err.constructor !== RangeError;
  fail(`${known ? '' : 'unexpected error: '}${message}`);
  if (process.env.PGADVISOR_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 2;
}
