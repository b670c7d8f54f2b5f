// JUnit XML that CI servers render (GitLab, Jenkins, Azure DevOps, CircleCI, GitHub test-report actions),
// built with junit-report-builder. One test suite per database and playbook; each check is a test case —
// skipped (with its reason) when it could not run, an error when it failed — and each finding is a test
// case of its own, failing when it fails the run (at or above --fail-on, and new with --fail-on-new).
import junit, { type Builder } from 'junit-report-builder';
import { terminalText as printable } from '../util/untrusted-text.ts';
import { databaseKeys, failingFindings, type CheckOutcome } from './outcome.ts';

export function junitXml(outcome: CheckOutcome): string {
  // the package's types describe module.exports.default; at run time module.exports is the builder itself
  const builder = (junit as unknown as Builder).newBuilder().name('pgadvisor');
  const keys = databaseKeys(outcome.databases);
  const gateOnNew = outcome.baseline !== null;
  // without --fail-on the report still marks findings at warning or above as failures, the usual reading
  const level = outcome.failOn ?? (gateOnNew ? null : 'warning');
  for (const db of outcome.databases) {
    const key = keys.get(db)!;
    if (db.status === 'failed') {
      const suite = builder.testSuite().name(`${text(key)}`).property('target', text(db.target));
      suite.testCase().className(text(key)).name('connect').error(text(db.error ?? 'failed'), 'DatabaseUnavailable');
      continue;
    }
    const failing = new Set(failingFindings(db, level, gateOnNew).map((f) => f.id));
    const suppressed = new Map(db.suppressed.map((s) => [s.finding.id, s]));
    const playbooks = [...new Set(db.checks.map((c) => c.playbook))];
    for (const playbook of playbooks) {
      const suite = builder.testSuite().name(`${text(key)} ${playbook}`).property('target', text(db.target)).property('playbook', playbook);
      for (const check of db.checks.filter((c) => c.playbook === playbook)) {
        const className = `${text(key)}.${playbook}.${check.check}`;
        if (check.status === 'skipped') {
          suite.testCase().className(className).name(check.check).skipped().standardOutput(text(`skipped: ${check.reason ?? ''}`));
          continue;
        }
        if (check.status === 'error') {
          suite.testCase().className(className).name(check.check).error(text(check.reason ?? 'failed'), 'CheckFailed');
          continue;
        }
        const found = [...db.findings, ...db.suppressed.map((s) => s.finding)].filter((f) => f.playbook === playbook && f.check === check.check);
        if (!found.length) {
          suite.testCase().className(className).name(check.check);
          continue;
        }
        for (const f of found) {
          const tc = suite.testCase().className(className).name(text(`${check.check}: ${f.target}`));
          const ignored = suppressed.get(f.id);
          const details = [`${f.severity} ${f.id}`, f.title, f.rationale, ...(f.up ? ['fix: a migration is available (pgadvisor check --save)'] : [])].map(text).join('\n');
          if (ignored) tc.skipped().standardOutput(text(`ignored: ${ignored.reason}${ignored.expires ? ` (until ${ignored.expires})` : ''}`));
          else if (failing.has(f.id)) tc.failure(text(`${f.severity}: ${f.title} (${f.target})`), f.severity).standardOutput(details);
          else tc.standardOutput(details);
        }
      }
    }
  }
  return builder.build();
}

/** Catalog text made safe for XML 1.0 (no control characters) and for the terminals CI logs end up in. */
function text(s: string): string {
  return printable(s);
}
