// Advice that changes a server setting names ALTER SYSTEM (evidence.alter_system). Managed providers refuse
// it: there the finding names the provider's way instead — its parameter group, flags, CLI or dashboard —
// and how the provider restarts the server when the setting needs it.
import { providerInfo } from '../db/providers.ts';
import type { Finding, ServerFacts } from './types.ts';

const ALTER_SYSTEM = /^ALTER SYSTEM SET (\S+) = '((?:[^']|'')*)';$/;

export function adaptToProvider(findings: Finding[], server: ServerFacts): Finding[] {
  const provider = providerInfo(server.provider?.id);
  if (!provider) return findings;
  return findings.map((f) => {
    const statement = f.evidence.alter_system;
    if (typeof statement !== 'string') return f;
    const parsed = ALTER_SYSTEM.exec(statement);
    const name = parsed?.[1].replace(/^"|"$/g, '') ?? String(f.evidence.setting ?? f.target.replace(/^setting /, ''));
    const value = parsed ? parsed[2].replace(/''/g, "'") : String(f.evidence.suggested ?? '…');
    const way = provider.setting(name, value);
    const { alter_system: _refused, ...evidence } = f.evidence;
    const restart = f.evidence.context === 'postmaster' || /restart the server/.test(String(f.evidence.apply ?? ''));
    return {
      ...f,
      rationale: `${f.rationale} ${way[0].toUpperCase()}${way.slice(1)}.`,
      evidence: { ...evidence, provider: provider.name, provider_way: way, ...(restart ? { apply: provider.restart } : {}) },
    };
  });
}
