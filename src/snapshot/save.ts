// Writing a session: the snapshot, its migration and its rollback, all or nothing; and the autosave
// that lets a crashed session recover its decisions.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureDir, writeFileAtomically, writeFilesAtomically } from '../util/atomic.ts';
import { parseSnapshot, serializeSnapshot, snapshotBaseName } from './io.ts';
import type { Snapshot } from './schema.ts';

export interface SavedFiles {
  snapshot: string;
  migration: string;
  rollback: string;
}

export function sessionPaths(dir: string, snapshot: Snapshot): SavedFiles {
  const base = path.join(dir, snapshotBaseName(snapshot));
  return { snapshot: `${base}.snapshot.json`, migration: `${base}.migration.sql`, rollback: `${base}.rollback.sql` };
}

/**
 * DIR/<base>.snapshot.json, .migration.sql and .rollback.sql, written together or not at all (DIR is
 * created when missing). Conflicting accepted findings throw MigrationConflictError before any file is
 * touched. Once saved, the session's autosave is no longer needed and is removed.
 */
export async function saveSession(dir: string, snapshot: Snapshot): Promise<SavedFiles> {
  const paths = sessionPaths(dir, snapshot);
  // imported here: it loads libpg-query's WASM, which the TUI's first screen does not need
  const { buildMigration } = await import('../migration/build.ts');
  const migration = buildMigration(snapshot, { name: snapshotBaseName(snapshot) });
  const json = serializeSnapshot(snapshot);
  await ensureDir(dir);
  await writeFilesAtomically([
    { path: paths.snapshot, content: json },
    { path: paths.migration, content: migration.up },
    { path: paths.rollback, content: migration.down },
  ]);
  await fs.rm(autosavePath(dir, snapshot), { force: true }).catch(() => undefined);
  return paths;
}

const AUTOSAVE_SUFFIX = '.autosave.json';

export function autosavePath(dir: string, snapshot: Snapshot): string {
  return path.join(dir, `${snapshotBaseName(snapshot)}${AUTOSAVE_SUFFIX}`);
}

/** The whole snapshot (decisions included), atomically, so a crash never leaves half an autosave. */
export async function autosave(dir: string, snapshot: Snapshot): Promise<string> {
  const file = autosavePath(dir, snapshot);
  await ensureDir(dir);
  await writeFileAtomically(file, serializeSnapshot(snapshot));
  return file;
}

/** Which autosaves count: those of this database (by name), of the demo or not. */
export interface AutosaveOf {
  database?: string;
  demo?: boolean;
}

/**
 * The newest readable autosave in `dir` (by modification time, then name) of the database `of` names, or
 * null when there is none. An autosave that no longer reads (written by a newer version, edited by hand) is
 * passed over.
 */
export async function findAutosave(dir: string, of: AutosaveOf = {}): Promise<{ file: string; snapshot: Snapshot } | null> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith(AUTOSAVE_SUFFIX));
  } catch {
    return null;
  }
  const dated = await Promise.all(
    names.map(async (n) => {
      const file = path.join(dir, n);
      const st = await fs.stat(file).catch(() => null);
      return st?.isFile() ? { file, mtime: st.mtimeMs } : null;
    }),
  );
  const candidates = dated.filter((d) => d !== null).sort((a, b) => b.mtime - a.mtime || (a.file < b.file ? 1 : -1));
  for (const c of candidates) {
    let snapshot: Snapshot;
    try {
      snapshot = parseSnapshot(await fs.readFile(c.file), c.file);
    } catch {
      continue;
    }
    if (of.database !== undefined && snapshot.server.database !== of.database) continue;
    if (of.demo !== undefined && snapshot.demo !== of.demo) continue;
    return { file: c.file, snapshot };
  }
  return null;
}
