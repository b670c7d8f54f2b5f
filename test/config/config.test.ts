import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyConfig, checkConfigAgainst, matchesIgnore } from '../../src/config/apply.ts';
import { ConfigError } from '../../src/config/error.ts';
import { findConfig, loadConfig, parseConfig } from '../../src/config/load.ts';
import { loadNotebooks } from '../../src/playbooks/loader.ts';
import type { Finding } from '../../src/playbooks/types.ts';

const VALID = `# team policy
playbooks = ["indexes", "maintenance"]
app_roles = ["authenticated"]

[severity]
indexes.unused_indexes = "info"
maintenance.table_bloat = "crit"

[[ignore]]
finding = "indexes/duplicate_indexes/public.legacy_idx"
reason = "dropped with the legacy module in Q2"
expires = 2026-03-31

[[ignore]]
finding = "schema-integrity/*/audit.*"
reason = "audit schema is owned by the vendor"

[thresholds.connections.idle_in_transaction]
idle_seconds = 120

[sarif]
file = "db/schema.sql"
`;

async function errorOf(text: string): Promise<string> {
  try {
    await parseConfig(text, '.pgadvisor.toml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

function finding(id: string, severity: Finding['severity'] = 'warning'): Finding {
  const [playbook, check, ...rest] = id.split('/');
  return { id, playbook, check, severity, target: rest.join('/'), title: 't', rationale: 'r', evidence: {}, up: null, down: null, drops: [], keeps: [] };
}

describe('config file', () => {
  it('reads every key of a valid file', async () => {
    const c = await parseConfig(VALID, '.pgadvisor.toml');
    expect(c.playbooks).toEqual(['indexes', 'maintenance']);
    expect(c.appRoles).toEqual(['authenticated']);
    expect(c.severity).toEqual({ 'indexes/unused_indexes': 'info', 'maintenance/table_bloat': 'critical' });
    expect(c.ignores).toEqual([
      { finding: 'indexes/duplicate_indexes/public.legacy_idx', reason: 'dropped with the legacy module in Q2', expires: '2026-03-31', line: 9 },
      { finding: 'schema-integrity/*/audit.*', reason: 'audit schema is owned by the vendor', expires: null, line: 14 },
    ]);
    expect(c.thresholds).toEqual({ 'connections/idle_in_transaction': { idle_seconds: 120 } });
    expect(c.sarif.file).toBe('db/schema.sql');
    checkConfigAgainst(c, await loadNotebooks());
  });

  it.each([
    ['a TOML syntax error', 'playbooks = ["indexes"\nfoo = 1\n', /^\.pgadvisor\.toml:\d: not valid TOML: /],
    ['an unknown key', 'playbook = ["indexes"]\n', /^\.pgadvisor\.toml:1: playbook: unknown key \(known: playbooks, playbook_dirs, app_roles/],
    ['an ignore without a reason', '\n[[ignore]]\nfinding = "indexes/x/y"\n', /^\.pgadvisor\.toml:2: ignore\[1\]: needs reason = /],
    ['an empty reason', '[[ignore]]\nfinding = "a"\nreason = "  "\n', /^\.pgadvisor\.toml:3: ignore\[1\]\.reason: needs reason = /],
    ['an ignore without a finding', '[[ignore]]\nreason = "because"\n', /^\.pgadvisor\.toml:1: ignore\[1\]: needs finding = /],
    ['a bad expiry', '[[ignore]]\nfinding = "a"\nreason = "b"\nexpires = "next spring"\n', /^\.pgadvisor\.toml:4: ignore\[1\]\.expires: must be a date such as 2026-03-31 \(got "next spring"\)$/],
    ['an unknown ignore key', '[[ignore]]\nfinding = "a"\nreason = "b"\nuntil = 2026-01-01\n', /^\.pgadvisor\.toml:4: ignore\[1\]\.until: unknown key/],
    ['a bad level', '[severity]\nindexes.unused_indexes = "high"\n', /^\.pgadvisor\.toml:2: severity\.indexes\.unused_indexes: must be one of info, warning, critical \(got "high"\)$/],
    ['a threshold that is no number', '[thresholds.workload.slow_statements]\nmin_mean_ms = "fast"\n', /^\.pgadvisor\.toml:2: thresholds\.workload\.slow_statements\.min_mean_ms: must be a number/],
    ['playbooks that are no list', 'playbooks = "indexes"\n', /^\.pgadvisor\.toml:1: playbooks: must be an array of non-empty strings$/],
    ['ignore as a plain table', '[ignore]\nfinding = "a"\n', /^\.pgadvisor\.toml:1: ignore: must be an array of tables/],
  ])('refuses %s in one line naming file, line and key', async (_, text, expected) => {
    const message = await errorOf(text);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });

  it.each([
    ['an unknown check', '[severity]\nindexes.no_such_check = "info"\n', /^\.pgadvisor\.toml:2: severity\.indexes\.no_such_check: playbook "indexes" has no check "no_such_check"/],
    ['an unknown playbook', '\n\nplaybooks = ["indexes", "nope"]\n', /^\.pgadvisor\.toml:3: playbooks\[2\]: unknown playbook "nope" \(available: /],
    ['a probe named as a check', '[severity]\nindexes.index_sizes = "info"\n', /severity\.indexes\.index_sizes: playbook "indexes" has no check/],
    ['an unknown threshold', '[thresholds.connections.idle_in_transaction]\nidle_minutes = 5\n', /^\.pgadvisor\.toml:2: thresholds\.connections\.idle_in_transaction\.idle_minutes: check "connections\/idle_in_transaction" has no threshold "idle_minutes" \(it has idle_seconds/],
  ])('refuses %s the notebooks do not have, with its line', async (_, text, expected) => {
    const config = await parseConfig(text, '.pgadvisor.toml');
    let message = '';
    try {
      checkConfigAgainst(config, await loadNotebooks());
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(expected);
  });

  it('is found upward from the working directory, and --config wins', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'pgadv-config-'));
    const deep = path.join(root, 'a', 'b');
    await mkdir(deep, { recursive: true });
    await writeFile(path.join(root, '.pgadvisor.toml'), 'playbooks = ["indexes"]\n');
    expect(await findConfig(undefined, deep)).toBe(path.join(root, '.pgadvisor.toml'));
    expect((await loadConfig(undefined, deep)).playbooks).toEqual(['indexes']);
    await writeFile(path.join(deep, 'other.toml'), 'playbooks = ["maintenance"]\n');
    expect((await loadConfig('other.toml', deep)).playbooks).toEqual(['maintenance']);
    await expect(loadConfig('missing.toml', deep)).rejects.toThrow(/^missing\.toml: cannot read the config file \(no such file\)$/);
  });

  it('without a file is empty', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pgadv-noconfig-'));
    // tmpdir has no .pgadvisor.toml above it on a test machine; an empty config changes nothing
    const c = await loadConfig(undefined, dir);
    if (c.file === null) expect(applyConfig([finding('a/b/c')], c).findings).toHaveLength(1);
  });
});

describe('ignores and severities', () => {
  it('match ids exactly, or with * across dots and slashes', () => {
    expect(matchesIgnore('indexes/unused_indexes/public.a_idx', 'indexes/unused_indexes/public.a_idx')).toBe(true);
    expect(matchesIgnore('indexes/unused_indexes/public.a_idx', 'indexes/unused_indexes/public.a_idx2')).toBe(false);
    expect(matchesIgnore('indexes/*/public.a_*', 'indexes/unused_indexes/public.a_idx')).toBe(true);
    expect(matchesIgnore('*/audit.*', 'schema-integrity/json_columns/audit.log.payload')).toBe(true);
    expect(matchesIgnore('indexes/*', 'maintenance/x/y')).toBe(false);
    // regular-expression characters in ids are literal
    expect(matchesIgnore('a/b/public."x(1)"', 'a/b/public."x(1)"')).toBe(true);
    expect(matchesIgnore('a/b/public.x.', 'a/b/public.xy')).toBe(false);
  });

  it('set a finding aside until its expiry day, then report it again and say so', async () => {
    const c = await parseConfig(VALID, '.pgadvisor.toml');
    const f = finding('indexes/duplicate_indexes/public.legacy_idx');
    const before = applyConfig([f], c, '2026-03-31');
    expect(before.findings).toEqual([]);
    expect(before.suppressed).toEqual([{ finding: f, reason: 'dropped with the legacy module in Q2', expires: '2026-03-31' }]);
    const after = applyConfig([f], c, '2026-04-01');
    expect(after.findings).toEqual([f]);
    expect(after.suppressed).toEqual([]);
    expect(after.expired).toEqual([{ id: f.id, reason: 'dropped with the legacy module in Q2', expires: '2026-03-31' }]);
  });

  it('override severities by check, and never expire without a date', async () => {
    const c = await parseConfig(VALID, '.pgadvisor.toml');
    const out = applyConfig([finding('indexes/unused_indexes/public.x', 'warning'), finding('maintenance/table_bloat/public.t', 'info'), finding('schema-integrity/json_columns/audit.log.payload')], c, '2099-01-01');
    expect(out.findings.map((f) => [f.id, f.severity])).toEqual([
      ['indexes/unused_indexes/public.x', 'info'],
      ['maintenance/table_bloat/public.t', 'critical'],
    ]);
    expect(out.suppressed.map((s) => s.finding.id)).toEqual(['schema-integrity/json_columns/audit.log.payload']);
  });
});
