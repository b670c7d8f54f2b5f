// Snapshots of the demo and of each shared corpus replay with no database reachable and show the same
// findings the live run found: same ids, same per-section counts on screen.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import React from 'react';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/playbooks/types.ts';
import { newSnapshot, readSnapshot } from '../../src/snapshot/io.ts';
import { saveSession } from '../../src/snapshot/save.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import { ReviewController } from '../../src/review/controller.ts';
import { App } from '../../src/tui/App.tsx';
import { hasRealServer, loadCorpus } from '../support/db.ts';
import { runPlaybook } from '../support/run.ts';
import { renderTui, type Rendered } from '../tui/render.tsx';

const DEMO = new URL('../../snapshots/demo.snapshot.json', import.meta.url).pathname;
let screen: Rendered | null = null;
const dirs: string[] = [];
afterAll(async () => {
  screen?.unmount();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Replays a snapshot file in the TUI (no run, no connection) and returns the first frame. */
async function replay(file: string, snap: Snapshot): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'pgadv-replay-'));
  dirs.push(out);
  screen?.unmount();
  const { server, playbooks, findings, skipped } = snap;
  const controller = new ReviewController({
    source: { kind: 'replay', file, database: server.database, takenAt: snap.takenAt, demo: snap.demo },
    data: { server, playbooks, findings, skipped },
    decisions: snap.decisions,
    takenAt: snap.takenAt,
    protect: file,
    outDir: out,
    toolVersion: 'test',
    demo: snap.demo,
  });
  screen = await renderTui(<App controller={controller} />, { columns: 120, rows: 40 });
  return screen.waitFor((f) => f.includes('offline replay of'), 10_000);
}

/** "3 warn 1 info" per section, as the section list shows it. */
function expectedCounts(findings: { playbook: string; severity: string }[], playbook: string): string[] {
  const mine = findings.filter((f) => f.playbook === playbook);
  const out: string[] = [];
  for (const [sev, label] of [['critical', 'crit'], ['warning', 'warn'], ['info', 'info']] as const) {
    const n = mine.filter((f) => f.severity === sev).length;
    if (n) out.push(`${n.toLocaleString('en-US')} ${label}`);
  }
  return out;
}

async function roundTrip(live: RunResult, demo: boolean): Promise<{ file: string; snap: Snapshot }> {
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-replay-src-'));
  dirs.push(dir);
  const saved = await saveSession(dir, newSnapshot(live, { toolVersion: 'test', takenAt: new Date().toISOString(), demo }));
  return { file: saved.snapshot, snap: await readSnapshot(saved.snapshot) };
}

describe('offline replay shows what the live run found', () => {
  it('the committed demo snapshot', async () => {
    const snap = await readSnapshot(DEMO);
    expect(snap.demo).toBe(true);
    const frame = await replay(DEMO, snap);
    expect(frame.split('\n')[0]).toContain(`offline replay of ${snap.server.database} taken`);
    const first = snap.playbooks[0];
    for (const c of expectedCounts(snap.findings, first.id)) expect(frame).toContain(c);
  });

  for (const corpus of ['pagila', 'musicbrainz', 'basejump'] as const) {
    it.skipIf(!hasRealServer)(`${corpus}: same findings after save, read and replay`, async () => {
      const db = await loadCorpus(corpus); // no workload: its pg_stat_statements_reset() would disturb other test files
      let live: RunResult;
      try {
        live = await runPlaybook(db.url);
      } finally {
        await db.drop(); // the replay below has no database to reach
      }
      const { file, snap } = await roundTrip(live, false);
      expect(snap.findings.map((f) => f.id)).toEqual(live.findings.map((f) => f.id));
      expect(snap.findings.map((f) => [f.severity, f.up, f.down])).toEqual(live.findings.map((f) => [f.severity, f.up, f.down]));
      const frame = await replay(file, snap);
      expect(frame.split('\n')[0]).toContain(`offline replay of ${live.server.database} taken`);
      for (const p of snap.playbooks) {
        const counts = expectedCounts(live.findings, p.id);
        if (counts.length) expect(frame.replace(/\s+/g, ' '), p.id).toContain(counts.join(' '));
      }
    }, 300_000);
  }
});
