import { managedBy } from './managed.ts';
import type { Requirement, ServerFacts } from './types.ts';

export function formatVersion(num: number): string {
  return num >= 100000 ? `${Math.floor(num / 10000)}` : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
}

/** Compares dotted version numbers (1.10 > 1.9). */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/** What a run has besides the server: the workload files given with --workload. */
export interface RunInputs {
  workloadFiles: number;
}

/** Why there is no workload, and both ways to give one. */
export function workloadUnavailable(server: ServerFacts): string {
  const how = server.availableExtensions.includes('pg_stat_statements')
    ? 'CREATE EXTENSION pg_stat_statements, with pg_stat_statements in shared_preload_libraries'
    : 'install the pg_stat_statements package (contrib), add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements';
  return `needs a workload: pg_stat_statements in this database (${how}), or --workload FILE with the application's statements (a server log, a .sql file, or a pg_stat_statements export)`;
}

/** The reason a cell cannot run on this server, or null when every need is met. */
export function unmetRequirement(req: Requirement, server: ServerFacts, run: RunInputs = { workloadFiles: 0 }): string | null {
  if (req.minVersion && server.versionNum < req.minVersion) {
    return `needs PostgreSQL ${formatVersion(req.minVersion)} or later (server is ${server.version})`;
  }
  if (req.maxVersion && server.versionNum > req.maxVersion) {
    return `applies to PostgreSQL before ${formatVersion(req.maxVersion + 1)} (server is ${server.version})`;
  }
  if (req.selfManaged) {
    const provider = managedBy(server, req.selfManaged);
    if (provider) return provider;
  }
  if (req.workload && !run.workloadFiles && !server.extensions.some((e) => e.name === 'pg_stat_statements')) return workloadUnavailable(server);
  for (const ext of req.extensions ?? []) {
    if (!server.extensions.some((e) => e.name === ext)) {
      const how = server.availableExtensions.includes(ext)
        ? `CREATE EXTENSION ${ext}`
        : `install the ${ext} package on the server, then CREATE EXTENSION ${ext}`;
      const preload = ext === 'pg_stat_statements' ? ` (and add it to shared_preload_libraries, then restart)` : '';
      return `needs the ${ext} extension: ${how}${preload}`;
    }
  }
  for (const [ext, min] of Object.entries(req.extensionVersions ?? {})) {
    const installed = server.extensions.find((e) => e.name === ext);
    if (installed && compareVersions(installed.version, min) < 0) {
      return `needs ${ext} ${min} or later (installed: ${installed.version}): ALTER EXTENSION ${ext} UPDATE`;
    }
  }
  if (req.privileges?.length && !req.privileges.some((p) => server.privileges[p])) {
    const grantable = req.privileges.find((p) => p !== 'superuser');
    const how = grantable ? ` (GRANT ${grantable} TO ${server.user})` : '';
    return `needs ${req.privileges.join(' or ')}${how}`;
  }
  return null;
}
