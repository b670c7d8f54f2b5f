// `pgadvisor check` loads libpg-query's WebAssembly only when a statement needs the parser: foreign-key index
// proposals (several on one table, reconciled) do not, a workload file does. Counted in the real process by a
// preload that wraps WebAssembly's entry points and prints how often they ran.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../support/db.ts';
import { BIN } from './run-cli.ts';

const COUNTER = `
let n = 0;
for (const name of ['instantiate', 'instantiateStreaming', 'compile', 'compileStreaming']) {
  const real = WebAssembly[name];
  if (real) WebAssembly[name] = function (...args) { n++; return real.apply(this, args); };
}
const RealModule = WebAssembly.Module;
WebAssembly.Module = function (...args) { n++; return new RealModule(...args); };
process.on('exit', () => process.stderr.write('\\nwasm-instantiations=' + n + '\\n'));
`;

describe('check and the parser WebAssembly', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    // three foreign keys without an index, two of them on one table: their proposals are reconciled
    db = await createDatabase(
      `CREATE TABLE author (id int PRIMARY KEY);
       CREATE TABLE shelf (id int PRIMARY KEY);
       CREATE TABLE book (id int PRIMARY KEY, author_id int REFERENCES author, shelf_id int REFERENCES shelf);
       CREATE TABLE review (id int PRIMARY KEY, book_id int REFERENCES book);`,
      { untracked: true },
    );
    dir = await mkdtemp(path.join(tmpdir(), 'pgadv-wasm-'));
    await writeFile(path.join(dir, 'count-wasm.mjs'), COUNTER);
    await writeFile(path.join(dir, 'workload.sql'), 'SELECT * FROM book WHERE author_id = 1;\n');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const check = (args: string[]) =>
    new Promise<{ stdout: string; wasm: number }>((resolve, reject) => {
      execFile(process.execPath, ['--import', path.join(dir, 'count-wasm.mjs'), BIN, 'check', '--json', '--allow-errors', '--url', db.url, ...args], { maxBuffer: 1 << 26, timeout: 120_000, cwd: dir }, (err, stdout, stderr) => {
        const m = /wasm-instantiations=(\d+)/.exec(stderr);
        if (!m) return reject(new Error(`no count on stderr (${err?.message ?? ''}): ${stderr}`));
        resolve({ stdout, wasm: Number(m[1]) });
      });
    });

  it('none for foreign-key proposals, reconciled table by table', async () => {
    const { stdout, wasm } = await check(['--playbook', 'indexes']);
    const ids = JSON.parse(stdout).findings.map((f: { id: string }) => f.id).filter((id: string) => id.startsWith('indexes/fk_without_index/'));
    expect(ids).toHaveLength(3);
    expect(wasm).toBe(0);
  });

  it('some once a workload file needs the parser (the counter sees it)', async () => {
    const { wasm } = await check(['--playbook', 'indexes', '--workload', path.join(dir, 'workload.sql')]);
    expect(wasm).toBeGreaterThan(0);
  });
});
