// All-or-nothing writes of an export: every file goes to a temp dir inside --out first, and is renamed into
// place only when all are written; a failure undoes the renames already done.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export class ExportError extends Error {
  override name = 'ExportError';
}

export interface OutFile {
  /** relative to the output dir, with `/` separators */
  path: string;
  content: string;
  /** an existing file with other content may be replaced (sqitch.plan, which the export extends) */
  replaces?: boolean;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a parent is not a directory',
    EEXIST: 'already exists',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EISDIR: 'is a directory',
  };
  return (e?.code && known[e.code]) || String(e?.message ?? err).split('\n')[0];
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ExportError(`cannot read ${file}: ${reason(err)}`);
  }
}

/** Existing file content under outDir, or null; exporters that extend a file (sqitch.plan) read it here. */
export function readExisting(outDir: string, rel: string): Promise<string | null> {
  return readOrNull(path.join(outDir, rel));
}

/** Makes `dir` and its missing parents; returns those it created, deepest last. */
async function makeDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    try {
      const st = await fs.stat(d);
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.unshift(d);
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  for (const m of missing) await fs.mkdir(m);
  return missing;
}

async function removeDirs(dirs: string[]): Promise<void> {
  for (const d of [...dirs].reverse()) await fs.rmdir(d).catch(() => undefined);
}

/** Writes `files` under outDir all at once; returns their paths (outDir joined with each relative path). */
export async function writeExport(outDir: string, files: OutFile[]): Promise<string[]> {
  const created: string[] = [];
  try {
    created.push(...(await makeDirs(outDir)));
  } catch (err) {
    throw new ExportError(`cannot write to ${outDir}: ${reason(err)}`);
  }
  let tmp: string;
  try {
    tmp = await fs.mkdtemp(path.join(outDir, '.pgadvisor-export-'));
  } catch (err) {
    await removeDirs(created);
    throw new ExportError(`cannot write to ${outDir}: ${reason(err)}`);
  }
  const done: { target: string; backup: string | null }[] = [];
  try {
    // 1. everything into the temp dir
    for (const [i, f] of files.entries()) {
      await fs.writeFile(path.join(tmp, String(i)), f.content);
    }
    // 2. refuse to clobber what someone else wrote, before touching anything
    const toPlace: { i: number; target: string; exists: boolean }[] = [];
    for (const [i, f] of files.entries()) {
      const target = path.join(outDir, ...f.path.split('/'));
      const stat = await fs.lstat(target).catch(() => null);
      if (stat?.isDirectory()) throw new ExportError(`cannot write ${target}: a directory is in the way`);
      if (stat) {
        const existing = await readOrNull(target);
        if (existing === f.content) continue;
        if (!f.replaces) throw new ExportError(`refusing to overwrite ${target}: it exists with other content`);
      }
      toPlace.push({ i, target, exists: Boolean(stat) });
    }
    // 3. rename into place, keeping what a replaced file held until the end
    for (const t of toPlace) {
      created.push(...(await makeDirs(path.dirname(t.target))));
      let backup: string | null = null;
      if (t.exists) {
        backup = path.join(tmp, `backup-${t.i}`);
        await fs.rename(t.target, backup);
      }
      done.push({ target: t.target, backup });
      await fs.rename(path.join(tmp, String(t.i)), t.target);
    }
  } catch (err) {
    for (const d of done.reverse()) {
      await fs.rm(d.target, { force: true }).catch(() => undefined);
      if (d.backup) await fs.rename(d.backup, d.target).catch(() => undefined);
    }
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    await removeDirs(created);
    if (err instanceof ExportError) throw err;
    throw new ExportError(`cannot write to ${outDir}: ${reason(err)}`);
  }
  await fs.rm(tmp, { recursive: true, force: true });
  return files.map((f) => path.join(outDir, ...f.path.split('/')));
}
