import type { CellRun, CellStatus } from './types.ts';

/** A cell that ran and did not finish: its findings (or evidence) are missing from the run. */
export interface CellError {
  playbook: string;
  check: string;
  error: string;
}

/** Statuses of a cell that was meant to run here and did not complete (a skip is a decision, not a failure). */
export const FAILED_STATUSES: readonly CellStatus[] = ['error', 'timeout', 'cancelled'];

/** Every failed cell of a run or a snapshot, in notebook order. */
export function cellErrors(playbooks: readonly { runs: readonly CellRun[] }[]): CellError[] {
  const out: CellError[] = [];
  for (const p of playbooks) {
    for (const r of p.runs) {
      if (!FAILED_STATUSES.includes(r.status)) continue;
      // a timeout's and a cancel's reason say so themselves ("timed out after statement_timeout 30 s")
      out.push({ playbook: r.playbook, check: r.cell, error: r.reason || (r.status === 'error' ? 'failed' : r.status) });
    }
  }
  return out;
}
