// What changed between two snapshots of the same database: findings fixed, new and changed (by id),
// and the server facts (version, settings, extensions) that moved.
import { severityRank } from '../playbooks/types.ts';
import type { Snapshot } from './schema.ts';

type SnapshotFinding = Snapshot['findings'][number];

export interface FindingSummary {
  id: string;
  playbook: string;
  check: string;
  severity: SnapshotFinding['severity'];
  target: string;
  title: string;
}

export interface FieldChange {
  /** `severity`, `title`, `target`, `up`, `down`, or `evidence.<key>` */
  field: string;
  before: unknown;
  after: unknown;
}

export interface ChangedFinding extends FindingSummary {
  fields: FieldChange[];
}

/** before/after are null when the item was added or removed */
export interface ValueChange {
  name: string;
  before: string | null;
  after: string | null;
}

export interface ServerChanges {
  database: { before: string; after: string } | null;
  version: { before: string; after: string } | null;
  settings: ValueChange[];
  extensions: ValueChange[];
}

export interface SnapshotDiff {
  from: { takenAt: string; database: string; version: string };
  to: { takenAt: string; database: string; version: string };
  server: ServerChanges;
  /** in the old snapshot, gone from the new one */
  fixed: FindingSummary[];
  /** only in the new snapshot */
  new: FindingSummary[];
  changed: ChangedFinding[];
  unchanged: FindingSummary[];
}

const COMPARED = ['severity', 'title', 'target', 'up', 'down'] as const;

export function diffSnapshots(oldSnap: Snapshot, newSnap: Snapshot): SnapshotDiff {
  const before = new Map(oldSnap.findings.map((f) => [f.id, f]));
  const after = new Map(newSnap.findings.map((f) => [f.id, f]));
  const fixed: FindingSummary[] = [];
  const added: FindingSummary[] = [];
  const changed: ChangedFinding[] = [];
  const unchanged: FindingSummary[] = [];
  for (const f of oldSnap.findings) if (!after.has(f.id)) fixed.push(summary(f));
  for (const f of newSnap.findings) {
    const o = before.get(f.id);
    if (!o) {
      added.push(summary(f));
      continue;
    }
    const fields = findingChanges(o, f);
    if (fields.length) changed.push({ ...summary(f), fields });
    else unchanged.push(summary(f));
  }
  return {
    from: facts(oldSnap),
    to: facts(newSnap),
    server: serverChanges(oldSnap, newSnap),
    fixed: fixed.sort(bySeverityThenId),
    new: added.sort(bySeverityThenId),
    changed: changed.sort(bySeverityThenId),
    unchanged: unchanged.sort(bySeverityThenId),
  };
}

function facts(s: Snapshot) {
  return { takenAt: s.takenAt, database: s.server.database, version: s.server.version };
}

function summary(f: SnapshotFinding): FindingSummary {
  return { id: f.id, playbook: f.playbook, check: f.check, severity: f.severity, target: f.target, title: f.title };
}

export function bySeverityThenId(a: FindingSummary, b: FindingSummary): number {
  return severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function findingChanges(o: SnapshotFinding, n: SnapshotFinding): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of COMPARED) if (o[field] !== n[field]) out.push({ field, before: o[field], after: n[field] });
  const keys = [...new Set([...Object.keys(o.evidence), ...Object.keys(n.evidence)])].sort();
  for (const k of keys) {
    const b = o.evidence[k];
    const a = n.evidence[k];
    if (canonical(b) !== canonical(a)) out.push({ field: `evidence.${k}`, before: b ?? null, after: a ?? null });
  }
  return out;
}

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function serverChanges(o: Snapshot, n: Snapshot): ServerChanges {
  const ext = (s: Snapshot) => Object.fromEntries(s.server.extensions.map((e) => [e.name, e.version]));
  return {
    database: o.server.database === n.server.database ? null : { before: o.server.database, after: n.server.database },
    version: o.server.version === n.server.version ? null : { before: o.server.version, after: n.server.version },
    settings: recordChanges(o.server.settings, n.server.settings),
    extensions: recordChanges(ext(o), ext(n)),
  };
}

function recordChanges(o: Record<string, string>, n: Record<string, string>): ValueChange[] {
  const names = [...new Set([...Object.keys(o), ...Object.keys(n)])].sort();
  const out: ValueChange[] = [];
  for (const name of names) {
    const before = Object.hasOwn(o, name) ? o[name] : null;
    const after = Object.hasOwn(n, name) ? n[name] : null;
    if (before !== after) out.push({ name, before, after });
  }
  return out;
}
