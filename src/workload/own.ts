// pgadvisor's own statements, recognizable wherever the server records them (pg_stat_statements, server
// logs, pg_stat_activity). Every statement the advisor sends carries the marker comment at its start and at
// its end: pg_stat_statements keeps the text of a statement from its first character up to its `;`, but
// PostgreSQL 18 drops the comments before a statement's first token, so the leading marker alone is lost
// there while the trailing one stays. On PostgreSQL 13-17 both are kept.
//
// No imports: the notebook loader and the session read this without loading anything else.

export const OWN_MARKER = '/* pgadvisor */';

/**
 * The POSIX regular expression (for `query !~ '…'` in SQL) that matches a statement carrying the marker at
 * either end, and the one statement hypopg runs itself (through SPI, to find a free OID for its first
 * hypothetical index in a backend): with pg_stat_statements.track = all it is recorded as a nested statement.
 */
export const OWN_STATEMENT_PATTERN = String.raw`^\s*/\*\s*pgadvisor\s*\*/|/\*\s*pgadvisor\s*\*/\s*;?\s*$|^SELECT max\(oid\) FROM pg_catalog\.pg_class WHERE oid < \$1$`;

/** The condition every cell that reads pg_stat_statements applies to its `query` column (the loader checks for it). */
export const OWN_STATEMENT_FILTER = `!~ '${OWN_STATEMENT_PATTERN}'`;

const OWN = new RegExp(OWN_STATEMENT_PATTERN);

/** True when a statement's text (as a log or pg_stat_statements recorded it) is one pgadvisor sent. */
export function isOwnStatement(text: string): boolean {
  return (text.includes('pgadvisor') || text.startsWith('SELECT max(oid)')) && OWN.test(text);
}

/**
 * The statement as pgadvisor sends it: the marker before it and on a line of its own after it, so a statement
 * that ends in a `--` comment does not swallow the closing marker.
 */
export function markOwn(sql: string): string {
  return `${OWN_MARKER} ${sql}\n${OWN_MARKER}`;
}
