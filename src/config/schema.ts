// The shape of .pgadvisor.toml, checked key by key so that every error names its file, line and key.
import { dirname, isAbsolute, join } from 'node:path';
import { SEVERITIES, type Severity } from '../playbooks/types.ts';
import { ConfigError, type KeyLines } from './error.ts';

export interface Ignore {
  /** a finding id, or a pattern where `*` stands for any run of characters */
  finding: string;
  reason: string;
  /** YYYY-MM-DD: the ignore holds through that day (UTC), or null for no expiry */
  expires: string | null;
  /** where it is written, for messages */
  line: number;
}

export interface Config {
  /** the file as messages name it, or null when there is no config */
  file: string | null;
  lines: KeyLines;
  /** default --playbook */
  playbooks: string[] | null;
  /** team notebook folders (as --playbooks DIR), relative to the config file's folder as written */
  playbookDirs: string[];
  /** default --app-role */
  appRoles: string[] | null;
  /** `playbook/check` → severity its findings get */
  severity: Record<string, Severity>;
  ignores: Ignore[];
  /** `playbook/check` → threshold name → value */
  thresholds: Record<string, Record<string, number>>;
  sarif: { file: string | null };
}

export const CONFIG_KEYS = ['playbooks', 'playbook_dirs', 'app_roles', 'severity', 'ignore', 'thresholds', 'sarif'];

/** Level names as written in full or as the text output shows them. */
export const LEVEL_ALIASES: Record<string, Severity> = { info: 'info', warning: 'warning', warn: 'warning', critical: 'critical', crit: 'critical' };

interface Ctx {
  file: string;
  lines: KeyLines;
}

export function validateConfig(raw: Record<string, unknown>, ctx: Ctx): Config {
  const fail = (path: (string | number)[], message: string): never => {
    throw new ConfigError(`${ctx.file}:${lineOf(ctx.lines, path)}: ${keyName(path)}: ${message}`);
  };
  for (const key of Object.keys(raw)) {
    if (!CONFIG_KEYS.includes(key)) fail([key], `unknown key (known: ${CONFIG_KEYS.join(', ')})`);
  }
  const strings = (key: string): string[] | null => {
    const v = raw[key];
    if (v === undefined) return null;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || !s)) fail([key], 'must be an array of non-empty strings');
    return v as string[];
  };

  const severity: Record<string, Severity> = {};
  for (const [playbook, checks] of Object.entries(table(raw.severity, ['severity'], fail))) {
    for (const [check, level] of Object.entries(table(checks, ['severity', playbook], fail))) {
      const s = typeof level === 'string' ? LEVEL_ALIASES[level] : undefined;
      if (!s) fail(['severity', playbook, check], `must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(level)})`);
      severity[`${playbook}/${check}`] = s!;
    }
  }

  const thresholds: Record<string, Record<string, number>> = {};
  for (const [playbook, checks] of Object.entries(table(raw.thresholds, ['thresholds'], fail))) {
    for (const [check, values] of Object.entries(table(checks, ['thresholds', playbook], fail))) {
      const out: Record<string, number> = {};
      for (const [name, v] of Object.entries(table(values, ['thresholds', playbook, check], fail))) {
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(['thresholds', playbook, check, name], `must be a number (got ${JSON.stringify(v)})`);
        out[name] = v as number;
      }
      thresholds[`${playbook}/${check}`] = out;
    }
  }

  const ignores: Ignore[] = [];
  const list = raw.ignore ?? [];
  if (!Array.isArray(list)) fail(['ignore'], 'must be an array of tables: write each one as [[ignore]]');
  (list as unknown[]).forEach((item, i) => {
    const at = (k?: string) => (k ? ['ignore', i, k] : ['ignore', i]);
    const t = table(item, at(), fail);
    for (const k of Object.keys(t)) if (!['finding', 'reason', 'expires'].includes(k)) fail(at(k), 'unknown key (finding, reason, expires)');
    if (typeof t.finding !== 'string' || !t.finding.trim()) fail(t.finding === undefined ? at() : at('finding'), 'needs finding = "<finding id or pattern with *>"');
    if (typeof t.reason !== 'string' || !t.reason.trim()) fail(t.reason === undefined ? at() : at('reason'), 'needs reason = "<why this finding is accepted>": an ignore without a reason is refused');
    ignores.push({ finding: t.finding as string, reason: (t.reason as string).trim(), expires: t.expires === undefined ? null : expiryDate(t.expires, at('expires'), fail), line: lineOf(ctx.lines, at()) });
  });

  const sarif = table(raw.sarif, ['sarif'], fail);
  for (const k of Object.keys(sarif)) if (k !== 'file') fail(['sarif', k], 'unknown key (file)');
  if (sarif.file !== undefined && (typeof sarif.file !== 'string' || !sarif.file)) fail(['sarif', 'file'], 'must be a path relative to the repository root');

  return {
    file: ctx.file,
    lines: ctx.lines,
    playbooks: strings('playbooks'),
    playbookDirs: (strings('playbook_dirs') ?? []).map((d) => (isAbsolute(d) ? d : join(dirname(ctx.file), d))),
    appRoles: strings('app_roles'),
    severity,
    ignores,
    thresholds,
    sarif: { file: (sarif.file as string | undefined) ?? null },
  };
}

function table(v: unknown, path: (string | number)[], fail: (p: (string | number)[], m: string) => never): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) fail(path, 'must be a table');
  return v as Record<string, unknown>;
}

/** A TOML date (2026-03-31), date-time, or the same as a string; kept as its UTC day. */
function expiryDate(v: unknown, path: (string | number)[], fail: (p: (string | number)[], m: string) => never): string {
  const date = v instanceof Date ? v : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
  if (!date || Number.isNaN(date.getTime())) fail(path, `must be a date such as 2026-03-31 (got ${JSON.stringify(v)})`);
  return date!.toISOString().slice(0, 10);
}

export function lineOf(lines: KeyLines, path: (string | number)[]): number {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(path.slice(0, n).map(String).join('\u0000'));
    if (line) return line;
  }
  return 1;
}

/** `ignore[2].reason`, `thresholds.workload.slow_statements.min_mean_ms` (array positions 1-based). */
export function keyName(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p + 1}]` : `${i ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p)}`)).join('');
}
