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

/** A decision as diff compares it: the state and the note (its time is not a change). */
export interface DecisionSummary {
  state: 'accepted' | 'rejected' | 'pending';
  note: string;
}

export interface DecisionChange extends FindingSummary {
  before: DecisionSummary;
  after: DecisionSummary;
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
  /** findings in both snapshots whose decision or note differs */
  decisions: DecisionChange[];
}

const COMPARED = ['severity', 'title', 'target', 'up', 'down'] as const;

export function diffSnapshots(oldSnap: Snapshot, newSnap: Snapshot): SnapshotDiff {
  const before = new Map(oldSnap.findings.map((f) => [f.id, f]));
  const after = new Map(newSnap.findings.map((f) => [f.id, f]));
  const fixed: FindingSummary[] = [];
  const added: FindingSummary[] = [];
  const changed: ChangedFinding[] = [];
  const unchanged: FindingSummary[] = [];
  const decisions: DecisionChange[] = [];
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
    const was = decisionSummary(oldSnap, f.id);
    const is = decisionSummary(newSnap, f.id);
    if (was.state !== is.state || was.note !== is.note) decisions.push({ ...summary(f), before: was, after: is });
  }
  return {
    from: facts(oldSnap),
    to: facts(newSnap),
    server: serverChanges(oldSnap, newSnap),
    fixed: fixed.sort(bySeverityThenId),
    new: added.sort(bySeverityThenId),
    changed: changed.sort(bySeverityThenId),
    unchanged: unchanged.sort(bySeverityThenId),
    decisions: decisions.sort(bySeverityThenId),
  };
}

function decisionSummary(s: Snapshot, id: string): DecisionSummary {
  const d = s.decisions[id];
  return { state: d?.state ?? 'pending', note: d?.note ?? '' };
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

/** Evidence keys that hold a time or an age: they move on by themselves between two runs. */
const DRIFTING_KEY = /(^|_)(age|ages|at|time|timestamp|since|window|reset|stats_reset|last_[a-z_]+|started|start|uptime|old|now)$|^last_/;

/**
 * A value with its times and ages made neutral: ISO and PostgreSQL timestamps, intervals ("00:02:13",
 * "3 days 02:00:00") and "N minutes/hours/days …" become one neutral token, so "statistics are only 0 minutes old"
 * and "… 2 minutes old" compare equal.
 */
export function withoutDrift(v: unknown): unknown {
  if (typeof v === 'string') {
    return v
      .replace(/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z| ?UTC)?/g, '<time>')
      .replace(/\b(\d+ (years?|mons?|months?|days?) ?)*-?\d+:\d{2}:\d{2}(\.\d+)?\b/g, '<interval>')
      .replace(/\b\d+(\.\d+)? ?(seconds?|secs?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\b/g, '<age>');
  }
  if (Array.isArray(v)) return v.map(withoutDrift);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = DRIFTING_KEY.test(k) ? '<drifts>' : withoutDrift(x);
    return out;
  }
  return v;
}

function findingChanges(o: SnapshotFinding, n: SnapshotFinding): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of COMPARED) if (withoutDrift(o[field]) !== withoutDrift(n[field])) out.push({ field, before: o[field], after: n[field] });
  const keys = [...new Set([...Object.keys(o.evidence), ...Object.keys(n.evidence)])].sort();
  for (const k of keys) {
    const b = o.evidence[k];
    const a = n.evidence[k];
    if (DRIFTING_KEY.test(k) && b !== undefined && a !== undefined) continue;
    if (canonical(withoutDrift(b)) !== canonical(withoutDrift(a))) out.push({ field: `evidence.${k}`, before: b ?? null, after: a ?? null });
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
