// The version matrix's servers, one private cluster per major (13–18) that `.ci/postgres.sh` pg_start_matrix
// starts and lists in TEST_MATRIX_URLS ("13=URL 14=URL …"): 15 is Debian's with hypopg, the others the npm packages.

export interface MatrixServer {
  major: number;
  url: string;
}

/** Every server of the matrix, oldest first; null when they are not running. */
export function matrixServers(env: NodeJS.ProcessEnv = process.env): MatrixServer[] | null {
  const list = env.TEST_MATRIX_URLS?.trim();
  if (!list) return null;
  const servers = list.split(/\s+/).map((entry) => {
    const m = /^(\d+)=(postgres(?:ql)?:\/\/\S+)$/.exec(entry);
    if (!m) throw new Error(`TEST_MATRIX_URLS: "${entry}" is not MAJOR=URL`);
    return { major: Number(m[1]), url: m[2] };
  });
  if (!servers.some((s) => s.major === 15)) throw new Error('TEST_MATRIX_URLS has no 15, the version the others are compared with');
  return servers.sort((a, b) => a.major - b.major);
}
