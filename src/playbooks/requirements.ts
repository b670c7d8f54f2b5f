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

/** The reason a cell cannot run on this server, or null when every need is met. */
export function unmetRequirement(req: Requirement, server: ServerFacts): string | null {
  if (req.minVersion && server.versionNum < req.minVersion) {
    return `needs PostgreSQL ${formatVersion(req.minVersion)} or later (server is ${server.version})`;
  }
  if (req.maxVersion && server.versionNum > req.maxVersion) {
    return `applies to PostgreSQL before ${formatVersion(req.maxVersion + 1)} (server is ${server.version})`;
  }
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
