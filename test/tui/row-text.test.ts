import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { line } from '../../src/tui/lines.ts';
import { rowText } from '../../src/tui/row-text.ts';
import { displayWidth } from '../../src/tui/text.ts';
import { stripAnsi } from './render.tsx';

const level = chalk.level;
afterEach(() => {
  chalk.level = level;
});

describe('rowText: one styled string per screen row', () => {
  it('joins the segments and cuts a row wider than its width to width - 1 columns and …', () => {
    chalk.level = 0;
    const row = line([{ text: 'public.orders', bold: true }, { text: '  ' }, { text: 'Unused index orders_created_at_idx', dim: true }]);
    expect(rowText(row, 80)).toBe('public.orders  Unused index orders_created_at_idx');
    expect(rowText(row, 20)).toBe('public.orders  Unus…');
    // the cut falls exactly on a segment's end
    expect(rowText(row, 14)).toBe('public.orders…');
    expect(rowText(row, 1)).toBe('…');
  });

  it('counts wide characters as two columns and never splits one', () => {
    chalk.level = 0;
    const out = rowText(line([{ text: 'ab' }, { text: '表表表表' }]), 7);
    expect(out).toBe('ab表表…');
    expect(displayWidth(out)).toBeLessThanOrEqual(7);
    expect(displayWidth(rowText(line([{ text: 'abc' }, { text: '表表表' }]), 7))).toBeLessThanOrEqual(7);
  });

  it('makes every segment printable: a name with control characters stays on its row', () => {
    chalk.level = 0;
    expect(rowText(line([{ text: 'public."a\nb"' }, { text: '\u001b[2J' }]), 40)).toBe('public."a\\nb"\\x1b[2J');
  });

  it('puts the gutter first and gives an empty row one space', () => {
    chalk.level = 0;
    expect(rowText(line([{ text: 'x' }]), 10, { text: '▌ ' })).toBe('▌ x');
    expect(rowText(line([]), 10)).toBe(' ');
  });

  it('styles each segment with the colour level the terminal has, and the cut text keeps its style', () => {
    chalk.level = 1;
    const row = line([{ text: 'WARN', color: 'yellow', bold: true }, { text: ' ' }, { text: 'public.orders', dim: true }]);
    const out = rowText(row, 12);
    expect(out).toBe(`${chalk.yellow.bold('WARN')} ${chalk.dim('public')}…`);
    expect(stripAnsi(out)).toBe('WARN public…');
    chalk.level = 0;
    expect(rowText(row, 12)).toBe('WARN public…');
  });
});
