// On a managed service (RDS, Cloud SQL, Azure, Supabase, Neon…) ALTER SYSTEM is usually refused and server
// settings change through the provider's console, API or parameter groups. Findings about a setting carry
// `evidence.setting` and the self-managed way (`alter_system`); on a managed server they also get the
// provider's way, as `evidence.managed`.
import type { Finding, ServerFacts } from './types.ts';

/** How a managed provider changes server settings. */
export interface ManagedProvider {
  /** the provider's name, e.g. "Amazon RDS" */
  name: string;
  /** one line: how this provider changes `setting` (parameter group, dashboard, CLI…) and whether it restarts */
  changeSetting(setting: string): string;
}

/**
 * The managed provider this server runs on, or null for a self-managed server. This is where the
 * managed-provider detection plugs in (it reads the server facts); until it does, every server is treated
 * as self-managed and findings keep only the ALTER SYSTEM way.
 */
export function managedProvider(_server: ServerFacts): ManagedProvider | null {
  return null;
}

/** The finding with the provider's way to change its setting, when it is about one and the server is managed. */
export function withProviderAdvice(f: Finding, provider: ManagedProvider | null): Finding {
  const setting = f.evidence.setting;
  if (!provider || typeof setting !== 'string') return f;
  return { ...f, evidence: { ...f.evidence, managed: { provider: provider.name, how: provider.changeSetting(setting) } } };
}
