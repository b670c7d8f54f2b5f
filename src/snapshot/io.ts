// Reading, building and serializing pgadvisor.snapshot/v1 documents.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { CellRun, Decision, Row, RunResult } from '../playbooks/types.ts';
import { jsonText } from '../util/untrusted-text.ts';
import { SNAPSHOT_FORMAT, SNAPSHOT_MINOR, snapshotSchema, type Snapshot } from './schema.ts';

/** A snapshot that cannot be read or built; the message is one line, fit to print as-is. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

const FORMAT_PREFIX = 'pgadvisor.snapshot/';
const SUPPORTED_MAJOR = Number(SNAPSHOT_FORMAT.slice(FORMAT_PREFIX.length + 1));

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

export async function readSnapshot(file: string): Promise<Snapshot> {
  const name = shown(file);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : oneLine(err);
    throw new SnapshotError(`cannot read ${name}: ${reason}`);
  }
  return parseSnapshot(bytes, name);
}

/** Parses snapshot bytes; `name` only labels the error messages. */
export function parseSnapshot(bytes: Uint8Array, name: string): Snapshot {
  const fail = (reason: string): never => {
    throw new SnapshotError(`cannot read ${name}: ${reason}`);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('binary data, not a JSON snapshot');
  }
  if (text.includes('\u0000')) fail('binary data, not a JSON snapshot');
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') fail('the file is empty (not a pgadvisor snapshot)');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON, truncated or corrupt (${oneLine(err)})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('not a pgadvisor snapshot (not a JSON object)');
  const format = (doc as Record<string, unknown>).format;
  if (typeof format !== 'string') fail(`not a pgadvisor snapshot (no "format": "${SNAPSHOT_FORMAT}" field)`);
  checkFormat(format as string, fail);
  const parsed = snapshotSchema.safeParse(doc);
  if (!parsed.success) fail(`invalid snapshot: ${describeIssue(parsed.error)}`);
  return (parsed as { data: Snapshot }).data;
}

function checkFormat(format: string, fail: (reason: string) => never): void {
  const m = /^pgadvisor\.snapshot\/v(\d+)$/.exec(format);
  if (!format.startsWith(FORMAT_PREFIX)) fail(`not a pgadvisor snapshot (format is ${JSON.stringify(clip(format))})`);
  if (!m) fail(`unknown snapshot format ${JSON.stringify(clip(format))}; this version reads v${SUPPORTED_MAJOR}`);
  const major = Number(m![1]);
  if (major > SUPPORTED_MAJOR) fail(`written by a newer pgadvisor: ${format}; this version reads v${SUPPORTED_MAJOR}`);
  if (major < SUPPORTED_MAJOR) fail(`unsupported old snapshot format ${format}; this version reads v${SUPPORTED_MAJOR}`);
}

/** "findings[2].severity: Invalid option: expected one of ..." — the first problem only. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  let where = '';
  for (const part of issue.path) {
    if (typeof part === 'number') where += `[${part}]`;
    else where += where === '' ? String(part) : `.${String(part)}`;
  }
  return `${where || '(document)'}: ${oneLine(issue.message)}`;
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

// ---------------------------------------------------------------------------------------------
// Building a snapshot from a session

export const DEFAULT_ROWS_PER_CELL = 200;

export interface NewSnapshotOptions {
  toolVersion: string;
  takenAt: string;
  demo: boolean;
  decisions?: Record<string, Decision>;
  derivedFrom?: string | null;
  /** replay: when the derived snapshot was saved */
  savedAt?: string | null;
  baseline?: Snapshot['baseline'];
  rowsPerCell?: number;
}

/**
 * pg_stats columns that hold samples of table contents (user data). The playbooks never select them;
 * this is the second line of defence.
 */
const USER_DATA_COLUMN = /most_common|histogram/i;

export function isUserDataColumn(name: string): boolean {
  return USER_DATA_COLUMN.test(name);
}

export function newSnapshot(data: RunResult, opts: NewSnapshotOptions): Snapshot {
  const cap = opts.rowsPerCell ?? DEFAULT_ROWS_PER_CELL;
  const s = data.server;
  const doc: Snapshot = {
    format: SNAPSHOT_FORMAT,
    minor: SNAPSHOT_MINOR,
    tool: { name: 'pgadvisor', version: opts.toolVersion },
    takenAt: opts.takenAt,
    derivedFrom: opts.derivedFrom ?? null,
    savedAt: opts.savedAt ?? null,
    demo: opts.demo,
    // field by field: nothing that is not a catalog fact ends up here, even if the object carries more
    server: {
      version: s.version,
      versionNum: s.versionNum,
      database: s.database,
      user: s.user,
      product: redactSecrets(s.product),
      inRecovery: s.inRecovery,
      extensions: s.extensions.map((e) => ({ name: e.name, version: e.version, schema: e.schema })),
      availableExtensions: [...s.availableExtensions],
      privileges: { ...s.privileges },
      settings: Object.fromEntries(Object.entries(s.settings).map(([k, v]) => [k, redactSecrets(String(v))])),
      statsReset: s.statsReset,
      postmasterStart: s.postmasterStart,
      managedSchemas: [...(s.managedSchemas ?? [])],
      provider: s.provider ? { id: s.provider.id, name: s.provider.name, evidence: [...s.provider.evidence] } : null,
    },
    playbooks: data.playbooks.map((p) => ({
      id: p.id,
      title: p.title,
      summary: p.summary,
      blocks: p.blocks.map((b) => ({ ...b })),
      runs: p.runs.map((r) => capRun(r, cap)),
    })),
    findings: data.findings.map((f) => ({
      id: f.id,
      playbook: f.playbook,
      check: f.check,
      severity: f.severity,
      target: f.target,
      title: f.title,
      rationale: f.rationale,
      evidence: scrubRecord(f.evidence),
      up: f.up,
      down: f.down,
      drops: [...f.drops],
      keeps: [...f.keeps],
    })),
    skipped: data.skipped.map((k) => ({ playbook: k.playbook, check: k.check, reason: k.reason })),
    decisions: { ...(opts.decisions ?? {}) },
    baseline: opts.baseline ?? null,
  };
  const checked = snapshotSchema.safeParse(doc);
  if (!checked.success) throw new SnapshotError(`cannot build the snapshot: ${describeIssue(checked.error)}`);
  return checked.data;
}

function capRun(run: CellRun, cap: number): Snapshot['playbooks'][number]['runs'][number] {
  const columns = run.columns.filter((c) => !isUserDataColumn(c));
  const kept = run.rows.slice(0, cap).map((row) => scrubRow(row));
  return {
    playbook: run.playbook,
    cell: run.cell,
    kind: run.kind,
    title: run.title,
    sql: run.sql,
    status: run.status,
    reason: run.reason === null ? null : redactSecrets(run.reason),
    durationMs: Math.max(0, run.durationMs),
    columns,
    rows: kept,
    rowCount: Math.max(run.rowCount, run.rows.length),
    truncated: run.truncated || run.rows.length > cap,
  };
}

function scrubRow(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) if (!isUserDataColumn(k)) out[k] = jsonSafe(v);
  return out;
}

function scrubRecord(rec: Record<string, unknown>): Record<string, unknown> {
  return jsonSafe(rec) as Record<string, unknown>;
}

/** Plain JSON values only, with user-data keys dropped and secrets in strings redacted. */
function jsonSafe(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return redactSecrets(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!isUserDataColumn(k)) out[k] = jsonSafe(x);
    return out;
  }
  return String(v);
}

/**
 * Drops passwords from connection URLs, libpq conninfo strings (pg_subscription.subconninfo) and
 * statement texts (`ALTER ROLE … PASSWORD '…'` as pg_stat_statements may keep it).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']+)/gi, '$1***')
    .replace(/(\bpassword\s+)('(?:[^']|'')*'|\$\$[^]*?\$\$)/gi, "$1'***'");
}

// ---------------------------------------------------------------------------------------------
// Serializing

/** Stable bytes: 2-space JSON, objects in schema order, map-like records sorted, rows in column order. */
export function serializeSnapshot(s: Snapshot): string {
  const checked = snapshotSchema.safeParse(canonicalRecords(s));
  if (!checked.success) throw new SnapshotError(`cannot write the snapshot: ${describeIssue(checked.error)}`);
  // exact values; characters a terminal acts on as \u escapes, so printing the file is harmless
  return jsonText(checked.data, 2) + '\n';
}

function canonicalRecords(s: Snapshot): Snapshot {
  return {
    ...s,
    server: { ...s.server, settings: sortKeys(s.server.settings) },
    playbooks: s.playbooks.map((p) => ({
      ...p,
      runs: p.runs.map((r) => ({ ...r, rows: r.rows.map((row) => rowInColumnOrder(row, r.columns)) })),
    })),
    findings: s.findings.map((f) => ({ ...f, evidence: deepSortKeys(f.evidence) as Record<string, unknown> })),
    decisions: sortKeys(s.decisions),
    baseline: s.baseline ? { ...s.baseline, decisions: sortKeys(s.baseline.decisions) } : null,
  };
}

function sortKeys<T>(rec: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k];
  return out;
}

function deepSortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepSortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = deepSortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function rowInColumnOrder(row: Row, columns: string[]): Row {
  const out: Row = {};
  for (const c of columns) if (c in row) out[c] = deepSortKeys(row[c]);
  for (const k of Object.keys(row).sort()) if (!(k in out)) out[k] = deepSortKeys(row[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// File names

/** `<YYYYMMDD-HHMMSS>-<db>`, the time in UTC and the database name reduced to [A-Za-z0-9_.-]. */
export function snapshotBaseName(s: Pick<Snapshot, 'takenAt'> & { savedAt?: string | null; server: { database: string } }): string {
  const stamp = fileStamp(s.takenAt, 'takenAt');
  // a snapshot saved from a replay keeps the data's takenAt; its save time keeps its files apart from the original's
  const replay = s.savedAt ? `-replay-${fileStamp(s.savedAt, 'savedAt')}` : '';
  let db = s.server.database.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (/^\.*$/.test(db)) db = db.length ? db.replace(/\./g, '_') : 'db';
  return `${stamp}-${db}${replay}`;
}

function fileStamp(time: string, field: string): string {
  const t = new Date(time);
  if (Number.isNaN(t.getTime())) throw new SnapshotError(`snapshot has an invalid ${field} time: ${JSON.stringify(clip(time))}`);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
}
