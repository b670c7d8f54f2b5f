import { extensionOffer, providerInfo, type KnownExtension } from '../db/providers.ts';
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
  let how: string;
  // on a managed provider: whether it offers the extension and how it loads it at start
  if (providerInfo(server.provider?.id)) how = howToGet('pg_stat_statements', server);
  else if (server.availableExtensions.includes('pg_stat_statements')) how = 'CREATE EXTENSION pg_stat_statements, with pg_stat_statements in shared_preload_libraries';
  else how = 'install the pg_stat_statements package (contrib), add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements';
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
    const managed = managedBy(server, req.selfManaged);
    if (managed) return managed;
  }
  const provider = providerInfo(server.provider?.id);
  if (req.workload && !run.workloadFiles && !server.extensions.some((e) => e.name === 'pg_stat_statements')) return workloadUnavailable(server);
  for (const ext of req.extensions ?? []) {
    if (!server.extensions.some((e) => e.name === ext)) return `needs the ${ext} extension: ${howToGet(ext, server)}`;
  }
  for (const [ext, min] of Object.entries(req.extensionVersions ?? {})) {
    const installed = server.extensions.find((e) => e.name === ext);
    if (installed && compareVersions(installed.version, min) < 0) {
      return `needs ${ext} ${min} or later (installed: ${installed.version}): ALTER EXTENSION ${ext} UPDATE`;
    }
  }
  if (req.privileges?.length && !req.privileges.some((p) => server.privileges[p])) {
    const grantable = req.privileges.find((p) => p !== 'superuser');
    if (!grantable && provider && !provider.superuser) return `needs superuser, which ${provider.name} does not give its customers`;
    const who = provider?.grantMonitoring ? `; ${provider.grantMonitoring}` : '';
    const how = grantable ? ` (GRANT ${grantable} TO ${server.user}${who})` : '';
    return `needs ${req.privileges.join(' or ')}${how}`;
  }
  return null;
}

/** How to get a missing extension on this server, in the provider's terms when it is a managed one. */
function howToGet(ext: string, server: ServerFacts): string {
  const provider = providerInfo(server.provider?.id);
  const offered = provider?.extensions[ext as KnownExtension];
  const offer = provider ? extensionOffer(provider, ext) : null;
  let how: string;
  if (server.availableExtensions.includes(ext)) {
    // a condition the provider puts on it (Azure's allow-list) comes with the statement
    how = `CREATE EXTENSION ${ext}${typeof offered === 'string' ? ` (${offer})` : ''}`;
  } else if (!provider) {
    how = `install the ${ext} package on the server, then CREATE EXTENSION ${ext}`;
  } else if (offered === true) {
    how = `not available on this server, although ${offer} on some versions: see its extension list for this one`;
  } else {
    how = `not available on this server: ${offer ?? `${provider.name} installs only the extensions it supports`}`;
  }
  // pg_stat_statements also has to be loaded at server start, unless it already is
  const preloaded = /(^|[\s,])pg_stat_statements($|[\s,])/.test(server.settings?.shared_preload_libraries ?? '');
  if (ext !== 'pg_stat_statements' || preloaded) return how;
  if (!provider) return `${how} (and add it to shared_preload_libraries, then restart)`;
  return `${how} (and load it at server start — ${provider.setting('shared_preload_libraries', '<the current list>,pg_stat_statements')}; then ${provider.restart})`;
}
