// The version matrix's servers: Debian's PostgreSQL 15 (TEST_DATABASE_URL, with hypopg) and the npm packages'
// 13, 14, 16, 17 and 18 that `.ci/postgres.sh` pg_start_matrix starts and lists in TEST_MATRIX_URLS
// ("13=URL 14=URL …").
import { TEST_DATABASE_URL } from './db.ts';

export interface MatrixServer {
  major: number;
  url: string;
}

/** Every server of the matrix, oldest first; null when the npm servers are not running. */
export function matrixServers(env: NodeJS.ProcessEnv = process.env): MatrixServer[] | null {
  const list = env.TEST_MATRIX_URLS?.trim();
  if (!list || !TEST_DATABASE_URL) return null;
  const servers = list.split(/\s+/).map((entry) => {
    const m = /^(\d+)=(postgres(?:ql)?:\/\/\S+)$/.exec(entry);
    if (!m) throw new Error(`TEST_MATRIX_URLS: "${entry}" is not MAJOR=URL`);
    return { major: Number(m[1]), url: m[2] };
  });
  return [...servers, { major: 15, url: TEST_DATABASE_URL }].sort((a, b) => a.major - b.major);
}
