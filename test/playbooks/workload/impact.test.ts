// Severity from measured impact: time saved per hour of workload (or over the workload when the window is
// unknown), a level lower when estimated or assumed; and the cost-to-time rate taken from the workload.
import { describe, expect, test } from 'vitest';
import { entryCost, grade, gradeBasis, IMPACT, msPerCost } from '../../../src/playbooks/analyzers/workload-impact.ts';
import { DEFAULT_COSTS } from '../../../src/playbooks/analyzers/workload-estimate.ts';

describe('grade', () => {
  test('per hour of workload: critical from 5 minutes saved, warning from 30 s, else info', () => {
    expect(grade({ msPerHour: IMPACT.criticalMsPerHour, totalMs: 0 }, false)).toBe('critical');
    expect(grade({ msPerHour: IMPACT.criticalMsPerHour - 1, totalMs: 1e12 }, false)).toBe('warning');
    expect(grade({ msPerHour: IMPACT.warningMsPerHour, totalMs: 0 }, false)).toBe('warning');
    expect(grade({ msPerHour: IMPACT.warningMsPerHour - 1, totalMs: 1e12 }, false)).toBe('info');
  });

  test('without a window, the time saved over the whole workload decides', () => {
    expect(grade({ msPerHour: null, totalMs: 400_000 }, false)).toBe('critical');
    expect(grade({ msPerHour: null, totalMs: 40_000 }, false)).toBe('warning');
    expect(grade({ msPerHour: null, totalMs: 4_000 }, false)).toBe('info');
  });

  test('estimated or assumed: one level lower, and the evidence says why', () => {
    expect(grade({ msPerHour: 1e9, totalMs: 0 }, true)).toBe('warning');
    expect(grade({ msPerHour: 40_000, totalMs: 0 }, true)).toBe('info');
    expect(grade({ msPerHour: 1, totalMs: 0 }, true)).toBe('info');
    expect(gradeBasis({ msPerHour: 40_000, totalMs: 80_000 }, true, 'estimated, not planned')).toEqual({
      ms_saved_per_hour: 40_000,
      ms_saved_in_workload: 80_000,
      thresholds: 'critical ≥ 5 min saved per hour of workload, warning ≥ 30 s per hour, else info',
      lowered_one_level: 'estimated, not planned',
    });
  });
});

describe('cost and time', () => {
  test('ms per cost unit is the median over statements with both, else a stated default', () => {
    expect(msPerCost([{ meanMs: 1, cost: 100 }, { meanMs: 4, cost: 100 }, { meanMs: 2, cost: 100 }, { meanMs: null, cost: 100 }])).toEqual({ rate: 0.02, from: 3 });
    expect(msPerCost([{ meanMs: 1, cost: 100 }])).toEqual({ rate: IMPACT.defaultMsPerCost, from: 0 });
  });

  test('writing an index entry costs a fraction of a random read plus a descent that grows with the rows', () => {
    const small = entryCost(DEFAULT_COSTS, 1000);
    const big = entryCost(DEFAULT_COSTS, 1e8);
    expect(small).toBeGreaterThan(0.4);
    expect(big).toBeGreaterThan(small);
    expect(big).toBeLessThan(1);
  });
});
