import type { Privilege, ServerFacts } from '../playbooks/types.ts';
import { detectProvider, PROVIDER_FUNCTIONS, PROVIDER_ROLES, PROVIDER_SCHEMAS, PROVIDER_SETTING_PREFIXES } from './providers.ts';
import type { ReadOnlyDb } from './read-only.ts';

/** Settings the playbooks and the report show; never anything that can hold a secret. */
export const REPORTED_SETTINGS = [
  'max_connections',
  'superuser_reserved_connections',
  'shared_buffers',
  'effective_cache_size',
  'work_mem',
  'maintenance_work_mem',
  'random_page_cost',
  'seq_page_cost',
  'effective_io_concurrency',
  'autovacuum',
  'autovacuum_vacuum_scale_factor',
  'autovacuum_analyze_scale_factor',
  'autovacuum_max_workers',
  'log_min_duration_statement',
  'log_connections',
  'shared_preload_libraries',
  'ssl',
  'password_encryption',
  'track_io_timing',
  'track_counts',
  'server_encoding',
  'TimeZone',
  'block_size',
  'default_statistics_target',
  'idle_in_transaction_session_timeout',
  'statement_timeout',
  'max_wal_size',
  'wal_level',
  'data_checksums',
];

// One round trip: everything the runner needs to decide which cells can run.
const FACTS_SQL = `
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       version() AS full_version,
       current_database() AS database,
       current_user AS "user",
       pg_is_in_recovery() AS in_recovery,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS read_all_stats,
       pg_has_role(current_user, 'pg_monitor', 'MEMBER') AS monitor,
       pg_has_role(current_user, 'pg_read_all_settings', 'MEMBER') AS read_all_settings,
       (SELECT coalesce(json_agg(json_build_object('name', e.extname, 'version', e.extversion, 'schema', n.nspname)
                                 ORDER BY e.extname), '[]')
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace) AS extensions,
       (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM pg_available_extensions) AS available,
       -- reset_val: the server's (or database's, or role's) value, not the timeouts this session set for itself
       (SELECT coalesce(json_object_agg(name, reset_val || coalesce(' [' || unit || ']', '')), '{}')
          FROM pg_settings WHERE name = ANY($1::text[])) AS settings,
       (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
       pg_postmaster_start_time()::text AS postmaster_start,
       (SELECT coalesce(json_agg(nspname ORDER BY nspname), '[]') FROM pg_namespace
         WHERE nspname = ANY($2::text[])
           AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin')
           AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname IN ('auth', 'supabase_functions'))) AS managed_schemas,
       -- the marks of managed providers (src/db/providers.ts): only those that exist come back
       (SELECT coalesce(json_agg(rolname ORDER BY rolname), '[]') FROM pg_roles WHERE rolname = ANY($3::text[])) AS provider_roles,
       (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM pg_settings
         WHERE EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE starts_with(name, p))) AS provider_settings,
       (SELECT coalesce(json_agg(nspname ORDER BY nspname), '[]') FROM pg_namespace WHERE nspname = ANY($5::text[])) AS provider_schemas,
       (SELECT coalesce(json_agg(f ORDER BY f), '[]') FROM unnest($6::text[]) f WHERE to_regproc(f) IS NOT NULL) AS provider_functions`;

/** Schemas a platform owns and manages: findings there are not the user's to act on. */
export const SUPABASE_SCHEMAS = [
  'auth', 'storage', 'realtime', '_realtime', 'supabase_functions', 'supabase_migrations', 'extensions', 'graphql',
  'graphql_public', 'pgsodium', 'pgsodium_masks', 'vault', 'net', 'cron', 'pgbouncer', '_analytics',
];

export async function probeServer(db: ReadOnlyDb): Promise<ServerFacts> {
  const { rows } = await db.query(FACTS_SQL, [REPORTED_SETTINGS, SUPABASE_SCHEMAS, PROVIDER_ROLES, PROVIDER_SETTING_PREFIXES, PROVIDER_SCHEMAS, PROVIDER_FUNCTIONS]);
  const r = rows[0] as Record<string, unknown>;
  const full = String(r.full_version);
  const privileges: Record<Privilege, boolean> = {
    superuser: Boolean(r.superuser),
    pg_read_all_stats: Boolean(r.superuser) || Boolean(r.read_all_stats),
    pg_monitor: Boolean(r.superuser) || Boolean(r.monitor),
    pg_read_all_settings: Boolean(r.superuser) || Boolean(r.read_all_settings),
  };
  return {
    version: String(r.version),
    versionNum: Number(r.version_num),
    database: String(r.database),
    user: String(r.user),
    product: /PGlite/i.test(full) ? `PostgreSQL ${r.version} (PGlite)` : full.split(',')[0],
    inRecovery: Boolean(r.in_recovery),
    extensions: r.extensions as ServerFacts['extensions'],
    availableExtensions: r.available as string[],
    privileges,
    settings: r.settings as Record<string, string>,
    statsReset: (r.stats_reset as string | null) ?? null,
    postmasterStart: (r.postmaster_start as string | null) ?? null,
    managedSchemas: r.managed_schemas as string[],
    provider: detectProvider({
      roles: r.provider_roles as string[],
      settings: r.provider_settings as string[],
      schemas: r.provider_schemas as string[],
      functions: r.provider_functions as string[],
      host: db.target.source === 'demo' ? null : (db.target.config.host ?? process.env.PGHOST ?? null),
    }),
  };
}
