import { parse } from 'pg-connection-string';
import type { ClientConfig } from 'pg';

export type TargetSource = 'url' | 'DATABASE_URL' | 'libpq' | 'demo';

/** Where to connect, and a display string that never holds a password. */
export interface Target {
  source: TargetSource;
  config: ClientConfig;
  display: string;
}

export class UsageError extends Error {}

const LIBPQ_VARS = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSERVICE'];

/** --url, else DATABASE_URL, else libpq PG* variables (pg reads them and ~/.pgpass), else the demo. */
export function resolveTarget(url: string | undefined, env: NodeJS.ProcessEnv = process.env): Target {
  if (url) return fromUrl(url, 'url');
  if (env.DATABASE_URL) return fromUrl(env.DATABASE_URL, 'DATABASE_URL');
  if (LIBPQ_VARS.some((v) => env[v])) {
    const user = env.PGUSER ?? 'postgres';
    const host = env.PGHOST ?? env.PGHOSTADDR ?? 'localhost';
    const db = env.PGDATABASE ?? user;
    return { source: 'libpq', config: {}, display: `${user}@${host}:${env.PGPORT ?? 5432}/${db}` };
  }
  return { source: 'demo', config: {}, display: 'embedded demo database' };
}

export function fromUrl(url: string, source: TargetSource): Target {
  if (!/^postgres(ql)?:\/\//i.test(url) && !/^socket:\/\//i.test(url)) {
    throw new UsageError(`malformed connection URL (expected postgres://user@host:port/db): ${redactUrl(url)}`);
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(url);
  } catch {
    throw new UsageError(`malformed connection URL: ${redactUrl(url)}`);
  }
  if (parsed.port && !/^\d+$/.test(String(parsed.port))) {
    throw new UsageError(`malformed connection URL (port "${parsed.port}" is not a number): ${redactUrl(url)}`);
  }
  const user = parsed.user ?? process.env.PGUSER ?? 'postgres';
  const host = parsed.host ?? 'localhost';
  const db = parsed.database ?? user;
  return {
    source,
    config: { connectionString: url },
    display: `${user}@${host}:${parsed.port || 5432}/${db}`,
  };
}

/** Replaces the password in anything that looks like a connection URL. */
export function redactUrl(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}
