// Numbers as a reader wants them: bytes in binary units (`128 MB`), settings with their unit applied
// (`shared_buffers 128 MB`, not `16384 [8kB]`), durations in the largest unit that reads well.

const BYTE_UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 kB", 134217728 → "128 MB"; the units PostgreSQL prints (1 kB = 1024 bytes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1024) return `${sign}${Math.round(v)} bytes`;
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${sign}${trimNumber(v)} ${BYTE_UNITS[u]}`;
}

/** Whole numbers as they are, others to one decimal under 100 and whole above. */
function trimNumber(v: number): string {
  if (Number.isInteger(v) || v >= 100) return String(Math.round(v));
  return String(Math.round(v * 10) / 10);
}

/** A signed byte change: "+1.5 MB", "-40 kB", "0 bytes". */
export function formatBytesDelta(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : formatBytes(n);
}

/** 1234567 → "1,234,567" (no locale: the same bytes on every machine). */
export function formatCount(n: number): string {
  const [int, frac] = String(n).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** Milliseconds as "850 ms", "12 s", "3.5 min", "2.1 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${trimNumber(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${trimNumber(s)} s`;
  const min = s / 60;
  if (min < 60) return `${trimNumber(min)} min`;
  return `${trimNumber(min / 60)} h`;
}

const MEMORY_UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "8kB" → [8, "kB"], "16MB" → [16, "MB"], "ms" → [1, "ms"] */
function splitUnit(unit: string): [number, string] {
  const m = /^(\d+)?\s*([A-Za-z]+)$/.exec(unit.trim());
  return m ? [m[1] ? Number(m[1]) : 1, m[2]] : [1, unit];
}

/**
 * A setting as the snapshot records it (`16384 [8kB]`, `0 [ms]`, `on`) in the units a reader uses:
 * memory in bytes units, times in the largest whole unit, -1 and disabled timeouts said in words.
 * Values without a unit are returned as they are.
 */
export function formatSetting(name: string, raw: string): string {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*\[([^\]]+)\]\s*$/.exec(raw);
  if (!m) return raw;
  const value = Number(m[1]);
  const [factor, unit] = splitUnit(m[2]);
  if (value === -1) return '-1 (disabled)';
  if (unit in MEMORY_UNITS) return formatBytes(value * factor * MEMORY_UNITS[unit]);
  if (unit in TIME_UNITS) {
    const ms = value * factor * TIME_UNITS[unit];
    if (ms === 0 && /timeout|_age$|duration/.test(name)) return '0 (disabled)';
    return formatSettingTime(ms);
  }
  return `${m[1]} ${m[2]}`;
}

/** Times in settings read best in the largest unit that divides them: 300000 ms → "5 min". */
function formatSettingTime(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${trimNumber(ms)} ms`;
}

/** A fraction as a percentage: 0.4412 → "44 %", 0.004 → "0.4 %". */
export function formatPercent(f: number): string {
  const p = f * 100;
  return `${Math.abs(p) >= 10 || Number.isInteger(p) ? Math.round(p) : Math.round(p * 10) / 10} %`;
}
