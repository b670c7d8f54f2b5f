import { describe, expect, it } from 'vitest';
import { plainArgs } from '../../src/commands/plain-args.ts';

const OPTIONS = {
  url: { type: 'string', array: true },
  format: { type: 'string' },
  json: { type: 'boolean', default: false },
  jobs: { type: 'number' },
  config: { type: 'string' },
} as const;

describe('plain command-line options (read without yargs)', () => {
  it('reads options given plainly, with their declared types and defaults', () => {
    expect(plainArgs(['--url', 'postgres://a', '--url=postgres://b', '--format', 'sarif', '--jobs', '3'], OPTIONS)).toEqual({
      url: ['postgres://a', 'postgres://b'],
      format: 'sarif',
      jobs: 3,
      json: false,
    });
    expect(plainArgs(['--json'], OPTIONS)).toEqual({ json: true });
    expect(plainArgs([], OPTIONS)).toEqual({ json: false });
  });

  it.each([
    ['help', ['-h']],
    ['long help', ['--help']],
    ['an unknown option', ['--jsno']],
    ['a negated option', ['--no-config']],
    ['a value on a boolean', ['--json=false']],
    ['a missing value', ['--format']],
    ['a non-number', ['--jobs', 'many']],
    ['an empty number', ['--jobs=']],
    ['a positional argument', ['extra']],
    ['a repeated single option', ['--format', 'json', '--format', 'text']],
    ['the end of options', ['--', '--json']],
  ])('leaves %s to yargs', (_what, args) => {
    expect(plainArgs(args, OPTIONS)).toBeNull();
  });
});
