// `check --format json`: one database keeps the documented shape ({findings, skipped, server, …}); a fleet
// run prints every database's part and the findings grouped across databases.
import { groupFindings } from './group.ts';
import type { CheckOutcome, DatabaseOutcome } from './outcome.ts';

export function databaseJson(db: DatabaseOutcome) {
  return {
    findings: db.findings,
    skipped: db.skipped,
    server: db.server,
    errors: db.errors,
    suppressed: db.suppressed.map((s) => ({ id: s.finding.id, reason: s.reason, expires: s.expires, finding: s.finding })),
    expiredIgnores: db.expired,
    workload: db.workload,
    ...(db.newIds ? { new: db.findings.filter((f) => db.newIds!.has(f.id)).map((f) => f.id) } : {}),
    ...(db.saved ? { saved: db.saved } : {}),
  };
}

export function fleetJson(outcome: CheckOutcome) {
  const dbs = outcome.databases;
  return {
    summary: {
      databases: dbs.length,
      checked: dbs.filter((d) => d.status === 'ok').length,
      failed: dbs.filter((d) => d.status === 'failed').length,
      findings: dbs.reduce((n, d) => n + d.findings.length, 0),
    },
    databases: dbs.map((d) => ({ target: d.target, database: d.database, status: d.status, error: d.error, ...(d.status === 'ok' ? databaseJson(d) : {}) })),
    groups: groupFindings(dbs),
  };
}
