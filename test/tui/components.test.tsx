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

  it('a picker selects with j and enter, or with a digit', async () => {
    const picked: string[] = [];
    const { stdin, lastFrame, unmount } = render(<Picker title="Jump to" hint="" items={[{ label: 'Overview', value: '0' }, { label: 'Indexes', value: '1' }, { label: 'Workload', value: '2' }]} onSelect={(v) => picked.push(v)} width={60} height={10} />);
    await tick();
    expect(lastFrame()).toContain('❯ Overview');
    stdin.write('j');
    for (let i = 0; i < 50 && !lastFrame()?.includes('❯ Indexes'); i++) await tick();
    expect(lastFrame()).toContain('❯ Indexes');
    // the list takes its next key once it has re-subscribed after drawing the move
    await tick();
    await tick();
    stdin.write('\r');
    await tick();
    stdin.write('3');
    await tick();
    expect(picked).toEqual(['1', '2']);
    unmount();
  });

  it('the note box says whether Esc takes a rejection back, and shows the caret and hostile text escaped', () => {
    const { lastFrame, unmount } = render(<NoteEditor label={'public."a\u001b[31m"'} field={{ text: 'abc', caret: 1 }} rejecting width={90} height={6} />);
    expect(lastFrame()).toContain('Why reject public."a\\x1b[31m"');
    expect(lastFrame()).toContain('› abc');
    expect(lastFrame()).toContain('Esc takes the rejection back');
    unmount();
  });
});
