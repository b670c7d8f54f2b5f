// `pgadvisor check` starts connecting while the rest of the CLI loads (yargs, the command, the notebooks):
// the read-only session and the server facts are often ready by the time the command asks for them.
// Only for one database named plainly on the command line or in the environment; anything else (a
// fleet, --help, the demo) connects the ordinary way. A connection the command does not take is closed.
import type { ReadOnlyDb } from './read-only.ts';
import { resolveTarget, type Target } from './target.ts';
import type { ServerFacts } from '../playbooks/types.ts';

export interface Opened {
  db: ReadOnlyDb;
  server: ServerFacts;
}

let early: { key: string; opening: Promise<Opened> } | null = null;

const keyOf = (t: Target) => `${t.source}\u0000${t.display}\u0000${t.config.connectionString ?? ''}`;

/** The --url of `check ARGS` when there is exactly one and nothing asks for several databases or for help. */
export function singleUrl(args: string[]): string | undefined | null {
  const urls: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (/^(--urls-file|--all-databases|--help|-h|--version|-v)(=|$)/.test(a)) return null;
    if (a === '--url') urls.push(args[++i] ?? '');
    else if (a.startsWith('--url=')) urls.push(a.slice('--url='.length));
  }
  if (urls.length > 1) return null;
  return urls[0];
}

/** Begins opening the session for `check ARGS`; errors wait for the command, which reports them. */
export function prestart(args: string[]): void {
  const url = singleUrl(args);
  if (url === null) return;
  let target: Target;
  try {
    target = resolveTarget(url);
  } catch {
    return; // a malformed URL: the command says so
  }
  if (target.source === 'demo') return;
  const opening = (async () => {
    const [{ ReadOnlyDb }, { probeServer }] = await Promise.all([import('./read-only.ts'), import('./server-facts.ts')]);
    const db = await ReadOnlyDb.open(target);
    try {
      return { db, server: await probeServer(db) };
    } catch (err) {
      await db.close();
      throw err;
    }
  })();
  opening.catch(() => undefined); // handled where it is taken
  early = { key: keyOf(target), opening };
}

/** The session opened early for this target, if any (taken once). */
export function takePrestarted(target: Target): Promise<Opened> | null {
  if (!early || early.key !== keyOf(target)) return null;
  const { opening } = early;
  early = null;
  return opening;
}

/** Closes a session opened early that no command took (a usage error, a fleet run). */
export async function releasePrestarted(): Promise<void> {
  if (!early) return;
  const { opening } = early;
  early = null;
  await opening.then((o) => o.db.close(), () => undefined);
}
