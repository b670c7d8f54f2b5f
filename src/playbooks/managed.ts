// What a managed provider runs for its customers, so that a check about something the customer cannot change
// on such a server (WAL archiving, pg_hba.conf, TLS, standbys) says what the provider does instead of flagging
// it. Cells opt in with `-- requires: self-managed TOPIC`; the provider comes from the server facts.
import type { ProviderId } from '../db/providers.ts';
import type { ServerFacts } from './types.ts';

export const MANAGED_TOPICS = ['backups', 'access', 'replication'] as const;
export type ManagedTopic = (typeof MANAGED_TOPICS)[number];

type Texts = Record<ManagedTopic, string>;

const GENERIC: Texts = {
  backups: 'backups, WAL archiving and point-in-time recovery are the provider\'s: check its backup retention and restore settings',
  access: 'pg_hba.conf and TLS are the provider\'s: use its network allow-list and connection security settings',
  replication: 'standbys and replicas are the provider\'s: configure them in its console',
};

/** Written from each provider's documentation, for each provider src/db/providers.ts recognises. */
const BY_PROVIDER: Record<ProviderId, Partial<Texts>> = {
  supabase: {
    backups: 'Supabase takes daily backups of the project, and with its point-in-time recovery add-on archives WAL for restores to any moment',
    access: 'Supabase terminates TLS and authenticates connections itself; restrict access with its network restrictions and SSL enforcement settings',
  },
  'aws-rds': {
    backups: 'Amazon RDS takes automated snapshots and archives WAL for point-in-time restore within the instance\'s backup retention period',
    access: 'RDS controls pg_hba.conf; require TLS with the rds.force_ssl parameter and limit access with security groups',
    replication: 'RDS runs Multi-AZ standbys and read replicas; their lag is in CloudWatch (ReplicaLag)',
  },
  'aws-aurora': {
    backups: 'Aurora backs up continuously within the cluster\'s backup retention period and restores to any point in it',
    access: 'Aurora controls pg_hba.conf; require TLS with the rds.force_ssl parameter and limit access with security groups',
    replication: 'Aurora replicas share the cluster\'s storage; their lag is in CloudWatch (AuroraReplicaLag)',
  },
  'gcp-cloudsql': {
    backups: 'Cloud SQL takes automated backups and, with point-in-time recovery enabled on the instance, keeps WAL for restores within its retention',
    access: 'Cloud SQL controls pg_hba.conf; require TLS in the instance\'s connection settings and use authorized networks or the Auth Proxy',
    replication: 'Cloud SQL runs high availability and read replicas as instance settings',
  },
  'gcp-alloydb': {
    backups: 'AlloyDB backs up continuously with point-in-time recovery within its retention window, plus scheduled backups',
  },
  azure: {
    backups: 'Azure Database for PostgreSQL takes automatic backups with point-in-time restore within the server\'s retention period',
    access: 'Azure controls pg_hba.conf; require TLS with require_secure_transport and limit access with firewall rules or private access',
    replication: 'Azure runs high availability and read replicas as server settings',
  },
  neon: {
    backups: 'Neon keeps every branch\'s history for its restore window and restores to any point in it; there is no WAL archiving to configure',
    replication: 'Neon serves read replicas as compute endpoints on the same storage',
  },
  'crunchy-bridge': {
    backups: 'Crunchy Bridge runs pgBackRest: continuous WAL archiving and backups, restored to a point in time as a fork',
  },
  heroku: {
    backups: 'Heroku Postgres archives WAL continuously (rollbacks and followers) and takes logical backups with PG Backups',
    replication: 'Heroku runs followers and high availability as add-on plans',
  },
};

/** What the provider does about `topic` on this server, or null when the server is self-managed (or not recognised). */
export function managedBy(server: ServerFacts, topic: ManagedTopic): string | null {
  const p = server.provider;
  if (!p) return null;
  return `${p.name} manages this: ${BY_PROVIDER[p.id as ProviderId]?.[topic] ?? GENERIC[topic]}`;
}
