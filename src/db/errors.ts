import { terminalText } from '../util/untrusted-text.ts';
import { redactUrl } from './target.ts';

interface PgLikeError {
  code?: string;
  message?: string;
  errno?: number;
  syscall?: string;
  hostname?: string;
  address?: string;
  port?: number;
}

/** One line for a failed connection, naming the target but never a password. */
export function describeConnectError(err: unknown, display: string): string {
  const e = (err ?? {}) as PgLikeError;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${display}: connection refused (is the server running and listening there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${display}: unknown host ${e.hostname ?? ''}`.trimEnd();
    case 'ETIMEDOUT':
      return `cannot connect to ${display}: connection timed out`;
    case 'ECONNRESET':
      return `cannot connect to ${display}: the server closed the connection`;
    case '28P01':
      return `cannot connect to ${display}: password authentication failed`;
    case '28000':
      return `cannot connect to ${display}: ${clean(e.message)}`;
    case '3D000':
      return `cannot connect to ${display}: ${clean(e.message)}`;
    case '53300':
      return `cannot connect to ${display}: too many connections`;
    default:
      return `cannot connect to ${display}: ${clean(e.message) || 'unknown error'}`;
  }
}

/**
 * A server or driver message as one line: the password of any URL in it redacted, and the names it quotes
 * (which may hold line breaks or escape sequences) shown through the untrusted-text rule.
 */
export function clean(message: string | undefined): string {
  return terminalText(redactUrl((message ?? '').trim()));
}
