// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers, built with node-sarif-builder.
// Rules are the playbooks' checks (their notebook prose as help); each result sits at its database object:
// a logical location (database / schema / object) and the physical location GitHub requires — the
// object as a path under `postgres/<database>/`, or a line of the schema file `[sarif] file` names.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Log, Result } from 'sarif';
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from 'node-sarif-builder';
import type { Finding, Severity } from '../playbooks/types.ts';
import { terminalText as printable } from '../util/untrusted-text.ts';
import { TOOL_VERSION } from '../version.ts';
import { databaseKeys, failingFindings, type CheckOutcome, type DatabaseOutcome } from './outcome.ts';
import { plainText, rulesOf } from './rules.ts';

const LEVEL: Record<Severity, Result.level> = { critical: 'error', warning: 'warning', info: 'note' };
// GitHub sorts security alerts by this score (critical ≥ 9, high ≥ 7, medium ≥ 4, low < 4)
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.0', warning: '6.0', info: '3.0' };
const SECURITY_PLAYBOOKS = new Set(['rls-security']);

export async function sarifLog(outcome: CheckOutcome): Promise<Log> {
  const run = new SarifRunBuilder().initSimple({ toolDriverName: 'pgadvisor', toolDriverVersion: TOOL_VERSION });
  run.run.tool.driver.semanticVersion = TOOL_VERSION;
  const rules = rulesOf(outcome.notebooks);
  for (const rule of rules) {
    const security = SECURITY_PLAYBOOKS.has(rule.playbook);
    const help = plainText(rule.help);
    run.addRule(
      new SarifRuleBuilder({
        name: pascal(rule.check),
        help: { text: help, markdown: rule.help },
        defaultConfiguration: { level: LEVEL[rule.severity] },
        properties: {
          tags: ['postgresql', rule.playbook, ...(security ? ['security'] : [])],
          precision: 'high',
          ...(security ? { 'security-severity': SECURITY_SEVERITY[rule.severity] } : { 'problem.severity': LEVEL[rule.severity] === 'note' ? 'recommendation' : LEVEL[rule.severity] }),
        },
      }).initSimple({ ruleId: rule.id, shortDescriptionText: rule.title, fullDescriptionText: firstParagraph(help) }),
    );
  }
  const locate = await schemaFileLocator(outcome.config.sarif.file);
  const keys = databaseKeys(outcome.databases);
  const gateOnNew = outcome.baseline !== null;
  for (const db of outcome.databases) {
    const key = keys.get(db)!;
    const failing = new Set(failingFindings(db, outcome.failOn, gateOnNew).map((f) => f.id));
    const expired = new Map(db.expired.map((e) => [e.id, e]));
    for (const f of db.findings) {
      const e = expired.get(f.id);
      const note = e ? ` An ignore of this finding expired on ${e.expires} (it said: ${e.reason}).` : '';
      run.addResult(result(f, key, locate, db, note, failing.has(f.id)));
    }
    for (const s of db.suppressed) {
      const r = result(s.finding, key, locate, db, '', false);
      r.result.suppressions = [{ kind: 'external', status: 'accepted', justification: printable(`${s.reason}${s.expires ? ` (until ${s.expires})` : ''}`) }];
      run.addResult(r);
    }
  }
  run.run.invocations = [invocation(outcome)];
  const builder = new SarifBuilder({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json' });
  builder.addRun(run);
  return builder.buildSarifOutput() as Log;
}

function result(f: Finding, dbKey: string, locate: Locator, db: DatabaseOutcome, note: string, failing: boolean): SarifResultBuilder {
  const { uri, line } = locate(f, dbKey);
  const r = new SarifResultBuilder({
    locations: [
      {
        physicalLocation: { artifactLocation: { uri }, region: { startLine: line } },
        logicalLocations: [{ name: printable(lastName(f.target)), fullyQualifiedName: printable(`${dbKey}/${f.target}`), kind: 'object' }],
      },
    ],
    partialFingerprints: { 'pgadvisorFinding/v1': createHash('sha256').update(`${dbKey}\u0000${f.id}`).digest('hex').slice(0, 32) },
    properties: {
      findingId: printable(f.id),
      database: printable(dbKey),
      target: printable(f.target),
      severity: f.severity,
      failsRun: failing,
      fix: f.up === null ? null : 'migration',
    },
  }).initSimple({ ruleId: `${f.playbook}/${f.check}`, level: LEVEL[f.severity], messageText: printable(`${f.title} (${f.target} in ${dbKey}). ${f.rationale}${note}`) });
  if (db.newIds) r.result.baselineState = db.newIds.has(f.id) ? 'new' : 'unchanged';
  return r;
}

type Locator = (f: Finding, dbKey: string) => { uri: string; line: number };

/**
 * Without a schema file each object gets a path of its own (`postgres/app/public.users`), stable across runs,
 * so GitHub keeps one alert per object. With one, the result points at the first line naming the object.
 */
async function schemaFileLocator(file: string | null): Promise<Locator> {
  if (!file) return (f, dbKey) => ({ uri: `postgres/${pathPart(dbKey)}/${pathPart(f.target)}`, line: 1 });
  let lines: string[] = [];
  try {
    lines = (await readFile(file, 'utf8')).split('\n');
  } catch {
    // the file is named for GitHub's view of the repository; missing here, results still point at it
  }
  return (f) => {
    const name = lastName(f.target).toLowerCase();
    const at = name ? lines.findIndex((l) => containsWord(l.toLowerCase(), name)) : -1;
    return { uri: file.replace(/\\/g, '/'), line: at + 1 || 1 };
  };
}

function invocation(outcome: CheckOutcome) {
  const notes = [];
  for (const db of outcome.databases) {
    if (db.status === 'failed') notes.push({ level: 'error' as const, message: { text: printable(`${db.target}: ${db.error}`) } });
    for (const e of db.errors) notes.push({ level: 'error' as const, message: { text: printable(`${db.target}: ${e.playbook}/${e.check} failed: ${e.error}`) } });
    for (const s of db.skipped) notes.push({ level: 'note' as const, message: { text: printable(`${db.target}: ${s.playbook}/${s.check} skipped: ${s.reason}`) } });
  }
  return { executionSuccessful: outcome.databases.every((d) => d.status === 'ok' && !d.errors.length), toolExecutionNotifications: notes };
}

/** The last identifier of a qualified name, unquoted: `public."My Table".idx` → `idx`. */
function lastName(target: string): string {
  const parts = target.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [target];
  const last = parts[parts.length - 1];
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last;
}

/** One percent-encoded path segment: separators, control characters and `..` cannot escape it. */
function pathPart(text: string): string {
  const safe = encodeURIComponent(text);
  return safe === '' || safe === '.' || safe === '..' ? safe.replace(/\./g, '%2E') || '_' : safe;
}

function containsWord(line: string, word: string): boolean {
  let from = 0;
  for (;;) {
    const at = line.indexOf(word, from);
    if (at < 0) return false;
    const before = line[at - 1];
    const after = line[at + word.length];
    if (!(before && /[\w$]/.test(before)) && !(after && /[\w$]/.test(after))) return true;
    from = at + 1;
  }
}

function firstParagraph(text: string): string {
  return text.split(/\n\s*\n/)[0].replace(/\s*\n\s*/g, ' ');
}

function pascal(id: string): string {
  return id.replace(/(^|[_-])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
