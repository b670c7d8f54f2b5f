import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeWriteError, ensureDir, writeFileAtomically, writeFilesAtomically, WriteError } from '../../src/util/atomic.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const list = async (d = dir) => (await fs.readdir(d)).sort();

async function rejection(p: Promise<unknown>): Promise<WriteError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WriteError);
  expect((err as Error).message).not.toContain('\n');
  return err as WriteError;
}

/**
 * A directory nobody may create files in. As root, permissions do not stop writes, so the immutable
 * attribute does it (EPERM); returns null when neither works here.
 */
function lockDir(d: string): (() => void) | null {
  const probe = path.join(d, '.probe');
  const writable = () => {
    try {
      execFileSync('touch', [probe], { stdio: 'ignore' });
      execFileSync('rm', ['-f', probe]);
      return true;
    } catch {
      return false;
    }
  };
  if (process.getuid?.() !== 0) {
    execFileSync('chmod', ['0555', d]);
    return writable() ? null : () => execFileSync('chmod', ['0755', d]);
  }
  try {
    execFileSync('chattr', ['+i', d], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return writable() ? null : () => execFileSync('chattr', ['-i', d]);
}

describe('writeFileAtomically', () => {
  it('writes the content and leaves no temp file', async () => {
    const file = path.join(dir, 'a.json');
    await writeFileAtomically(file, '{"a":1}\n');
    expect(await fs.readFile(file, 'utf8')).toBe('{"a":1}\n');
    await writeFileAtomically(file, 'second');
    expect(await fs.readFile(file, 'utf8')).toBe('second');
    expect(await list()).toEqual(['a.json']);
  });

  it('names a missing directory in one line', async () => {
    const file = path.join(dir, 'missing', 'a.json');
    const err = await rejection(writeFileAtomically(file, 'x'));
    expect(err.message).toBe(`cannot write ${path.join(dir, 'missing')}/: directory does not exist`);
    expect(err.code).toBe('ENOENT');
  });

  it('shows a path relative to the working directory when it is inside it', () => {
    const err = describeWriteError(Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' }), path.join(process.cwd(), 'snapshots', 'x.json'));
    expect(err.message).toBe('cannot write snapshots/: permission denied');
    const rofs = describeWriteError(Object.assign(new Error('x'), { code: 'EROFS' }), path.join(process.cwd(), 'snapshots', 'x.json'));
    expect(rofs.message).toBe('cannot write snapshots/: read-only file system');
    const full = describeWriteError(Object.assign(new Error('x'), { code: 'ENOSPC' }), path.join(process.cwd(), 'out', 'x.sql'));
    expect(full.message).toBe('cannot write out/: no space left on device');
  });

  it('reports a directory it cannot create files in', async (ctx) => {
    const locked = path.join(dir, 'locked');
    await fs.mkdir(locked);
    const unlock = lockDir(locked);
    if (!unlock) return ctx.skip('cannot make a directory unwritable on this machine');
    try {
      const err = await rejection(writeFileAtomically(path.join(locked, 'a.json'), 'x'));
      expect(err.message).toMatch(new RegExp(`^cannot write ${locked}/: (permission denied|operation not permitted)$`));
      expect(await list(locked)).toEqual([]);
    } finally {
      unlock();
    }
  });
});

describe('writeFilesAtomically', () => {
  it('writes the whole set', async () => {
    await writeFilesAtomically([
      { path: path.join(dir, 'x.snapshot.json'), content: 'S' },
      { path: path.join(dir, 'x.migration.sql'), content: 'M' },
      { path: path.join(dir, 'x.rollback.sql'), content: 'R' },
    ]);
    expect(await list()).toEqual(['x.migration.sql', 'x.rollback.sql', 'x.snapshot.json']);
    expect(await fs.readFile(path.join(dir, 'x.rollback.sql'), 'utf8')).toBe('R');
  });

  it('writes nothing when a temp cannot be written (second file in a missing directory)', async () => {
    const err = await rejection(
      writeFilesAtomically([
        { path: path.join(dir, 'a.json'), content: 'A' },
        { path: path.join(dir, 'gone', 'b.sql'), content: 'B' },
      ]),
    );
    expect(err.message).toMatch(/gone\/: directory does not exist$/);
    expect(await list()).toEqual([]);
  });

  it('puts everything back when a rename fails part-way (target is a directory)', async () => {
    await fs.writeFile(path.join(dir, 'a.json'), 'old A');
    await fs.mkdir(path.join(dir, 'b.sql'));
    await fs.writeFile(path.join(dir, 'b.sql', 'inside'), 'keeps the directory non-empty');
    const err = await rejection(
      writeFilesAtomically([
        { path: path.join(dir, 'a.json'), content: 'new A' },
        { path: path.join(dir, 'new.txt'), content: 'N' },
        { path: path.join(dir, 'b.sql'), content: 'B' },
      ]),
    );
    expect(err.message).toBe(`cannot write ${path.join(dir, 'b.sql')}: is a directory`);
    // the first file was already renamed into place: it is the old content again, the new one is gone
    expect(await fs.readFile(path.join(dir, 'a.json'), 'utf8')).toBe('old A');
    expect(await list()).toEqual(['a.json', 'b.sql']);
    expect(await list(path.join(dir, 'b.sql'))).toEqual(['inside']);
  });

  it('writes nothing in an unwritable directory and leaves no temp', async (ctx) => {
    const locked = path.join(dir, 'locked');
    await fs.mkdir(locked);
    const unlock = lockDir(locked);
    if (!unlock) return ctx.skip('cannot make a directory unwritable on this machine');
    try {
      await rejection(
        writeFilesAtomically([
          { path: path.join(dir, 'ok.json'), content: 'fine' },
          { path: path.join(locked, 'b.sql'), content: 'B' },
        ]),
      );
      expect(await list()).toEqual(['locked']);
      expect(await list(locked)).toEqual([]);
    } finally {
      unlock();
    }
  });

  it('refuses the same path twice', async () => {
    const file = path.join(dir, 'same.sql');
    const err = await rejection(writeFilesAtomically([{ path: file, content: '1' }, { path: file, content: '2' }]));
    expect(err.message).toBe('cannot write the same file twice in one set');
    expect(await list()).toEqual([]);
  });
});

describe('ensureDir', () => {
  it('creates nested directories', async () => {
    await ensureDir(path.join(dir, 'a', 'b'));
    expect((await fs.stat(path.join(dir, 'a', 'b'))).isDirectory()).toBe(true);
  });

  it('says so when the path is a file', async () => {
    await fs.writeFile(path.join(dir, 'file'), '');
    const err = await rejection(ensureDir(path.join(dir, 'file')));
    expect(err.message).toBe(`cannot write ${path.join(dir, 'file')}/: not a directory`);
    const err2 = await rejection(ensureDir(path.join(dir, 'file', 'sub')));
    expect(err2.message).toBe(`cannot write ${path.join(dir, 'file', 'sub')}/: not a directory`);
  });

  // Node's own recursive mkdir never returns here; ours must answer at once.
  it.runIf(process.platform === 'linux')('refuses a directory that cannot be created (under /proc) without hanging', async () => {
    const err = await rejection(ensureDir('/proc/pgadvisor-test/x'));
    expect(err.message).toBe('cannot write /proc/pgadvisor-test/x/: cannot create a directory there');
  });
});
