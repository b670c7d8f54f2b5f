import { serverLabel } from '../db/providers.ts';
import { cellErrors } from '../playbooks/cell-errors.ts';
import { SEVERITIES, severityRank, type Decision, type Finding, type Severity, type RunResult } from '../playbooks/types.ts';
import { UsageError } from '../db/target.ts';
import { connect, runLive, selectNotebooks } from '../playbooks/live.ts';
import { jsonText, terminalText as t } from '../util/untrusted-text.ts';
import { TOOL_VERSION } from '../version.ts';
import type { WorkloadSourceSummary } from '../workload/types.ts';
import { workloadFiles, type WorkloadArgs } from './workload-files.ts';

export interface CheckArgs extends WorkloadArgs {
  url?: string;
  playbook?: string[];
  json?: boolean;
  failOn?: string;
  save?: string;
  accept?: string;
  baseline?: string;
  allowErrors?: boolean;
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
  const files = await workloadFiles(args);
  const conn = await connect(args.url);
  let data: RunResult;
  try {
    if (conn.demo) process.stderr.write('pgadvisor: no connection given; checking the embedded demo database\n');
    // without --save nothing keeps the evidence-only probes, so only what yields findings runs
    data = await runLive(conn, notebooks, undefined, undefined, { findingsOnly: !args.save, workloadFiles: files, workloadDatabase: args.workloadDatabase });
  } finally {
    await conn.close();
  }

  let saved: { snapshot: string; migration: string; rollback: string } | null = null;
  if (args.save && accept) {
    saved = await saveChecked(args.save, data, accept, conn.demo, args.baseline);
  }
  process.stdout.write(args.json ? jsonText(jsonReport(data), 2) + '\n' : textReport(data, conn.target.display, saved));
  const errors = cellErrors(data.playbooks);
  if (errors.length && !args.allowErrors) {
    process.stderr.write(`pgadvisor: ${errors.length} cell${errors.length === 1 ? '' : 's'} failed (${errors.map((e) => `${t(e.playbook)}/${t(e.check)}`).join(', ')}); exit 2 (--allow-errors to ignore)\n`);
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

/** A level as the screens show it (INFO, WARN, CRIT) or in full, in any case. */
export function severityOf(v: string): Severity | null {
  const s = v.trim().toLowerCase();
  const short: Record<string, Severity> = { info: 'info', warn: 'warning', crit: 'critical' };
  return SEVERITIES.includes(s as Severity) ? (s as Severity) : (short[s] ?? null);
}

const LEVELS = 'info, warn (warning) or crit (critical)';

function parseLevel(v: string, flag: string): Severity {
  const level = severityOf(v);
  if (!level) throw new UsageError(`${flag} must be ${LEVELS} (got "${v}")`);
  return level;
}

function parseAccept(v: string): Severity | 'all' | 'none' {
  if (v === 'all' || v === 'none') return v;
  const level = severityOf(v);
  if (!level) throw new UsageError(`--accept must be all, none, or ${LEVELS} (got "${v}")`);
  return level;
}

export function jsonReport(data: RunResult) {
  return { findings: data.findings, skipped: data.skipped, errors: cellErrors(data.playbooks), server: data.server, workload: data.workload ?? [] };
}

/** One source of the workload: what it gave, what it left out and why (counts and reasons, never statement text). */
function workloadLines(s: WorkloadSourceSummary): string[] {
  const skipped = s.skipped.reduce((a, k) => a + k.count, 0);
  return [
    `  ${t(s.name)} (${t(s.format)}): ${s.entries} entries, ${s.statements} statements${skipped ? `, ${skipped} left out` : ''}`,
    ...s.skipped.map((k) => `    ${k.count} × ${t(k.reason)}`),
    ...s.notes.map((note) => `    note: ${t(note)}`),
  ];
}

const MARK: Record<Severity, string> = { critical: 'CRIT', warning: 'WARN', info: 'INFO' };

/** One line per finding: every string from the server goes through the untrusted-text rule (`t`). */
function textReport(data: RunResult, display: string, saved: { snapshot: string; migration: string; rollback: string } | null): string {
  const out: string[] = [];
  out.push(`pgadvisor ${TOOL_VERSION} — ${t(display)} — ${t(serverLabel(data.server))}`);
  for (const p of data.playbooks) {
    const found = data.findings.filter((f) => f.playbook === p.id);
    const errors = cellErrors([p]);
    out.push('', `## ${t(p.title)} (${found.length} finding${found.length === 1 ? '' : 's'})`);
    for (const f of [...found].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))) {
      out.push(`  ${MARK[f.severity]}  ${t(f.target)}  ${t(f.title)}${f.up ? '' : '  [advice]'}`);
    }
    for (const e of errors) out.push(`  ERR   ${t(e.check)}: ${t(e.error)}`);
  }
  const bySeverity = SEVERITIES.map((s) => `${data.findings.filter((f) => f.severity === s).length} ${s}`).reverse().join(', ');
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const failed = cellErrors(data.playbooks);
  out.push('', `${n(data.findings.length, 'finding')} (${bySeverity}); ${n(data.skipped.length, 'check')} skipped; ${n(failed.length, 'cell')} failed`);
  for (const s of data.skipped) out.push(`  skipped ${t(s.playbook)}/${t(s.check)}: ${t(s.reason)}`);
  if (data.workload?.length) out.push('', 'Workload:', ...data.workload.flatMap(workloadLines));
  if (saved) out.push('', `snapshot:  ${t(saved.snapshot)}`, `migration: ${t(saved.migration)}`, `rollback:  ${t(saved.rollback)}`);
  return out.join('\n') + '\n';
}
