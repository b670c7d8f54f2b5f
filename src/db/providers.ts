// Managed PostgreSQL providers: how to recognise each from what the server shows (roles, settings, schemas,
// functions, the host name the client connected to), and what that changes in the advice — where settings are
// changed when ALTER SYSTEM is refused, what the customer's roles may do, which extensions are offered.
// Written from each provider's documentation; see the README for what was verified against a real server.

export type ProviderId = 'supabase' | 'aws-rds' | 'aws-aurora' | 'gcp-cloudsql' | 'gcp-alloydb' | 'azure' | 'neon' | 'crunchy-bridge' | 'heroku';

/** Extensions whose availability changes what the advisor can do or recommend. */
export type KnownExtension = 'hypopg' | 'pg_stat_statements' | 'pg_trgm';

export interface ProviderInfo {
  id: ProviderId;
  name: string;
  /** the customer gets a real superuser (false: a provider role such as rds_superuser instead) */
  superuser: boolean;
  /** how a server setting is changed there, for the advice that would otherwise say ALTER SYSTEM */
  setting(name: string, value: string): string;
  /** how the restart a postmaster-context setting needs is done there */
  restart: string;
  /** whether the provider offers the extension (true, false, or a sentence when it depends) */
  extensions: Record<KnownExtension, true | false | string>;
  /** how the monitoring roles are granted there, when the customer's admin role can do it */
  grantMonitoring: string | null;
}

export interface ProviderSignals {
  /** provider roles that exist (from the names in PROVIDER_ROLES) */
  roles: string[];
  /** settings whose names start with one of PROVIDER_SETTING_PREFIXES */
  settings: string[];
  /** schemas from PROVIDER_SCHEMAS that exist */
  schemas: string[];
  /** functions from PROVIDER_FUNCTIONS that exist */
  functions: string[];
  /** the host name the client connected to (not stored; only the matching suffix is kept as evidence) */
  host: string | null;
}

export interface DetectedProvider {
  id: ProviderId;
  name: string;
  /** what identified it, for the engineer to check */
  evidence: string[];
}

interface Rule {
  id: ProviderId;
  roles?: string[];
  settingPrefixes?: string[];
  schemas?: string[];
  functions?: string[];
  /** the host name the client connected to, and how the evidence names the pattern */
  host?: { pattern: RegExp; shown: string };
}

// Most specific first: Aurora also shows RDS's roles and settings; AlloyDB and Cloud SQL are both Google's.
const RULES: Rule[] = [
  {
    id: 'aws-aurora',
    functions: ['aurora_version'],
    settingPrefixes: ['aurora.', 'apg_'],
    host: { pattern: /\.cluster-(ro-|custom-)?[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com$/, shown: '*.cluster-*.rds.amazonaws.com' },
  },
  { id: 'aws-rds', roles: ['rds_superuser', 'rdsadmin'], settingPrefixes: ['rds.'], host: { pattern: /\.rds\.amazonaws\.com$/, shown: '*.rds.amazonaws.com' } },
  { id: 'gcp-alloydb', roles: ['alloydbsuperuser', 'alloydbadmin'], settingPrefixes: ['alloydb.', 'google_columnar_engine.'] },
  { id: 'gcp-cloudsql', roles: ['cloudsqlsuperuser', 'cloudsqladmin'], settingPrefixes: ['cloudsql.'] },
  { id: 'azure', roles: ['azure_pg_admin', 'azuresu'], settingPrefixes: ['azure.'], host: { pattern: /\.postgres\.database\.azure\.com$/, shown: '*.postgres.database.azure.com' } },
  { id: 'neon', roles: ['neon_superuser'], settingPrefixes: ['neon.'], host: { pattern: /\.neon\.tech$/, shown: '*.neon.tech' } },
  { id: 'supabase', roles: ['supabase_admin'], schemas: ['supabase_functions'], host: { pattern: /\.supabase\.(co|com)$/, shown: '*.supabase.co / *.supabase.com' } },
  { id: 'heroku', schemas: ['heroku_ext'] },
  { id: 'crunchy-bridge', host: { pattern: /\.postgresbridge\.com$/, shown: '*.postgresbridge.com' } },
];

/** What the server-facts query looks for (it returns only those that exist). */
export const PROVIDER_ROLES = [...new Set(RULES.flatMap((r) => r.roles ?? []))];
export const PROVIDER_SETTING_PREFIXES = [...new Set(RULES.flatMap((r) => r.settingPrefixes ?? []))];
export const PROVIDER_SCHEMAS = [...new Set(RULES.flatMap((r) => r.schemas ?? []))];
export const PROVIDER_FUNCTIONS = [...new Set(RULES.flatMap((r) => r.functions ?? []))];

/**
 * The provider whose marks the server shows, most specific first; null for a self-managed server. A provider's
 * roles count as evidence only beside a mark a copy cannot carry: its settings (they exist only in its build),
 * schemas or functions, or its host name.
 */
export function detectProvider(s: ProviderSignals): DetectedProvider | null {
  const host = s.host?.toLowerCase() ?? '';
  for (const rule of RULES) {
    const evidence: string[] = [];
    const roles = (rule.roles ?? []).filter((r) => s.roles.includes(r));
    if (roles.length) evidence.push(`role${roles.length > 1 ? 's' : ''} ${roles.join(', ')}`);
    const settings = s.settings.filter((n) => (rule.settingPrefixes ?? []).some((p) => n.startsWith(p)));
    if (settings.length) evidence.push(`setting${settings.length > 1 ? 's' : ''} ${settings.slice(0, 3).join(', ')}${settings.length > 3 ? ', …' : ''}`);
    const schemas = (rule.schemas ?? []).filter((n) => s.schemas.includes(n));
    if (schemas.length) evidence.push(`schema ${schemas.join(', ')}`);
    const functions = (rule.functions ?? []).filter((f) => s.functions.includes(f));
    if (functions.length) evidence.push(`function ${functions.map((f) => `${f}()`).join(', ')}`);
    const hostMatches = Boolean(rule.host?.pattern.test(host));
    if (hostMatches) evidence.push(`host name ${rule.host!.shown}`);
    // roles alone are not enough: pg_dumpall carries a provider's roles into a self-managed copy
    const strong = settings.length + schemas.length + functions.length > 0 || hostMatches;
    if (strong) return { id: rule.id, name: PROVIDERS[rule.id].name, evidence };
  }
  return null;
}

export const PROVIDERS: Record<ProviderId, ProviderInfo> = {
  supabase: {
    id: 'supabase',
    name: 'Supabase',
    superuser: false,
    setting: (name, value) =>
      `Supabase refuses ALTER SYSTEM: set it with the Supabase CLI (supabase postgres-config update --config ${name}=${value}, which restarts the database), ` +
      'or ask Supabase support for a setting the CLI does not expose',
    restart: 'the CLI restarts the database when it applies the change (or: Project Settings → General → Restart project)',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: null,
  },
  'aws-rds': {
    id: 'aws-rds',
    name: 'Amazon RDS for PostgreSQL',
    superuser: false,
    setting: (name, value) =>
      `RDS refuses ALTER SYSTEM: set ${name} = ${value} in the instance's DB parameter group (console → Parameter groups, or ` +
      `aws rds modify-db-parameter-group --parameters "ParameterName=${name},ParameterValue=${value},ApplyMethod=pending-reboot"; ` +
      'a default parameter group cannot be changed, create your own and attach it)',
    restart: 'reboot the DB instance (a static parameter shows "pending-reboot" until then)',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: 'the master user (a member of rds_superuser) can grant it',
  },
  'aws-aurora': {
    id: 'aws-aurora',
    name: 'Amazon Aurora PostgreSQL',
    superuser: false,
    setting: (name, value) =>
      `Aurora refuses ALTER SYSTEM: set ${name} = ${value} in the DB cluster parameter group (or the instance's DB parameter group for ` +
      `instance-level parameters): aws rds modify-db-cluster-parameter-group --parameters "ParameterName=${name},ParameterValue=${value},ApplyMethod=pending-reboot"`,
    restart: 'reboot the writer instance (and the readers) for static parameters',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: 'the master user (a member of rds_superuser) can grant it',
  },
  'gcp-cloudsql': {
    id: 'gcp-cloudsql',
    name: 'Google Cloud SQL for PostgreSQL',
    superuser: false,
    setting: (name, value) =>
      `Cloud SQL refuses ALTER SYSTEM: set the database flag ${name}=${value} (console → Edit → Flags, or gcloud sql instances patch INSTANCE ` +
      `--database-flags=${name}=${value} — the list replaces every flag already set, so repeat those)`,
    restart: 'Cloud SQL restarts the instance itself when a flag needs it',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: 'a member of cloudsqlsuperuser can grant it',
  },
  'gcp-alloydb': {
    id: 'gcp-alloydb',
    name: 'Google AlloyDB for PostgreSQL',
    superuser: false,
    setting: (name, value) =>
      `AlloyDB refuses ALTER SYSTEM: set the database flag ${name}=${value} on the instance (console, or gcloud alloydb instances update INSTANCE ` +
      `--cluster=CLUSTER --region=REGION --database-flags=${name}=${value} — the list replaces the flags already set)`,
    restart: 'AlloyDB restarts the instance itself when a flag needs it',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: 'a member of alloydbsuperuser can grant it',
  },
  azure: {
    id: 'azure',
    name: 'Azure Database for PostgreSQL',
    superuser: false,
    setting: (name, value) =>
      `Azure refuses ALTER SYSTEM: set the server parameter ${name} = ${value} (portal → Server parameters, or ` +
      `az postgres flexible-server parameter set --resource-group RG --server-name SERVER --name ${name} --value ${value})`,
    restart: 'restart the server (portal, or az postgres flexible-server restart)',
    extensions: {
      hypopg: 'offered once allow-listed in the azure.extensions server parameter',
      pg_stat_statements: 'offered once allow-listed in azure.extensions (and in shared_preload_libraries)',
      pg_trgm: 'offered once allow-listed in the azure.extensions server parameter',
    },
    grantMonitoring: 'a member of azure_pg_admin can grant it',
  },
  neon: {
    id: 'neon',
    name: 'Neon',
    superuser: false,
    setting: (name, value) =>
      `Neon refuses ALTER SYSTEM and sets server-wide values itself (some scale with the compute size): for a setting a role or database may ` +
      `change, ALTER ROLE … SET ${name} = '${value}' or ALTER DATABASE … SET ${name} = '${value}'; otherwise ask Neon support`,
    restart: 'Neon restarts the compute itself (a suspended compute also starts with fresh statistics)',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: 'a member of neon_superuser can grant it',
  },
  'crunchy-bridge': {
    id: 'crunchy-bridge',
    name: 'Crunchy Bridge',
    superuser: true,
    setting: (name, value) =>
      `on Crunchy Bridge set ${name} = ${value} in the cluster's configuration (dashboard → Configuration, or the cb CLI), which the ` +
      'platform keeps across failovers and resizes',
    restart: 'restart the cluster from the dashboard or the cb CLI',
    extensions: { hypopg: true, pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: 'the postgres superuser can grant it',
  },
  heroku: {
    id: 'heroku',
    name: 'Heroku Postgres',
    superuser: false,
    setting: (name) =>
      `Heroku refuses ALTER SYSTEM and fixes most server settings by plan: only a few are exposed (heroku pg:settings, e.g. ` +
      `log-min-duration-statement); for ${name}, a role- or database-level ALTER … SET where the setting allows it, else it cannot be changed`,
    restart: 'Heroku restarts the database only during maintenance',
    extensions: { hypopg: "not on every plan: see Heroku's list of supported extensions", pg_stat_statements: true, pg_trgm: true },
    grantMonitoring: null,
  },
};

export function providerInfo(id: string | null | undefined): ProviderInfo | null {
  return id && id in PROVIDERS ? PROVIDERS[id as ProviderId] : null;
}

/** What the engineer reads about an extension on this provider, or null when the provider says nothing. */
export function extensionOffer(info: ProviderInfo, ext: string): string | null {
  const offer = info.extensions[ext as KnownExtension];
  if (offer === undefined) return null;
  if (offer === true) return `${info.name} offers ${ext}`;
  if (offer === false) return `${info.name} does not offer ${ext}`;
  return `on ${info.name} ${ext} is ${offer}`;
}

/** The server as headers show it: its product line, and the provider when one was detected. */
export function serverLabel(server: { product: string; provider?: { name: string } | null }): string {
  return server.provider ? `${server.product} — ${server.provider.name}` : server.product;
}
