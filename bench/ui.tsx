// TUI and snapshot measurements at scale, on a session built in code (the TUI tests' fixture).
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chalk from 'chalk';
import React from 'react';
import { ReviewController } from '../src/review/controller.ts';
import { App } from '../src/tui/App.tsx';
import { newSnapshot, readSnapshot, serializeSnapshot } from '../src/snapshot/io.ts';
import { fixtureData } from '../test/tui/fixture.ts';
import { renderTui } from '../test/tui/render.tsx';

const PRESSES = 60;

export async function measureTui(findings: number) {
  const out = await mkdtemp(join(tmpdir(), 'pgadv-bench-tui-'));
  const data = fixtureData(findings);
  // drawn as in a colour terminal: styles are most of what ink parses in a frame
  const level = chalk.level;
  chalk.level = Math.max(level, 1) as typeof level;
  try {
    const started = performance.now();
    const controller = new ReviewController({ source: { kind: 'live', display: 'bench@localhost/bench' }, data, takenAt: '2025-03-01T10:00:00.000Z', outDir: out, toolVersion: 'bench', demo: false });
    const screen = await renderTui(<App controller={controller} />, { columns: 120, rows: 40 });
    const first = await screen.waitFor((f) => f.includes('▸'), 30_000);
    const firstFrameMs = performance.now() - started; // includes the 20 ms the harness waits for input handlers
    // the overview's pattern of 10,000 findings, unfolded; then wait until the screen is complete (the lock
    // and risk column loads after the first frame and lays the list out once more)
    await screen.press('jjj');
    await screen.press('\r');
    const readyMs = (await settled(screen.frameTimes)) - started;
    // each keypress timed from its write to stdin until its frame is written to stdout
    // and the process's CPU time per keypress (all its threads: the garbage collector's too), which a
    // busy machine does not inflate as it does the wall time
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < PRESSES; i++) {
      const before = screen.frames.length;
      const t = performance.now();
      const c = process.cpuUsage();
      await screen.press(i % 10 === 9 ? '\u001B[6~' : 'j');
      const used = process.cpuUsage(c);
      if (screen.frames.length === before) throw new Error(`keypress ${i + 1} drew no frame`);
      times.push(screen.frameTimes[before] - t);
      cpu.push((used.user + used.system) / 1000);
    }
    screen.unmount();
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return {
      findings: data.findings.length,
      firstFrameMs: Math.round(firstFrameMs),
      readyMs: Math.round(readyMs),
      presses: PRESSES,
      keyMedianMs: +times[Math.floor(PRESSES / 2)].toFixed(1),
      keyP95Ms: +times[Math.floor(PRESSES * 0.95)].toFixed(1),
      keyMaxMs: +times[PRESSES - 1].toFixed(1),
      keyCpuMedianMs: +cpu[Math.floor(PRESSES / 2)].toFixed(1),
      frameLines: first.split('\n').length,
    };
  } finally {
    chalk.level = level;
    await rm(out, { recursive: true, force: true });
  }
}

/** Waits until no frame has been drawn for 200 ms; returns when the last one was. */
async function settled(frameTimes: number[]): Promise<number> {
  let seen = frameTimes.length;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    if (frameTimes.length === seen) return frameTimes[seen - 1];
    seen = frameTimes.length;
  }
}

export async function measureSnapshot(findings: number) {
  const dir = await mkdtemp(join(tmpdir(), 'pgadv-bench-snap-'));
  const file = join(dir, 'big.snapshot.json');
  const data = fixtureData(findings);
  const decisions = Object.fromEntries(data.findings.map((f, i) => [f.id, { state: i % 3 ? 'pending' : 'accepted', note: '', at: '2025-03-01T10:00:00.000Z' } as const]));
  let t = performance.now();
  await writeFile(file, serializeSnapshot(newSnapshot(data, { toolVersion: 'bench', takenAt: '2025-03-01T10:00:00.000Z', demo: false, decisions })));
  const writeMs = performance.now() - t;
  t = performance.now();
  const loaded = await readSnapshot(file);
  const loadMs = performance.now() - t;
  const size = (await stat(file)).size;
  if (loaded.findings.length !== data.findings.length) throw new Error('snapshot lost findings');
  await rm(dir, { recursive: true, force: true });
  return { findings: data.findings.length, writeMs: Math.round(writeMs), loadMs: Math.round(loadMs), sizeMb: +(size / 1e6).toFixed(1) };
}
