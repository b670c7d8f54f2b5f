// What makes two statements the same statement in the workload: their tokens, with every constant and every
// $n alike, unquoted words folded to lower case, comments and spacing ignored, and a list of parameters
// (IN ($1, $2, $3), or PostgreSQL 18's IN ($1 /*, ... */)) counted as one. libpg-query's own fingerprint is not
// used for this: it also ignores digits at the end of relation names, so `events_2024` and `events_2025`, or
// `tenant_1` and `tenant_2`, would become one statement.
import { createHash } from 'node:crypto';
import { scan } from './lexer.ts';

export function statementKey(sql: string): string {
  const parts: string[] = [];
  scan(sql, (type, start, end) => {
    if (type === 'space' || type === 'comment') return;
    if (type === 'string' || type === 'number') parts.push('?');
    else if (type === 'param') parts.push('$');
    else if (type === 'ident') parts.push(sql.slice(start, end).toLowerCase());
    else parts.push(sql.slice(start, end));
  });
  return parts.join(' ').replace(/([$?]) (?:, [$?] )+(?=\))/g, '$1 ');
}

/** The statement's fingerprint: 16 hex digits of a hash of its key. */
export function statementFingerprint(sql: string): string {
  return createHash('sha1').update(statementKey(sql)).digest('hex').slice(0, 16);
}
