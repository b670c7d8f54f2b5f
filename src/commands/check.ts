import { cellErrors } from '../playbooks/cell-errors.ts';
import { SEVERITIES, severityRank, type Decision, type Finding, type Severity, type RunResult } from '../playbooks/types.ts';
import { UsageError } from '../db/target.ts';
import { connect, runLive, selectNotebooks } from '../playbooks/live.ts';
import { TOOL_VERSION } from '../version.ts';

export interface CheckArgs {
  url?: string;
  playbook?: string[];
  json?: boolean;
  failOn?: string;
  save?: string;
  accept?: string;
  baseline?: string;
  allowErrors?: boolean;
  /** roles the application connects as (--app-role) */
  appRole?: string[];
}

/**
 * Non-interactive run of the playbooks for CI and scripts. Exit 2 when a cell failed (its findings are
 * missing, so a clean result cannot be told from a check that did not run) unless --allow-errors;
 * else 1 when a finding reaches --fail-on.
 */
export async function checkCommand(args: CheckArgs): Promise<number> {
  const failOn = args.failOn ? parseLevel(args.failOn, '--fail-on') : null;
  const accept = args.save ? parseAccept(args.accept ?? 'none') : null;
  if (args.accept && !args.save) throw new UsageError('--accept needs --save DIR');
  const notebooks = await selectNotebooks(args.playbook);
  const conn = await connect(args.url, { appRoles: args.appRole });
  let data: RunResult;
  try {
    if (conn.demo) process.stderr.write('pgadvisor: no connection given; checking the embedded demo database\n');
    // without --save nothing keeps the evidence-only probes, so only what yields findings runs
    data = await runLive(conn, notebooks, undefined, undefined, { findingsOnly: !args.save });
  } finally {
    await conn.close();
  }

  let saved: { snapshot: string; migration: string; rollback: string } | null = null;
  if (args.save && accept) {
    saved = await saveChecked(args.save, data, accept, conn.demo, args.baseline);
  }
  process.stdout.write(args.json ? JSON.stringify(jsonReport(data), null, 2) + '\n' : textReport(data, conn.target.display, saved));
  const errors = cellErrors(data.playbooks);
  if (errors.length && !args.allowErrors) {
    process.stderr.write(`pgadvisor: ${errors.length} cell${errors.length === 1 ? '' : 's'} failed (${errors.map((e) => `${e.playbook}/${e.check}`).join(', ')}); exit 2 (--allow-errors to ignore)\n`);
    return 2;
  }
  if (failOn && data.findings.some((f) => severityRank(f.severity) >= severityRank(failOn))) return 1;
  return 0;
}

async function saveChecked(dir: string, data: RunResult, accept: Severity | 'all' | 'none', demo: boolean, baselineFile?: string) {
  const { newSnapshot } = await import('../snapshot/io.ts');
  const { saveSession } = await import('../snapshot/save.ts');
  const at = new Date().toISOString();
  const decisions: Record<string, Decision> = {};
  for (const f of data.findings) decisions[f.id] = { state: accepts(accept, f) ? 'accepted' : 'pending', note: '', at };
  let snapshot = newSnapshot(data, { toolVersion: TOOL_VERSION, takenAt: at, demo, decisions });
  if (baselineFile) {
    const { readSnapshot } = await import('../snapshot/io.ts');
    const { carryDecisions } = await import('../snapshot/carry.ts');
    snapshot = carryDecisions(await readSnapshot(baselineFile), snapshot);
  }
  return saveSession(dir, snapshot);
}

function accepts(level: Severity | 'all' | 'none', f: Finding): boolean {
  if (level === 'none') return false;
  if (level === 'all') return true;
  return severityRank(f.severity) >= severityRank(level);
}

function parseLevel(v: string, flag: string): Severity {
  if (!SEVERITIES.includes(v as Severity)) throw new UsageError(`${flag} must be one of ${SEVERITIES.join(', ')} (got "${v}")`);
  return v as Severity;
}

function parseAccept(v: string): Severity | 'all' | 'none' {
  if (v === 'all' || v === 'none') return v;
  if (!SEVERITIES.includes(v as Severity)) throw new UsageError(`--accept must be all, none or one of ${SEVERITIES.join(', ')} (got "${v}")`);
  return v as Severity;
}

export function jsonReport(data: RunResult) {
  return { findings: data.findings, skipped: data.skipped, errors: cellErrors(data.playbooks), server: data.server };
}

const MARK: Record<Severity, string> = { critical: 'CRIT', warning: 'WARN', info: 'INFO' };

function textReport(data: RunResult, display: string, saved: { snapshot: string; migration: string; rollback: string } | null): string {
  const out: string[] = [];
  out.push(`pgadvisor ${TOOL_VERSION} — ${display} — ${data.server.product}`);
  for (const p of data.playbooks) {
    const found = data.findings.filter((f) => f.playbook === p.id);
    const errors = cellErrors([p]);
    out.push('', `## ${p.title} (${found.length} finding${found.length === 1 ? '' : 's'})`);
    for (const f of [...found].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))) {
      out.push(`  ${MARK[f.severity]}  ${f.target}  ${f.title}${f.up ? '' : '  [advice]'}`);
    }
    for (const e of errors) out.push(`  ERR   ${e.check}: ${e.error}`);
  }
  const bySeverity = SEVERITIES.map((s) => `${data.findings.filter((f) => f.severity === s).length} ${s}`).reverse().join(', ');
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const failed = cellErrors(data.playbooks);
  out.push('', `${n(data.findings.length, 'finding')} (${bySeverity}); ${n(data.skipped.length, 'check')} skipped; ${n(failed.length, 'cell')} failed`);
  for (const s of data.skipped) out.push(`  skipped ${s.playbook}/${s.check}: ${s.reason}`);
  if (saved) out.push('', `snapshot:  ${saved.snapshot}`, `migration: ${saved.migration}`, `rollback:  ${saved.rollback}`);
  return out.join('\n') + '\n';
}
