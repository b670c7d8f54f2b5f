// Components that fit ink-testing-library's fixed 100-column stdout; layouts that depend on the terminal's
// size are tested in the sized fake terminal (render.tsx).
import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { helpRows } from '../../src/review/keymap.ts';
import { HelpOverlay, NoteEditor, Picker } from '../../src/tui/Overlays.tsx';

const tick = () => new Promise((r) => setTimeout(r, 100));

describe('overlays', () => {
  it('the help lists every key of the key map', () => {
    const { lastFrame, unmount } = render(<HelpOverlay width={100} height={40} />);
    for (const row of helpRows()) expect(lastFrame()).toContain(row.help);
    unmount();
  });

  it("a picker draws the review state's highlighted line, scrolled into its height, and reads no keys itself", async () => {
    const items = ['Overview', 'Indexes', 'Workload', 'Maintenance', 'Schema integrity'].map((label, i) => ({ label, value: String(i) }));
    const first = render(<Picker title="Jump to" hint="" items={items} selected={1} width={60} height={20} />);
    await tick();
    expect(first.lastFrame()).toContain('❯ Indexes');
    // keys are the controller's (every key of one read counts there): the list does not move on its own
    first.stdin.write('j');
    await tick();
    expect(first.lastFrame()).toContain('❯ Indexes');
    first.unmount();
    // a list taller than the picker shows the highlighted line
    const low = render(<Picker title="Jump to" hint="" items={items} selected={4} width={60} height={6} />);
    await tick();
    expect(low.lastFrame()).toContain('❯ Schema integrity');
    expect(low.lastFrame()).not.toContain('Overview');
    low.unmount();
  });

  it('the note box says whether Esc takes a rejection back, and shows the caret and hostile text escaped', () => {
    const { lastFrame, unmount } = render(<NoteEditor label={'public."a\u001b[31m"'} field={{ text: 'abc', caret: 1 }} rejecting width={90} height={6} />);
    expect(lastFrame()).toContain('Why reject public."a\\x1b[31m"');
    expect(lastFrame()).toContain('› abc');
    expect(lastFrame()).toContain('Esc takes the rejection back');
    unmount();
  });
});
