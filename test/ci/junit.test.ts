import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { junitXml } from '../../src/ci/junit.ts';
import type { CheckOutcome } from '../../src/ci/outcome.ts';
import type { TestDatabase } from '../support/db.ts';
import { check, plantedDatabase, UNREACHABLE } from './fixture.ts';

type Case = { '@_name': string; '@_classname': string; failure?: { '@_message': string; '@_type': string }; error?: { '@_message': string }; skipped?: unknown; 'system-out'?: string };
type Suite = { '@_name': string; '@_tests': string; '@_failures': string; '@_errors': string; '@_skipped': string; testcase: Case[] };

const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' });

describe('JUnit XML', () => {
  let a: TestDatabase;
  let outcome: CheckOutcome;
  let suites: Suite[];
  let root: Record<string, string>;
  beforeAll(async () => {
    a = await plantedDatabase();
    const config = await parseConfig('[[ignore]]\nfinding = "indexes/fk_without_index/*"\nreason = "append-only"\n', '.pgadvisor.toml');
    outcome = await check([a.url, UNREACHABLE], { failOn: 'warning' }, config);
    const xml = junitXml(outcome);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml);
    root = doc.testsuites;
    suites = doc.testsuites.testsuite;
  });
  afterAll(async () => {
    await a?.drop();
  });

  it('has one test suite per database and playbook, and one for the database that could not be checked', () => {
    expect(suites.map((s) => s['@_name'])).toEqual([expect.stringMatching(/ indexes$/), 'nowhere']);
    const unreachable = suites[1];
    expect(unreachable.testcase).toHaveLength(1);
    expect(unreachable.testcase[0]['@_name']).toBe('connect');
    expect(unreachable.testcase[0].error!['@_message']).toMatch(/^cannot connect: connection refused/);
    expect(JSON.stringify(suites)).not.toContain('secret-password');
  });

  it('fails a test case per finding at or above the fail level, and counts them in the suite', () => {
    const suite = suites[0];
    const failures = suite.testcase.filter((c) => c.failure);
    expect(failures.map((c) => c['@_name']).sort()).toEqual([
      expect.stringMatching(/^duplicate_indexes: public\."evil\\x1b\[31m\\nname"\.dup_(one|two)$/),
      expect.stringMatching(/^duplicate_indexes: public\.orders\.orders_note_[ab]$/),
    ]);
    expect(failures[0].failure!['@_type']).toBe('warning');
    expect(failures[0]['system-out']).toMatch(/^warning indexes\/duplicate_indexes\//);
    expect(Number(suite['@_failures'])).toBe(failures.length);
    expect(Number(root['@_failures'])).toBe(failures.length);
    expect(Number(root['@_errors'])).toBe(1);
  });

  it('passes checks without findings, and skips ignored findings with the reason', () => {
    const suite = suites[0];
    const clean = suite.testcase.find((c) => c['@_name'] === 'invalid_indexes')!;
    expect(clean.failure).toBeUndefined();
    expect(clean.error).toBeUndefined();
    expect(clean.skipped).toBeUndefined();
    const ignored = suite.testcase.find((c) => c['@_name'].startsWith('fk_without_index: '))!;
    expect(ignored.skipped).toBeDefined();
    expect(ignored['system-out']).toBe('ignored: append-only');
    expect(Number(suite['@_skipped'])).toBe(suite.testcase.filter((c) => c.skipped !== undefined).length);
  });

  it('marks a check that could not run on this server as skipped, with the reason', async () => {
    // drop_validation needs hypopg ≥ 1.4 and a server that has it; where it runs, another skip stands in
    const skipped = suites[0].testcase.filter((c) => c.skipped !== undefined && !c['@_name'].includes(': '));
    for (const c of skipped) expect(c['system-out']).toMatch(/^skipped: ./);
    const expected = outcome.databases[0].skipped.map((s) => s.check).sort();
    expect(skipped.map((c) => c['@_name']).sort()).toEqual(expected);
  });

  it('without --fail-on fails warnings and above; with --fail-on critical nothing here fails', async () => {
    const strict = parser.parse(junitXml({ ...outcome, failOn: 'critical' })).testsuites;
    expect(Number(strict['@_failures'])).toBe(0);
    const byDefault = parser.parse(junitXml({ ...outcome, failOn: null })).testsuites;
    expect(Number(byDefault['@_failures'])).toBe(Number(root['@_failures']));
  });
});
