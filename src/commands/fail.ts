import { redactUrl } from '../db/target.ts';
import { terminalText } from '../util/untrusted-text.ts';

/**
 * One line on stderr, URLs redacted, through the untrusted-text rule (names in it may hold line breaks or escape
 * sequences); returns the exit code.
 */
export function fail(message: string, code = 2): number {
  process.stderr.write(`pgadvisor: ${terminalText(redactUrl(message.trim()))}\n`);
  return code;
}

/**
 * Prints one line for any error, never a stack (PGADVISOR_DEBUG=1 shows it), and returns the exit code.
 * Our own errors are one line by contract, but the names in them may hold line breaks or escape sequences:
 * the whole message is shown through the untrusted-text rule. An unexpected error shows its first line.
 */
export function reportError(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof Error && err.constructor !== Error && err.constructor !== TypeError && err.constructor !== RangeError;
  fail(`${known ? '' : 'unexpected error: '}${known ? message : message.split('\n')[0]}`);
  if (process.env.PGADVISOR_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 2;
}
