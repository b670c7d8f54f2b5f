import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasRealServer, TEST_DATABASE_URL, urlFor } from '../support/db.ts';
import { runCli } from './run-cli.ts';

const SECRET = 'pgadvisor-ci-secret';
const withPassword = (user: string, password: string, db = 'postgres') => {
  const u = new URL(TEST_DATABASE_URL!);
  u.username = user;
  u.password = password;
  u.pathname = `/${db}`;
  return u.toString();
};

// Each bad input: one line on stderr naming the problem, exit 2, no stack trace, no password, and no file
// left behind. (A terminal too small is a screen, not an exit: test/tui covers it.)
const cases: [string, string[], RegExp, boolean][] = [
  ['refused port', ['check', '--url', 'postgres://postgres@127.0.0.1:1/x'], /^pgadvisor: cannot connect to postgres@127\.0\.0\.1:1\/x: connection refused/, false],
  ['unknown host', ['check', '--url', 'postgres://postgres@no-such-host.invalid/x'], /^pgadvisor: cannot connect to .*: unknown host no-such-host\.invalid$/, false],
  ['malformed URL', ['check', '--url', 'postgres://x:hunter2@host:port/db'], /^pgadvisor: malformed connection URL/, false],
  ['not a postgres URL', ['check', '--url', 'mysql://root@localhost/db'], /^pgadvisor: malformed connection URL \(expected postgres:\/\//, false],
  ['unknown playbook', ['check', '--playbook', 'nope'], /^pgadvisor: unknown playbook "nope" \(available: .*indexes/, false],
  ['bad --fail-on', ['check', '--fail-on', 'high'], /^pgadvisor: --fail-on must be info, warn \(warning\) or crit \(critical\)/, false],
  ['bad --accept', ['check', '--save', '/tmp/x', '--accept', 'some'], /^pgadvisor: --accept must be all, none, or info, warn \(warning\) or crit \(critical\)/, false],
  ['unknown command', ['frobnicate'], /^pgadvisor: Unknown argument: frobnicate/, false],
];
// snapshot files gone wrong, and places that cannot be written
const dir = mkdtempSync(join(tmpdir(), 'pgadv-bad-'));
const demo = new URL('../../snapshots/demo.snapshot.json', import.meta.url).pathname;
const file = (name: string, content: string | Buffer) => (writeFileSync(join(dir, name), content), join(dir, name));
const truncated = file('truncated.json', readFileSync(demo, 'utf8').slice(0, 3000));
const binary = file('binary.json', randomBytes(2000));
const foreign = file('foreign.json', '{"hello": 1}\n');
const future = file('future.json', '{"format": "pgadvisor.snapshot/v2", "minor": 0}\n');
const notADir = file('afile', '');
cases.push(
  ['missing snapshot', ['report', join(dir, 'missing.json')], /^pgadvisor: cannot read .*missing\.json: /, false],
  ['truncated snapshot', ['report', truncated], /^pgadvisor: cannot read .*truncated\.json: not valid JSON, truncated or corrupt/, false],
  ['binary snapshot', ['export', binary, '--format', 'sql'], /^pgadvisor: cannot read .*binary\.json: binary data, not a JSON snapshot$/, false],
  ['foreign JSON', ['diff', foreign, demo], /^pgadvisor: cannot read .*foreign\.json: not a pgadvisor snapshot/, false],
  ['future-version snapshot', ['report', future], /^pgadvisor: cannot read .*future\.json: written by a newer pgadvisor: pgadvisor\.snapshot\/v2; this version reads v1$/, false],
  ['unknown export format', ['export', demo, '--format', 'liquibase'], /^pgadvisor: unknown export format "liquibase"; valid formats: sql, node-pg-migrate, prisma, flyway, golang-migrate, sqitch$/, false],
  ['unwritable export folder', ['export', demo, '--format', 'sql', '--out', join(notADir, 'sub')], /^pgadvisor: cannot write to .*afile\/sub: a parent is not a directory$/, false],
  ['unwritable report file', ['report', demo, '--out', join(notADir, 'r.md')], /^pgadvisor: cannot write .*afile\/: not a directory$/, false],
  ['session without a terminal', ['session'], /^pgadvisor: pgadvisor session needs an interactive terminal; use `pgadvisor check` for scripts and CI$/, false],
  ['replay without a terminal', ['replay', demo], /^pgadvisor: pgadvisor replay needs an interactive terminal; use `pgadvisor report FILE`/, false],
);

if (hasRealServer) {
  cases.push(
    ['wrong password', ['check', '--url', withPassword('postgres', 'wrong-password')], /^pgadvisor: cannot connect to postgres@127\.0\.0\.1:\d+\/postgres: password authentication failed$/, true],
    ['unknown role', ['check', '--url', withPassword('no_such_role', 'x')], /^pgadvisor: cannot connect to no_such_role@.*: password authentication failed$/, true],
    ['unknown database', ['check', '--url', urlFor(TEST_DATABASE_URL!, 'no_such_db')], /^pgadvisor: cannot connect to .*\/no_such_db: database "no_such_db" does not exist$/, true],
  );
}

describe('bad input gets one clear line and a non-zero exit', () => {
  it.each(cases)('%s', async (_name, args, pattern) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('run "pgadvisor --help"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
    expect(r.stderr + r.stdout).not.toContain('wrong-password');
    expect(readdirSync(dir).sort()).toEqual(['afile', 'binary.json', 'foreign.json', 'future.json', 'truncated.json']);
  });
});
