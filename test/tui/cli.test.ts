// The real CLI: the terminal guard, and a whole session and a replay driven through a pseudo-terminal
// against the real server, as a person would.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/snapshot/io.ts';
import { createDatabase, type TestDatabase } from '../support/db.ts';
import { hasScript, ROOT, runInPty, type Pty } from './pty.ts';

function cli(args: string[]) {
  return spawnSync('node', ['bin/pgadvisor.js', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000 });
}

describe('without a terminal', () => {
  it('session says to use check, in one line, and exits 2', () => {
    const r = cli(['session', '--url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('pgadvisor: pgadvisor session needs an interactive terminal; use `pgadvisor check` for scripts and CI\n');
    expect(r.stdout).toBe('');
  });

  it('replay says the same for itself', () => {
    const r = cli(['replay', 'whatever.snapshot.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('pgadvisor: pgadvisor replay needs an interactive terminal; use `pgadvisor report FILE` for a text report\n');
  });
});

describe('conventions', () => {
  it('-h and -v are --help and --version', () => {
    const h = cli(['-h']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Commands:');
    const v = cli(['-v']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('diff --help describes --json', () => {
    const r = cli(['diff', '--help']);
    expect(r.stdout).toMatch(/--json\s+print one JSON object/);
  });
});

describe.skipIf(!hasScript)('a replay in a terminal', () => {
  const demo = 'snapshots/demo.snapshot.json';

  it('draws in colour, and without any under NO_COLOR', async () => {
    for (const noColor of [false, true]) {
      const pty = runInPty(['replay', demo, '--out', tmpdir()], { columns: 100, rows: 30, env: noColor ? { NO_COLOR: '1' } : {} });
      await pty.waitFor('▸ Overview');
      pty.send('q');
      expect(await pty.exit).toBe(0);
      const colours = /\u001b\[(3[0-7]|9[0-7]|38;[25];)[0-9;]*m/;
      if (noColor) expect(pty.raw()).not.toMatch(colours);
      else expect(pty.raw()).toMatch(colours);
    }
  }, 120_000);

  it('ctrl-c quits with exit status 130', async () => {
    const pty = runInPty(['replay', demo, '--out', tmpdir()], { columns: 80, rows: 24 });
    await pty.waitFor('▸ Overview');
    pty.send('\u0003');
    expect(await pty.exit).toBe(130);
  }, 120_000);
});

describe.skipIf(!hasScript)('in a terminal, failing early', () => {
  it('session with an unreachable server prints one line and exits 2', async () => {
    const pty = runInPty(['session', '--url', 'postgres://someone:hunter2@127.0.0.1:1/nowhere']);
    expect(await pty.exit).toBe(2);
    const text = pty.text();
    expect(text).toContain('pgadvisor: cannot connect to someone@127.0.0.1:1/nowhere: connection refused');
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('replay of a file that is not a snapshot prints one line and exits 2', async () => {
    const pty = runInPty(['replay', 'package.json']);
    expect(await pty.exit).toBe(2);
    expect(pty.text()).toContain('pgadvisor: cannot read package.json: not a pgadvisor snapshot');
  }, 60_000);
});

/** presses j until the selected row matches */
async function select(pty: Pty, row: RegExp, max = 60): Promise<void> {
  const selected = () => {
    const screen = pty.text();
    const last = screen.slice(screen.lastIndexOf('Overview  '));
    return last.split('\n').some((l) => l.includes('▌') && row.test(l));
  };
  for (let i = 0; i < max; i++) {
    if (selected()) return;
    pty.mark();
    pty.send('j');
    await pty.waitFor('▌');
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`never selected ${row}; screen:\n${pty.text().slice(-3000)}`);
}

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe.skipIf(!hasScript || !process.env.TEST_DATABASE_URL)('in a terminal, against the real server', () => {
  let db: TestDatabase;
  let out: string;
  let pty: Pty | null = null;

  beforeAll(async () => {
    db = await createDatabase(`
      CREATE TABLE "Weird ""Name"" Table" (id int PRIMARY KEY, "select" text);
      CREATE INDEX "Ünïcødé idx" ON "Weird ""Name"" Table" ("select");
      CREATE INDEX "Ünïcødé idx 2" ON "Weird ""Name"" Table" ("select");
    `);
    out = await mkdtemp(path.join(tmpdir(), 'pgadvisor-cli-'));
  });
  afterAll(async () => {
    pty?.kill();
    await db?.drop();
    await rm(out, { recursive: true, force: true });
  });

  // an empty table: the duplicate costs little, so it is info
  const finding = /\[.\] INFO public\."Weird ""Name"" Table"\."Ünïcødé idx 2"/;

  it('runs a session: navigate, accept, write, quit', async () => {
    pty = runInPty(['session', '--url', db.url, '--playbook', 'indexes', '--out', out], { columns: 100, rows: 30 });
    await pty.waitFor('▸ Overview', 120_000);
    const u = new URL(db.url);
    expect(pty.text()).toContain(`${u.username}@${u.hostname}:${u.port}/${db.name}`);
    expect(pty.text()).not.toContain('pgadvisor-ci-secret');
    await select(pty, finding);
    pty.mark();
    pty.send('a');
    await pty.waitFor('✓ 1 accepted');
    pty.mark();
    pty.send('w');
    await pty.waitFor('write them');
    expect(pty.text()).toContain('DROP INDEX CONCURRENTLY IF EXISTS public."Ünïcødé idx 2";');
    pty.mark();
    pty.send('\r');
    await pty.waitFor('wrote snapshot');
    pty.mark();
    pty.send('q');
    expect(await pty.exit).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files.map((f) => f.replace(/^\d{8}-\d{6}-/, ''))).toEqual([`${db.name}.migration.sql`, `${db.name}.rollback.sql`, `${db.name}.snapshot.json`]);
    const migration = await readFile(path.join(out, files[0]), 'utf8');
    expect(migration).toContain('DROP INDEX CONCURRENTLY IF EXISTS public."Ünïcødé idx 2";');
    expect(pty.text()).toContain(`snapshot:  ${path.join(out, files[2])}`);
  }, 240_000);

  it('replays the snapshot offline and saves a new one, leaving the original as it was', async () => {
    const original = path.join(out, (await readdir(out)).find((f) => f.endsWith('.snapshot.json'))!);
    const before = await sha(original);
    pty = runInPty(['replay', original, '--out', out], { columns: 80, rows: 24 });
    await pty.waitFor('offline replay of');
    expect(pty.text()).toContain(`offline replay of ${db.name} taken`);
    await select(pty, /\[✓\] INFO public\."Weird ""Name"" Table"\."Ünïcødé idx 2"/);
    pty.mark();
    pty.send('u');
    await pty.waitFor('✓ 0 accepted');
    pty.mark();
    pty.send('w');
    await pty.waitFor('write them');
    pty.mark();
    pty.send('\r');
    await pty.waitFor('wrote snapshot');
    pty.send('q');
    expect(await pty.exit).toBe(0);
    expect(await sha(original)).toBe(before);
    const snapshots = (await readdir(out)).filter((f) => f.endsWith('.snapshot.json'));
    expect(snapshots).toHaveLength(2);
    const derived = await readSnapshot(path.join(out, snapshots.find((f) => path.join(out, f) !== original)!));
    expect(derived.derivedFrom).toBe(path.basename(original));
    const id = derived.findings.find((f) => f.target.includes('Ünïcødé idx 2'))!.id;
    expect(derived.decisions[id].state).toBe('pending');
  }, 240_000);

  it('carries decisions from --baseline and restores them from --resume, which wins', async () => {
    const names = (await readdir(out)).filter((f) => f.endsWith('.snapshot.json'));
    const docs = await Promise.all(names.map(async (n) => ({ n, s: await readSnapshot(path.join(out, n)) })));
    const original = docs.find((d) => d.s.derivedFrom === null)!.n;
    const derived = docs.find((d) => d.s.derivedFrom !== null)!.n;
    pty = runInPty(['session', '--url', db.url, '--playbook', 'indexes', '--out', out, '--baseline', path.join(out, original), '--resume', path.join(out, derived)]);
    await pty.waitFor('▸ Overview', 120_000);
    // a long path wraps onto the next row: compare with the wrapping undone
    expect(pty.text().replace(/\s+/g, ' ')).toContain(`restored 1 decision from ${path.join(out, derived)}`);
    await select(pty, /\[ \] INFO public\."Weird ""Name"" Table"\."Ünïcødé idx 2"/);
    expect(pty.text()).toContain('accepted before');
    pty.send('q');
    expect(await pty.exit).toBe(0);
  }, 240_000);
});
