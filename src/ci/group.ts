// The same finding on many databases, once: grouped by finding id (same check, same object name).
import { severityRank, type Finding } from '../playbooks/types.ts';
import { databaseKeys, type DatabaseOutcome } from './outcome.ts';

/** `severity` is the highest among the databases; the title is the first database's. */
export interface FindingGroup extends Pick<Finding, 'id' | 'playbook' | 'check' | 'severity' | 'target' | 'title'> {
  /** database keys (name, or host:port/db when names repeat), in run order */
  databases: string[];
  /** how many of those have it as a new finding (with --fail-on-new) */
  newIn: number;
}

/** Most severe first, then most widespread, then by id. */
export function groupFindings(databases: DatabaseOutcome[]): FindingGroup[] {
  const keys = databaseKeys(databases);
  const groups = new Map<string, FindingGroup>();
  for (const db of databases) {
    for (const f of db.findings) {
      let g = groups.get(f.id);
      if (!g) {
        g = { id: f.id, playbook: f.playbook, check: f.check, severity: f.severity, target: f.target, title: f.title, databases: [], newIn: 0 };
        groups.set(f.id, g);
      }
      if (severityRank(f.severity) > severityRank(g.severity)) g.severity = f.severity;
      g.databases.push(keys.get(db)!);
      if (db.newIds?.has(f.id)) g.newIn++;
    }
  }
  return [...groups.values()].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.databases.length - a.databases.length || a.id.localeCompare(b.id),
  );
}
