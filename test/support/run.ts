// Runs notebooks against a test database through the same code path as `pgadvisor check`.
import { connect, runLive, selectNotebooks } from '../../src/playbooks/live.ts';
import type { Finding, RunResult } from '../../src/playbooks/types.ts';

export async function runPlaybook(url: string, ids?: string[]): Promise<RunResult> {
  const conn = await connect(url);
  try {
    return await runLive(conn, await selectNotebooks(ids));
  } finally {
    await conn.close();
  }
}

export function findingsOf(data: RunResult, check: string): Finding[] {
  return data.findings.filter((f) => f.check === check);
}

export function runOf(data: RunResult, cell: string) {
  for (const p of data.playbooks) for (const r of p.runs) if (r.cell === cell) return r;
  throw new Error(`no cell ${cell} ran`);
}
