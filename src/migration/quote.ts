// Quoting for the SQL and comments pgadvisor writes itself (verify scripts, headers). Statements that come
// from findings are never re-quoted: they were built by the server's own format('%I').
import { loadModule } from 'libpg-query';
import { terminalText } from '../util/untrusted-text.ts';
import { scanTokens } from './sql-scan.ts';

await loadModule();

/** Like Postgres's quote_ident: bare only when lower-case, simple and not a keyword that needs quoting. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name)) {
    const tokens = scanTokens(name);
    if (tokens.length === 1 && (tokens[0].keywordName === 'NO_KEYWORD' || tokens[0].keywordName === 'UNRESERVED_KEYWORD')) return name;
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name` (or just `name`), each part quoted. */
export function qualifiedName(schema: string | null | undefined, name: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** A standard-conforming string literal (standard_conforming_strings is on since 9.1). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Text from the catalog or a snapshot, made safe to put after `--` (or `//`) on one line: the terminal
 * rule, so a line break cannot end the comment, and a file shown with `cat` cannot drive the terminal.
 */
export function commentText(text: string): string {
  return terminalText(text).trim();
}
