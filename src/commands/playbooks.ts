import { loadPlaybooks } from '../playbooks/loader.ts';
import { asUsageError, configuredTeamDirs, teamDirs, type TeamPlaybookArgs } from './team-playbooks.ts';
import { ANALYZER_INPUTS } from '../playbooks/inputs.ts';
import { formatVersion } from '../playbooks/requirements.ts';
import type { Requirement } from '../playbooks/types.ts';
import { terminalText as t } from '../util/untrusted-text.ts';

/** Lists playbooks (the shipped ones and each team folder's) and their checks with what each needs. */
export async function playbooksCommand(args: TeamPlaybookArgs = {}): Promise<number> {
  const notebooks = await loadPlaybooks(teamDirs(args, { playbookDirs: await configuredTeamDirs() })).catch((err) => Promise.reject(asUsageError(err)));
  const out: string[] = [];
  for (const nb of notebooks) {
    out.push(`${t(nb.id)} — ${t(nb.title)}${nb.summary ? `: ${t(nb.summary)}` : ''}${nb.team ? `  [team: ${t(nb.team)}]` : ''}`);
    for (const c of nb.cells) {
      const needs = describe({ ...c.requires, ...(c.analyzer ? mergeNeeds(c.requires, ANALYZER_INPUTS[c.analyzer]?.requires) : {}) });
      out.push(`  ${c.kind.padEnd(8)} ${t(c.id).padEnd(34)} ${t(c.title)}${needs ? `  [needs ${t(needs)}]` : ''}`);
      // what [thresholds.PLAYBOOK.CHECK] in .pgadvisor.toml may set
      for (const th of c.thresholds) out.push(`  ${''.padEnd(8)}   threshold ${t(th.name)} = ${th.default}: ${t(th.description)}`);
    }
    out.push('');
  }
  process.stdout.write(out.join('\n'));
  return 0;
}

function mergeNeeds(a: Requirement, b: Requirement | undefined): Requirement {
  if (!b) return a;
  return {
    minVersion: Math.max(a.minVersion ?? 0, b.minVersion ?? 0) || undefined,
    maxVersion: a.maxVersion ?? b.maxVersion,
    extensions: [...new Set([...(a.extensions ?? []), ...(b.extensions ?? [])])],
    extensionVersions: { ...b.extensionVersions, ...a.extensionVersions },
    privileges: a.privileges ?? b.privileges,
    workload: a.workload || b.workload || undefined,
    selfManaged: a.selfManaged ?? b.selfManaged,
  };
}

function describe(r: Requirement): string {
  const parts: string[] = [];
  if (r.minVersion) parts.push(`PG ≥ ${formatVersion(r.minVersion)}`);
  if (r.maxVersion) parts.push(`PG < ${formatVersion(r.maxVersion + 1)}`);
  for (const e of r.extensions ?? []) parts.push(`extension ${e}${r.extensionVersions?.[e] ? ` ≥ ${r.extensionVersions[e]}` : ''}`);
  if (r.privileges?.length) parts.push(r.privileges.join(' or '));
  if (r.workload) parts.push('a workload (pg_stat_statements or --workload FILE)');
  if (r.selfManaged) parts.push(`a self-managed server (${r.selfManaged}: the provider's on a managed one)`);
  return parts.join(', ');
}
