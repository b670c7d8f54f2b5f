// --fail-on-new BASELINE: the finding ids an earlier run already had. The baseline is a snapshot
// (pgadvisor.snapshot/v1), a `check --format json` output of one database, or that of a fleet run; which
// one is recognised from the document itself.
import { readFile } from 'node:fs/promises';
import { UsageError } from '../db/target.ts';
import type { DatabaseOutcome } from './outcome.ts';

export interface Baseline {
  kind: 'snapshot' | 'check' | 'fleet';
  file: string;
  /** ids known for this database: a fleet baseline by target (else by database name), the others for every database */
  known(db: Pick<DatabaseOutcome, 'target' | 'database'>): Set<string>;
}

export class BaselineError extends UsageError {}

export async function readBaseline(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaselineError(`cannot read baseline ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BaselineError(`baseline ${file} is not JSON: expected a snapshot or the output of pgadvisor check --format json`);
  }
  const o = (doc ?? {}) as Record<string, unknown>;
  if (typeof o.format === 'string' && o.format.startsWith('pgadvisor.snapshot/')) {
    const { parseSnapshot } = await import('../snapshot/io.ts');
    const snapshot = parseSnapshot(Buffer.from(text), file);
    const ids = new Set(snapshot.findings.map((f) => f.id));
    return { kind: 'snapshot', file, known: () => ids };
  }
  if (Array.isArray(o.databases)) {
    const byTarget = new Map<string, Set<string>>();
    const byName = new Map<string, Set<string>>();
    o.databases.forEach((d, i) => {
      const db = (d ?? {}) as Record<string, unknown>;
      const ids = idsOf(db, `${file}: databases[${i}]`);
      if (typeof db.target === 'string') byTarget.set(db.target, ids);
      if (typeof db.database === 'string') byName.set(db.database, new Set([...(byName.get(db.database) ?? []), ...ids]));
    });
    return { kind: 'fleet', file, known: (db) => byTarget.get(db.target) ?? byName.get(db.database) ?? new Set() };
  }
  if (Array.isArray(o.findings)) {
    const ids = idsOf(o, file);
    return { kind: 'check', file, known: () => ids };
  }
  throw new BaselineError(`baseline ${file} is neither a pgadvisor snapshot nor the output of pgadvisor check --format json`);
}

/** Reported and ignored findings alike: an ignored finding is not new either. */
function idsOf(o: Record<string, unknown>, where: string): Set<string> {
  const ids = new Set<string>();
  const add = (list: unknown, field: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) throw new BaselineError(`baseline ${where}: "${field}" is not a list`);
    for (const item of list) {
      const f = (field === 'suppressed' ? (item as { finding?: unknown })?.finding : item) as { id?: unknown } | undefined;
      if (typeof f?.id !== 'string') throw new BaselineError(`baseline ${where}: an entry of "${field}" has no finding id`);
      ids.add(f.id);
    }
  };
  add(o.findings, 'findings');
  add(o.suppressed, 'suppressed');
  return ids;
}

/** Marks each database's new findings (ids the baseline does not know). */
export function markNew(databases: DatabaseOutcome[], baseline: Baseline): void {
  for (const db of databases) {
    const known = baseline.known(db);
    db.newIds = new Set([...db.findings, ...db.suppressed.map((s) => s.finding)].map((f) => f.id).filter((id) => !known.has(id)));
  }
}
