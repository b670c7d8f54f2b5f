// CPU time the server's backends spent (utime + stime from /proc), so the comparison with splinter does not
// depend on what else the machine is doing. Only possible when the server runs on this machine.
import { readFileSync } from 'node:fs';
import pg from 'pg';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU milliseconds a backend has used so far, or null when its /proc entry cannot be read here. */
export function backendCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** Total CPU of the given backends, or null if any of them is not visible from here. */
export function backendsCpuMs(pids: number[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const ms = backendCpuMs(pid);
    if (ms == null) return null;
    sum += ms;
  }
  return sum;
}

/** Runs a SQL script (simple protocol, one transaction) on a fresh connection and returns its backend's CPU. */
export async function scriptCpuMs(url: string, script: string): Promise<number | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await c.query(`BEGIN;\n${script}\n;COMMIT;`);
    return backendCpuMs(pid);
  } finally {
    await c.end();
  }
}
