// Atomic file writes: a temp file in the target's own directory, fsync, then rename over the target,
// so a reader (or a crash) never sees half a file. A set of files is written all-or-nothing.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface FileToWrite {
  path: string;
  content: string;
}

/** A write that failed, with a one-line message naming the file or directory. */
export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'directory does not exist',
  ENOTDIR: 'a path component is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
};

/** Errors about the directory (cannot create a file there) name the directory; the rest name the file. */
const DIRECTORY_LEVEL = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EDQUOT']);

function displayDir(file: string): string {
  const dir = path.dirname(file);
  const rel = path.relative(process.cwd(), dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? dir : rel;
  return shown.endsWith(path.sep) ? shown : shown + path.sep;
}

function displayFile(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** One line for a failed write of `file`: "cannot write snapshots/: permission denied". */
export function describeWriteError(err: unknown, file: string): WriteError {
  if (err instanceof WriteError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && REASONS[code]) || firstLine(err);
  const where = code && DIRECTORY_LEVEL.has(code) ? displayDir(file) : displayFile(file);
  return new WriteError(`cannot write ${where}: ${reason}`, code);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim() || 'unknown error';
}

function tempNameFor(file: string, tag: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.${tag}`);
}

async function writeAndSync(file: string, content: string): Promise<void> {
  const handle = await fs.open(file, 'wx', 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the renames durable; some file systems refuse to fsync a directory, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort: the rename itself is already atomic
  } finally {
    await handle?.close();
  }
}

async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true }).catch(() => undefined);
}

export async function writeFileAtomically(file: string, content: string): Promise<void> {
  await writeFilesAtomically([{ path: file, content }]);
}

interface Placed {
  target: string;
  /** where the previous target was moved aside, to restore it if a later rename fails */
  backup: string | null;
}

/**
 * Writes every temp file first; renames only when all of them were written. If a rename fails
 * part-way, the targets already replaced are put back as they were, so the set is never half-written.
 * Temps and backups are always cleaned up.
 */
export async function writeFilesAtomically(files: FileToWrite[]): Promise<void> {
  const targets = files.map((f) => path.resolve(f.path));
  if (new Set(targets).size !== targets.length) throw new WriteError('cannot write the same file twice in one set', undefined);
  const temps: string[] = [];
  try {
    for (let i = 0; i < files.length; i++) {
      const temp = tempNameFor(targets[i], 'tmp');
      try {
        await writeAndSync(temp, files[i].content);
      } catch (err) {
        await removeQuietly(temp);
        throw describeWriteError(err, targets[i]);
      }
      temps.push(temp);
    }
    await renameAll(targets, temps);
  } finally {
    for (const t of temps) await removeQuietly(t);
  }
  for (const dir of new Set(targets.map((t) => path.dirname(t)))) await syncDir(dir);
}

async function renameAll(targets: string[], temps: string[]): Promise<void> {
  const placed: Placed[] = [];
  try {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      let backup: string | null = null;
      if (await isReplaceableFile(target)) {
        backup = tempNameFor(target, 'bak');
        await fs.rename(target, backup).catch((err) => {
          throw describeWriteError(err, target);
        });
      }
      try {
        await fs.rename(temps[i], target);
      } catch (err) {
        if (backup) await fs.rename(backup, target).catch(() => undefined);
        throw describeWriteError(err, target);
      }
      placed.push({ target, backup });
    }
  } catch (err) {
    for (const p of placed.reverse()) {
      await removeQuietly(p.target);
      if (p.backup) await fs.rename(p.backup, p.target).catch(() => undefined);
    }
    throw err;
  }
  for (const p of placed) if (p.backup) await removeQuietly(p.backup);
}

/** An existing file (or link) the rename will replace; a directory there makes the rename fail instead. */
async function isReplaceableFile(file: string): Promise<boolean> {
  try {
    const st = await fs.lstat(file);
    return st.isFile() || st.isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time (Node's recursive mkdir spins forever on
 * some pseudo file systems, e.g. under /proc), with a one-line error when that is impossible.
 */
export async function ensureDir(dir: string): Promise<void> {
  const shown = `${displayFile(dir)}${path.sep}`;
  const missing: string[] = [];
  for (let cur = path.resolve(dir); ; cur = path.dirname(cur)) {
    let st;
    try {
      st = await fs.stat(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new WriteError(`cannot write ${shown}: not a directory`, code);
      if (code !== 'ENOENT') throw new WriteError(`cannot write ${shown}: ${REASONS[code ?? ''] ?? firstLine(err)}`, code);
    }
    if (st) {
      if (!st.isDirectory()) throw new WriteError(`cannot write ${shown}: not a directory`, 'ENOTDIR');
      break;
    }
    missing.unshift(cur);
    if (path.dirname(cur) === cur) break;
  }
  for (const d of missing) {
    try {
      await fs.mkdir(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await fs.stat(d).then((x) => x.isDirectory(), () => false))) continue;
      const reason = code === 'ENOENT' ? 'cannot create a directory there' : (code && REASONS[code]) || firstLine(err);
      throw new WriteError(`cannot write ${shown}: ${reason}`, code);
    }
  }
}
