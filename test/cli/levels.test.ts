import { describe, expect, it } from 'vitest';
import { severityOf } from '../../src/commands/check.ts';

describe('levels', () => {
  it('are accepted as the screens show them and in full', () => {
    expect(severityOf('warn')).toBe('warning');
    expect(severityOf('WARN')).toBe('warning');
    expect(severityOf('crit')).toBe('critical');
    expect(severityOf('critical')).toBe('critical');
    expect(severityOf('info')).toBe('info');
    expect(severityOf('high')).toBeNull();
  });
});
