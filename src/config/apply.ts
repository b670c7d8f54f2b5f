// What a config file does to a run: which checks and thresholds it names (checked against the notebooks),
// the severities it overrides, and the findings it ignores — until their expiry date.
import type { Finding, Notebook } from '../playbooks/types.ts';
import { ConfigError } from './error.ts';
import { keyName, lineOf, type Config, type Ignore } from './schema.ts';

/** A finding an ignore set aside: not reported, not counted by --fail-on. */
export interface Suppressed {
  finding: Finding;
  reason: string;
  expires: string | null;
}

/** A finding whose ignore has expired: reported again, and the output says so. */
export interface Expired {
  id: string;
  reason: string;
  expires: string;
}

export interface Applied {
  findings: Finding[];
  suppressed: Suppressed[];
  expired: Expired[];
}

/** The roles the RLS checks judge: --app-role when given (it replaces the list), else the config's app_roles. */
export function appRolesOf(given: string[] | undefined, config: Config): string[] {
  return given?.length ? given : (config.appRoles ?? []);
}

/** Refuses a config naming a playbook, check or threshold the notebooks do not have, with its line. */
export function checkConfigAgainst(config: Config, notebooks: Notebook[]): void {
  const fail = (path: (string | number)[], message: string): never => {
    throw new ConfigError(`${config.file}:${lineOf(config.lines, path)}: ${keyName(path)}: ${message}`);
  };
  const ids = notebooks.map((n) => n.id);
  (config.playbooks ?? []).forEach((p, i) => {
    if (!ids.includes(p)) fail(['playbooks', i], `unknown playbook "${p}" (available: ${ids.join(', ')})`);
  });
  const cellOf = (section: string, key: string) => {
    const [playbook, check] = key.split('/');
    const nb = notebooks.find((n) => n.id === playbook);
    if (!nb) fail([section, playbook], `unknown playbook "${playbook}" (available: ${ids.join(', ')})`);
    const cell = nb!.cells.find((c) => c.id === check && c.kind !== 'probe');
    if (!cell) fail([section, playbook, check], `playbook "${playbook}" has no check "${check}" (see pgadvisor playbooks)`);
    return cell!;
  };
  for (const key of Object.keys(config.severity)) cellOf('severity', key);
  for (const [key, values] of Object.entries(config.thresholds)) {
    const cell = cellOf('thresholds', key);
    const [playbook, check] = key.split('/');
    for (const name of Object.keys(values)) {
      if (!cell.thresholds.some((t) => t.name === name)) {
        const known = cell.thresholds.map((t) => t.name);
        fail(['thresholds', playbook, check, name], `check "${key}" has no threshold "${name}" (${known.length ? `it has ${known.join(', ')}` : 'it has none'})`);
      }
    }
  }
}

/** `*` stands for any run of characters (ids hold dots and slashes); everything else matches itself. */
export function matchesIgnore(pattern: string, id: string): boolean {
  if (!pattern.includes('*')) return pattern === id;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(id);
}

/** Whether an ignore still holds on `today` (YYYY-MM-DD, UTC): through its expiry day, never after. */
export function ignoreActive(ignore: Ignore, today: string): boolean {
  return ignore.expires === null || today <= ignore.expires;
}

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Severity overrides, then ignores: the first ignore that matches a finding decides it. */
export function applyConfig(findings: Finding[], config: Config, today = todayUtc()): Applied {
  const out: Applied = { findings: [], suppressed: [], expired: [] };
  for (const original of findings) {
    const level = config.severity[`${original.playbook}/${original.check}`];
    const f = level && level !== original.severity ? { ...original, severity: level } : original;
    const ignore = config.ignores.find((i) => matchesIgnore(i.finding, f.id));
    if (ignore && ignoreActive(ignore, today)) out.suppressed.push({ finding: f, reason: ignore.reason, expires: ignore.expires });
    else {
      if (ignore) out.expired.push({ id: f.id, reason: ignore.reason, expires: ignore.expires! });
      out.findings.push(f);
    }
  }
  return out;
}

/** Ignores that matched no finding in any of the runs: stale entries worth removing. */
export function unusedIgnores(config: Config, ids: Iterable<string>): Ignore[] {
  const all = [...ids];
  return config.ignores.filter((i) => !all.some((id) => matchesIgnore(i.finding, id)));
}
