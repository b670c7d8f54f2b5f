import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatPercent, formatSetting } from '../../src/report/units.ts';

describe('units', () => {
  it('settings in the units a reader uses, whatever unit pg_settings keeps them in', () => {
    expect(formatSetting('shared_buffers', '16384 [8kB]')).toBe('128 MB');
    expect(formatSetting('effective_cache_size', '524288 [8kB]')).toBe('4 GB');
    expect(formatSetting('work_mem', '4096 [kB]')).toBe('4 MB');
    expect(formatSetting('maintenance_work_mem', '65536 [kB]')).toBe('64 MB');
    expect(formatSetting('max_wal_size', '1024 [MB]')).toBe('1 GB');
    expect(formatSetting('wal_segment_size', '1 [16MB]')).toBe('16 MB');
    expect(formatSetting('log_min_duration_statement', '-1 [ms]')).toBe('-1 (disabled)');
    expect(formatSetting('idle_in_transaction_session_timeout', '0 [ms]')).toBe('0 (disabled)');
    expect(formatSetting('idle_in_transaction_session_timeout', '300000 [ms]')).toBe('5 min');
    expect(formatSetting('checkpoint_timeout', '300 [s]')).toBe('5 min');
    expect(formatSetting('deadlock_timeout', '1000 [ms]')).toBe('1 s');
    expect(formatSetting('autovacuum_vacuum_cost_delay', '2 [ms]')).toBe('2 ms');
    expect(formatSetting('autovacuum_naptime', '60 [s]')).toBe('1 min');
    // no unit: as the server says it
    expect(formatSetting('random_page_cost', '4')).toBe('4');
    expect(formatSetting('ssl', 'off')).toBe('off');
    expect(formatSetting('odd', '3 [furlongs]')).toBe('3 furlongs');
  });

  it('bytes, counts, durations and percentages without locale or clock', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(1228800)).toBe('1.2 MB');
    expect(formatBytes(134217728)).toBe('128 MB');
    expect(formatBytes(-40960)).toBe('-40 kB');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatDuration(50)).toBe('50 ms');
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(210_000)).toBe('3.5 min');
    expect(formatDuration(7_560_000)).toBe('2.1 h');
    expect(formatPercent(-0.4412)).toBe('-44 %');
    expect(formatPercent(0.004)).toBe('0.4 %');
  });
});
