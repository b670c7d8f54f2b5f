// The databases of a fleet run: --url (repeatable), --urls-file (one URL a line, # comments), and
// --all-databases (every database of each server that the role may connect to). Displayed as
// user@host:port/db: a password or a full URL is never shown.
import { readFile } from 'node:fs/promises';
import { fromUrl, redactUrl, resolveTarget, UsageError, type Target } from '../db/target.ts';

/** URLs of a --urls-file: one a line; blank lines and lines starting with # are skipped, as is a ` # comment` after a URL. */
export async function readUrlsFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --urls-file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code}`);
  }
  const urls: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    if (/\s/.test(line)) throw new UsageError(`${file}:${i + 1}: one connection URL a line (got "${redactUrl(line)}")`);
    urls.push(line);
  });
  if (!urls.length) throw new UsageError(`--urls-file ${file} has no connection URL`);
  return urls;
}

/** Targets from URLs (each checked as a URL), or the default connection when there is none; duplicates once. */
export function targetsOf(urls: string[]): Target[] {
  const targets = urls.length ? urls.map((u) => fromUrl(u, 'url')) : [resolveTarget(undefined)];
  const seen = new Set<string>();
  return targets.filter((t) => !seen.has(t.display) && seen.add(t.display));
}

/** The same server and role, another database. */
export function withDatabase(target: Target, database: string): Target {
  const display = target.display.replace(/\/[^/]*$/, `/${database}`);
  const cs = target.config.connectionString;
  if (cs) {
    const url = new URL(cs);
    url.pathname = `/${encodeURIComponent(database)}`;
    return { ...target, config: { ...target.config, connectionString: url.toString() }, display };
  }
  return { ...target, config: { ...target.config, database }, display };
}

// Templates are never checked; a database that does not allow connections, or that this role may not
// connect to, cannot be, and is left out rather than reported as failed.
const DATABASES_SQL = `
SELECT datname FROM pg_database
 WHERE datallowconn AND NOT datistemplate AND has_database_privilege(datname, 'CONNECT')
 ORDER BY datname`;

/** Every database on the server of `base` that its role can connect to, through one read-only session. */
export async function allDatabases(base: Target): Promise<Target[]> {
  const { ReadOnlyDb } = await import('../db/read-only.ts');
  const db = await ReadOnlyDb.open(base, { connections: 1 });
  try {
    const { rows } = await db.query(DATABASES_SQL);
    return rows.map((r) => withDatabase(base, String(r.datname)));
  } finally {
    await db.close();
  }
}
