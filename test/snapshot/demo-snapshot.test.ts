// The committed demo snapshot (replayed offline by `pgadvisor replay`) must read, re-serialize to the
// same bytes, and render a report.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { markdownText } from '../../src/util/untrusted-text.ts';
import { renderReport } from '../../src/report/render.ts';
import { readSnapshot, serializeSnapshot } from '../../src/snapshot/io.ts';

const DEMO = fileURLToPath(new URL('../../snapshots/demo.snapshot.json', import.meta.url));

describe.runIf(existsSync(DEMO))('snapshots/demo.snapshot.json', () => {
  it('reads and writes back byte for byte', async () => {
    const snap = await readSnapshot(DEMO);
    expect(snap.demo).toBe(true);
    expect(serializeSnapshot(snap)).toBe(readFileSync(DEMO, 'utf8'));
  });

  it('renders a deterministic report with every playbook', async () => {
    const snap = await readSnapshot(DEMO);
    const md = renderReport(snap);
    expect(md).toContain('> This report was made from the embedded demo database');
    for (const [i, p] of snap.playbooks.entries()) expect(md).toContain(`\n## ${i + 1}. ${markdownText(p.title)}\n`);
    expect(md.match(/^## \d+\. /gm)!.length).toBe(snap.playbooks.length + 8);
    expect(renderReport(await readSnapshot(DEMO))).toBe(md);
  });
});
