// The TUI, driven in a pseudo-terminal as a person would, over a database whose names hold escape
// sequences, a line break, a right-to-left override and markup: the bytes that reach the terminal carry
// none of them raw, the names show escaped, and `w` saves (a control character in a name once made every
// save fail). Then the saved snapshot replayed offline, the same way.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';
import { expectNoRawNames, NAMES, q, SHOWN, UNTRUSTED_SQL } from '../safety/untrusted-names.ts';
import { hasScript, runInPty, type Pty } from './pty.ts';

/**
 * Presses j until the row the key selected (▌) mentions `needle`. Only what was drawn after each key counts,
 * once the screen is quiet: a frame drawn late must not be taken for the one before.
 */
async function selectRow(pty: Pty, needle: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    pty.mark();
    pty.send('j');
    await pty.waitFor('▌');
    await pty.settle();
    if (pty.sinceMark().split('\n').some((l) => l.includes('▌') && l.includes(needle))) return;
  }
  throw new Error(`never selected a row with ${needle}; screen:\n${pty.text().slice(-3000)}`);
}

const pause = () => new Promise((r) => setTimeout(r, 400));

describe.skipIf(!hasScript || !hasRealServer)('the TUI over hostile names, raw terminal bytes captured', () => {
  let db: TestDatabase;
  let out: string;
  let pty: Pty | null = null;
  let copied = '';

  beforeAll(async () => {
    db = await createDatabase(UNTRUSTED_SQL, { untracked: true });
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-tui-untrusted-'));
  });
  afterAll(async () => {
    pty?.kill();
    await db?.drop();
    await fs.rm(out, { recursive: true, force: true });
  });

  it('session: the names show escaped, none reaches the terminal raw, and w saves the migration', async () => {
    pty = runInPty(['session', '--url', db.url, '--playbook', 'indexes', '--out', out], { columns: 160, rows: 45 });
    await pty.waitFor('6 pending', 120_000);
    // from the overview (where the six foreign keys are one pattern) into the Indexes notebook
    pty.send('\t');
    await selectRow(pty, `INFO public."${SHOWN.osc}"`);
    pty.mark();
    pty.send('\r');
    await pty.waitFor('CREATE INDEX CONCURRENTLY');
    // the SQL on screen names the table in Postgres's escape syntax, pasteable as it is ...
    await pty.waitFor('ON public.U&"osc\\001b]0;TITLE\\0007tbl" USING btree (');
    expect(pty.text()).toContain('U&"osc\\001b]0;TITLE\\0007tbl col");');
    // ... and y copies the exact bytes
    pty.mark();
    pty.send('y');
    await pty.waitFor('clipboard.sql');
    copied = await fs.readFile(path.join(out, 'clipboard.sql'), 'utf8');
    expect(copied).toContain(`ON public.${q(NAMES.osc)} USING btree (${q(`${NAMES.osc} col`)})`);
    pty.send('\r');
    await pause();
    pty.mark();
    pty.send('a');
    await pty.waitFor('✓ 1 accepted');
    await selectRow(pty, `INFO public."${SHOWN.rtl}"`);
    pty.mark();
    pty.send('a');
    await pty.waitFor('✓ 2 accepted');
    pty.mark();
    pty.send('w');
    // w shows the whole migration first, hostile names in escape syntax, and writes on confirmation
    await pty.waitFor('Write the snapshot, the migration and the rollback?');
    expect(pty.text()).toContain('public.U&"rtl\\202etxt.exe"');
    pty.mark();
    pty.send('\r');
    await pty.waitFor('wrote snapshot');
    pty.send('q');
    expect(await pty.exit).toBe(0);

    const shown = pty.text();
    for (const s of [SHOWN.osc, SHOWN.sgr, SHOWN.rtl, SHOWN.newline.slice(0, 20), '<script>alert(1)</script>', 'md|pipe`tick*star']) expect(shown).toContain(s);
    // the one OSC sequence of ours, the y copy (OSC 52), carries the exact bytes, base64-encoded
    const OSC52 = /\u001b\]52;c;([A-Za-z0-9+/=]*)\u0007/g;
    const clip = [...pty.raw().matchAll(OSC52)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
    expect(clip.map((c) => `${c}\n`)).toEqual([copied]);
    expectNoRawNames(pty.raw().replace(OSC52, ''), 'the terminal');
    expect(shown).not.toMatch(/^\s*(?:INFO|WARN|CRIT)\s+public\.fake/m);

    const files = (await fs.readdir(out)).sort();
    const migration = await fs.readFile(path.join(out, files.find((f) => f.endsWith('.migration.sql'))!), 'utf8');
    expect(migration).toContain(`ON public.${q(NAMES.osc)} USING btree (${q(`${NAMES.osc} col`)})`);
    expect(migration).toContain(`ON public.${q(NAMES.rtl)} USING btree`);
  }, 300_000);

  it('replay of the saved snapshot: the same, offline', async () => {
    const snapshot = path.join(out, (await fs.readdir(out)).find((f) => f.endsWith('.snapshot.json'))!);
    pty = runInPty(['replay', snapshot, '--out', out], { columns: 120, rows: 40 });
    await pty.waitFor('offline replay of');
    pty.send('\t');
    await selectRow(pty, `INFO public."${SHOWN.sgr}"`);
    pty.mark();
    pty.send('\r');
    await pty.waitFor('CREATE INDEX CONCURRENTLY');
    pty.send('\r');
    await pause();
    pty.send('q');
    expect(await pty.exit).toBe(0);
    expect(pty.text()).toContain(SHOWN.sgr);
    expectNoRawNames(pty.raw(), 'the terminal in replay');
  }, 300_000);
});
