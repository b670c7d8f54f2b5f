import { readFileSync } from 'node:fs';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { sarifLog } from '../../src/ci/sarif.ts';
import type { CheckOutcome } from '../../src/ci/outcome.ts';
import type { TestDatabase } from '../support/db.ts';
import { check, HOSTILE_TABLE, plantedDatabase, UNREACHABLE } from './fixture.ts';

// Vendored (see schema/README.md): validated offline, never fetched.
const schema = JSON.parse(readFileSync(new URL('./schema/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8'));
// the schema's "language" pattern is not valid in Unicode mode; it is meant as a plain ECMAScript pattern
// both are CommonJS modules whose exports also carry the class / plugin as `default`
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
ajvFormats.default(ajv);
const validate = ajv.compile(schema);

function expectValid(log: Log) {
  const ok = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
  expect(ok).toBe(true);
}

describe('SARIF', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let outcome: CheckOutcome;
  let log: Log;
  beforeAll(async () => {
    a = await plantedDatabase();
    b = await plantedDatabase();
    const config = await parseConfig('[[ignore]]\nfinding = "indexes/fk_without_index/*"\nreason = "orders are append-only; lookups go by id"\n', '.pgadvisor.toml');
    outcome = await check([a.url, b.url, UNREACHABLE], { failOn: 'warning' }, config);
    log = await sarifLog(outcome);
  });
  afterAll(async () => {
    await a?.drop();
    await b?.drop();
  });

  it('is valid SARIF 2.1.0', () => {
    expect(log.version).toBe('2.1.0');
    expectValid(log);
    // the validator does refuse a broken log: a result with no message, a level SARIF does not have
    const broken = structuredClone(log);
    delete (broken.runs[0].results![0] as { message?: unknown }).message;
    (broken.runs[0].results![1] as { level: string }).level = 'critical';
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/runs/0/results/1/level']));
  });

  it('has what GitHub code scanning needs for each result: a known rule, a message, a location with a file path, fingerprints', () => {
    const run = log.runs[0];
    const rules = run.tool.driver.rules!;
    expect(run.tool.driver.name).toBe('pgadvisor');
    expect(run.results!.length).toBeGreaterThan(0);
    for (const r of run.results!) {
      expect(rules[r.ruleIndex!].id).toBe(r.ruleId);
      expect(r.message.text).toBeTruthy();
      expect(r.locations).toHaveLength(1);
      const uri = r.locations![0].physicalLocation!.artifactLocation!.uri!;
      expect(uri).toMatch(/^postgres\/[^/]+\/[^/]+$/);
      expect(r.locations![0].physicalLocation!.region!.startLine).toBe(1);
      expect(Object.values(r.partialFingerprints!)[0]).toMatch(/^[0-9a-f]{32}$/);
    }
    // one fingerprint per database and finding: the same finding on two databases is two alerts
    const prints = run.results!.map((r) => Object.values(r.partialFingerprints!)[0]);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('takes rules from the playbooks, with their prose as help and a default level', () => {
    const rule = log.runs[0].tool.driver.rules!.find((r) => r.id === 'indexes/duplicate_indexes')!;
    expect(rule.shortDescription!.text).toMatch(/duplicate/i);
    expect(rule.help!.markdown!.length).toBeGreaterThan(100);
    expect(rule.help!.text).not.toMatch(/`/);
    expect(rule.defaultConfiguration!.level).toBe('warning');
    expect(rule.properties!.tags).toEqual(['postgresql', 'indexes']);
    const rls = log.runs[0].tool.driver.rules!;
    expect(rls.every((r) => !r.id.startsWith('rls-security/'))).toBe(true); // only the playbooks that ran
  });

  it('locates each result at its database object, once per database', () => {
    const dup = log.runs[0].results!.filter((r) => r.ruleId === 'indexes/duplicate_indexes' && /orders_note/.test(r.message.text!));
    expect(dup).toHaveLength(2);
    const names = dup.map((r) => r.locations![0].logicalLocations![0].fullyQualifiedName);
    expect(new Set(names).size).toBe(2);
    for (const r of dup) {
      expect(r.locations![0].logicalLocations![0].fullyQualifiedName).toMatch(/\/public\.orders\.orders_note_[ab]$/);
      expect(r.level).toBe('warning');
      expect(r.properties!.failsRun).toBe(true);
    }
  });

  it('never carries a raw control character from a catalog name', () => {
    const text = JSON.stringify(log);
    const evil = log.runs[0].results!.filter((r) => r.message.text!.includes('evil'));
    expect(evil.length).toBeGreaterThan(0);
    for (const r of evil) {
      expect(r.message.text).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(r.message.text).toContain('evil\\x1b[31m\\nname');
      expect(r.locations![0].physicalLocation!.artifactLocation!.uri).not.toMatch(/[\u0000-\u001f\s]/);
    }
    expect(text).not.toContain(HOSTILE_TABLE);
  });

  it('marks ignored findings as suppressed with the reason, and reports the unreachable database without its password', () => {
    const suppressed = log.runs[0].results!.filter((r) => r.suppressions?.length);
    expect(suppressed.length).toBe(2); // the foreign key of orders, on both databases
    expect(suppressed[0].suppressions![0]).toEqual({ kind: 'external', status: 'accepted', justification: 'orders are append-only; lookups go by id' });
    const inv = log.runs[0].invocations![0];
    expect(inv.executionSuccessful).toBe(false);
    const failed = inv.toolExecutionNotifications!.filter((n) => n.level === 'error');
    expect(failed.map((n) => n.message.text)).toEqual([expect.stringMatching(/^postgres@127\.0\.0\.1:9\/nowhere: cannot connect: connection refused/)]);
    expect(JSON.stringify(log)).not.toContain('secret-password');
  });

  it('points results at a schema file when the config names one, at the line naming the object', async () => {
    const config = await parseConfig('[sarif]\nfile = "test/ci/fixture.ts"\n', '.pgadvisor.toml');
    const withFile = await sarifLog({ ...outcome, config });
    expectValid(withFile);
    const r = withFile.runs[0].results!.find((x) => /orders_note_b/.test(x.message.text!))!;
    expect(r.locations![0].physicalLocation!.artifactLocation!.uri).toBe('test/ci/fixture.ts');
    const line = readFileSync(new URL('./fixture.ts', import.meta.url), 'utf8').split('\n').findIndex((l) => /\borders_note_b\b/.test(l)) + 1;
    expect(r.locations![0].physicalLocation!.region!.startLine).toBe(line);
  });

  it('gives the same fingerprints on the next run', async () => {
    const again = await sarifLog(await check([a.url, b.url, UNREACHABLE], { failOn: 'warning' }, outcome.config));
    const prints = (l: Log) => l.runs[0].results!.map((r) => Object.values(r.partialFingerprints!)[0]).sort();
    expect(prints(again)).toEqual(prints(log));
  });
});
