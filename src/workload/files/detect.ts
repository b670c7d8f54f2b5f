// Which kind of workload a file holds, from its first 64 kB: a pg_stat_statements export (JSON or CSV with
// query and calls columns), a server log (jsonlog, csvlog, or stderr with any log_line_prefix), or SQL.
import { open } from 'node:fs/promises';
import { fingerprintSync, loadModule } from 'libpg-query';
import { UsageError } from '../../db/target.ts';
import { lex, splitStatements } from '../lexer.ts';
import type { WorkloadFileSpec, WorkloadFormat } from '../types.ts';

const HEAD = 64 * 1024;
export const KNOWN_FORMATS =
  'a PostgreSQL server log (stderr, csvlog or jsonlog), a .sql file of statements, or a pg_stat_statements export (CSV or JSON)';

/** The files with their formats, detected unless forced; a file that is none of them is a usage error naming it. */
export async function resolveWorkloadFiles(files: WorkloadFileSpec[]): Promise<(WorkloadFileSpec & { format: WorkloadFormat })[]> {
  const out: (WorkloadFileSpec & { format: WorkloadFormat })[] = [];
  for (const f of files) out.push({ ...f, format: f.format ?? (await detectFormat(f.path)) });
  return out;
}

export async function detectFormat(path: string): Promise<WorkloadFormat> {
  const head = await readHead(path);
  const format = await formatOf(head);
  if (!format) throw new UsageError(`${path}: not a workload in any known format (${KNOWN_FORMATS})`);
  return format;
}

async function readHead(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read the workload file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : code})`);
  }
  try {
    const buf = Buffer.alloc(HEAD);
    const { bytesRead } = await handle.read(buf, 0, HEAD, 0).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`${path}: cannot read the workload file (${err.code === 'EISDIR' ? 'a directory' : err.code})`);
    });
    if (!bytesRead) throw new UsageError(`${path}: the workload file is empty`);
    const bytes = buf.subarray(0, bytesRead);
    if (bytes.includes(0)) throw new UsageError(`${path}: not a workload in any known format (a binary file; expected ${KNOWN_FORMATS})`);
    // a multi-byte character cut at the end of the head is dropped with the last line
    return bytes.toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

const LEVEL = /(?:^|[\s:\]>-])(?:LOG|ERROR|WARNING|FATAL|PANIC|DETAIL|STATEMENT|NOTICE|INFO|DEBUG[1-5]?): {2}/;
// csvlog's first field: the time with its zone abbreviation (or offset), then the comma
const CSVLOG = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z][A-Za-z0-9_/+-]*| [+-]\d\d(?::?\d\d)?)?,/;

/** The format of a file's head, or null when it is none of the known ones. */
export async function formatOf(head: string): Promise<WorkloadFormat | null> {
  const lines = head.split(/\r?\n/);
  // the last line may be cut in the middle
  if (lines.length > 1) lines.pop();
  const first = lines.find((l) => l.trim()) ?? head;
  const start = head.trimStart();
  // an array of rows (its line breaks escaped when \copy wrote it); not a log whose prefix starts with [%p]
  if (/^\[(?:\s|\\[nrt])*[{\]]/.test(start)) return 'json';
  if (start.startsWith('{')) {
    try {
      const row = JSON.parse(first) as Record<string, unknown>;
      if ('error_severity' in row || ('message' in row && 'timestamp' in row)) return 'jsonlog';
      if ('query' in row && 'calls' in row) return 'json';
    } catch {
      return null;
    }
    return null;
  }
  if (CSVLOG.test(first)) return 'csvlog';
  const header = first.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.includes('query') && header.includes('calls')) return 'csv';
  if (lines.slice(0, 200).some((l) => LEVEL.test(l))) return 'stderr';
  return (await readsAsSql(head)) ? 'sql' : null;
}

/** Some of the first statements parse: the head is SQL (a cut last statement may not). */
async function readsAsSql(head: string): Promise<boolean> {
  const tokens = lex(head);
  if (!tokens.some((t) => t.type === 'ident')) return false;
  await loadModule();
  const statements = splitStatements(head, tokens).slice(0, 20);
  return statements.some((s) => {
    try {
      fingerprintSync(s.text.replace(/^\s*\\.*$/gm, ''));
      return true;
    } catch {
      return false;
    }
  });
}
