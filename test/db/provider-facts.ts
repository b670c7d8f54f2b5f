// What each managed provider's server shows, written from the providers' documentation (none of these
// services can be reached from the test machines): the roles it creates, settings only its build defines,
// schemas and functions it adds, and the host names of its endpoints. Each list holds more than the detector
// asks for, as a real server would; the test filters them the way the server-facts query does.

export interface CapturedFacts {
  /** rolname of every role the documentation says the provider creates */
  roles: string[];
  /** names of provider-specific settings (SHOW ALL) */
  settings: string[];
  schemas: string[];
  functions: string[];
  host: string;
}

// Roles and schemas every PostgreSQL has; included so the filters are exercised.
const COMMON_ROLES = ['postgres', 'pg_monitor', 'pg_read_all_stats', 'pg_read_all_settings', 'pg_signal_backend'];
const COMMON_SETTINGS = ['shared_buffers', 'work_mem', 'log_min_duration_statement', 'pg_stat_statements.max'];
const COMMON_SCHEMAS = ['public', 'pg_catalog', 'information_schema'];

export const CAPTURED: Record<string, CapturedFacts> = {
  // Supabase: its platform roles and schemas (auth, storage, supabase_functions …); the pooler's host name
  supabase: {
    roles: [...COMMON_ROLES, 'supabase_admin', 'supabase_auth_admin', 'supabase_storage_admin', 'authenticator', 'anon', 'authenticated', 'service_role', 'dashboard_user'],
    settings: [...COMMON_SETTINGS, 'pgsodium.enable_event_trigger'],
    schemas: [...COMMON_SCHEMAS, 'auth', 'storage', 'realtime', 'supabase_functions', 'extensions', 'graphql', 'vault'],
    functions: [],
    host: 'aws-0-eu-central-1.pooler.supabase.com',
  },
  // Amazon RDS: rds_superuser and rdsadmin, the rds.* parameters of its parameter groups
  'aws-rds': {
    roles: [...COMMON_ROLES, 'rds_superuser', 'rdsadmin', 'rds_replication', 'rds_password', 'rds_iam'],
    settings: [...COMMON_SETTINGS, 'rds.extensions', 'rds.force_ssl', 'rds.logical_replication', 'rds.rds_superuser_reserved_connections'],
    schemas: COMMON_SCHEMAS,
    functions: [],
    host: 'orders-db.c9akciq32xyz.eu-west-1.rds.amazonaws.com',
  },
  // Aurora PostgreSQL: RDS's roles and rds.* settings too, plus aurora_version() and apg_*/aurora.* parameters
  'aws-aurora': {
    roles: [...COMMON_ROLES, 'rds_superuser', 'rdsadmin', 'rds_replication', 'rds_password', 'rds_iam'],
    settings: [...COMMON_SETTINGS, 'rds.extensions', 'rds.force_ssl', 'apg_plan_mgmt.capture_plan_baselines', 'aurora.stat_plans.minutes_until_recapture'],
    schemas: COMMON_SCHEMAS,
    functions: ['aurora_version'],
    host: 'orders.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com',
  },
  // Cloud SQL: cloudsqlsuperuser (the customer's admin) and its own cloudsqladmin/cloudsqlagent, cloudsql.* flags
  'gcp-cloudsql': {
    roles: [...COMMON_ROLES, 'cloudsqlsuperuser', 'cloudsqladmin', 'cloudsqlagent', 'cloudsqlreplica', 'cloudsqlimportexport'],
    settings: [...COMMON_SETTINGS, 'cloudsql.iam_authentication', 'cloudsql.enable_pgaudit', 'cloudsql.logical_decoding'],
    schemas: COMMON_SCHEMAS,
    functions: [],
    host: '10.20.0.3',
  },
  // AlloyDB: alloydbsuperuser and alloydbadmin, alloydb.* and google_columnar_engine.* flags
  'gcp-alloydb': {
    roles: [...COMMON_ROLES, 'alloydbsuperuser', 'alloydbadmin', 'alloydbagent', 'alloydbreplica', 'alloydbmetadata'],
    settings: [...COMMON_SETTINGS, 'alloydb.enable_pgaudit', 'alloydb.iam_authentication', 'google_columnar_engine.enabled'],
    schemas: COMMON_SCHEMAS,
    functions: [],
    host: '10.30.0.2',
  },
  // Azure Database for PostgreSQL (flexible server): azure_pg_admin, azuresu, the azure.* server parameters
  azure: {
    roles: [...COMMON_ROLES, 'azure_pg_admin', 'azuresu', 'replication', 'localadmin'],
    settings: [...COMMON_SETTINGS, 'azure.extensions', 'azure.accepted_password_auth_method', 'azure.enable_temp_tablespaces_on_local_ssd'],
    schemas: COMMON_SCHEMAS,
    functions: [],
    host: 'orders.postgres.database.azure.com',
  },
  // Neon: neon_superuser (every role created in its console belongs to it), neon.* settings of its storage
  neon: {
    roles: [...COMMON_ROLES, 'neon_superuser', 'cloud_admin', 'neondb_owner'],
    settings: [...COMMON_SETTINGS, 'neon.max_file_cache_size', 'neon.file_cache_size_limit', 'neon.pageserver_connstring'],
    schemas: COMMON_SCHEMAS,
    functions: [],
    host: 'ep-cool-darkness-123456.eu-central-1.aws.neon.tech',
  },
  // Crunchy Bridge: a stock PostgreSQL with a real superuser; its endpoints are *.postgresbridge.com names
  'crunchy-bridge': {
    roles: [...COMMON_ROLES, 'application'],
    settings: COMMON_SETTINGS,
    schemas: COMMON_SCHEMAS,
    functions: [],
    host: 'p.abcdefghijklmnopqrstuvwxyz.db.postgresbridge.com',
  },
  // Heroku Postgres: random role and database names, and the heroku_ext schema every database has had since 2022
  heroku: {
    roles: [...COMMON_ROLES, 'u8bqn3ifu1r2kd'],
    settings: COMMON_SETTINGS,
    schemas: [...COMMON_SCHEMAS, 'heroku_ext'],
    functions: [],
    host: 'ec2-52-1-2-3.compute-1.amazonaws.com',
  },
};
