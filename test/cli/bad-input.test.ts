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

// Each bad input: one line on stderr naming the problem, exit 2, no stack trace, no password.
const cases: [string, string[], RegExp, boolean][] = [
  ['refused port', ['check', '--url', 'postgres://postgres@127.0.0.1:1/x'], /^pgadvisor: cannot connect to postgres@127\.0\.0\.1:1\/x: connection refused/, false],
  ['unknown host', ['check', '--url', 'postgres://postgres@no-such-host.invalid/x'], /^pgadvisor: cannot connect to .*: unknown host no-such-host\.invalid$/, false],
  ['malformed URL', ['check', '--url', 'postgres://x:hunter2@host:port/db'], /^pgadvisor: malformed connection URL/, false],
  ['not a postgres URL', ['check', '--url', 'mysql://root@localhost/db'], /^pgadvisor: malformed connection URL \(expected postgres:\/\//, false],
  ['unknown playbook', ['check', '--playbook', 'nope'], /^pgadvisor: unknown playbook "nope" \(available: .*indexes/, false],
  ['bad --fail-on', ['check', '--fail-on', 'high'], /^pgadvisor: --fail-on must be one of info, warning, critical/, false],
  ['bad --accept', ['check', '--save', '/tmp/x', '--accept', 'some'], /^pgadvisor: --accept must be all, none or one of/, false],
  ['unknown command', ['frobnicate'], /^pgadvisor: Unknown argument: frobnicate/, false],
];
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
  });
});
