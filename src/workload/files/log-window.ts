// The time a log covers, from the timestamps of its first and last entries (%m or %t in log_line_prefix, csvlog's
// log_time, jsonlog's timestamp), so the counts a log gives can be rates per hour as live pg_stat_statements'
// are. A log shorter than a minute gives no rate: a few seconds say little about an hour.

export const MIN_WINDOW_MS = 60_000;

const STAMP = /(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?(?: ?(Z|[+-]\d\d(?::?\d\d)?(?![\d])|[A-Za-z][A-Za-z0-9_/+-]*))?/;
// %n: seconds since the epoch with milliseconds, at the start of the prefix
const EPOCH = /^(\d{9,11}\.\d{3})(?!\d)/;

interface Stamp {
  /** milliseconds, as if the zone were UTC */
  ms: number;
  /** the zone as written, or the offset in minutes; null for an epoch time */
  zone: string | number | null;
}

/** The first timestamp in a log's prefix or time field; null when it has none. */
export function readStamp(text: string): Stamp | null {
  const e = EPOCH.exec(text);
  if (e) return { ms: Math.round(Number(e[1]) * 1000), zone: null };
  const m = STAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + (frac ? Math.round(Number(frac) * 1000) : 0);
  if (!Number.isFinite(ms)) return null;
  if (!zone || zone === 'Z') return { ms, zone: zone ? 0 : '' };
  const off = /^([+-])(\d\d):?(\d\d)?$/.exec(zone);
  return { ms, zone: off ? (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3] ?? 0)) : zone };
}

export interface LogWindow {
  /** hours between the first and the last entry; null when under a minute or not comparable */
  hours: number | null;
  /** one line for the sources table */
  note: string;
}

/** The window between the first and the last entry's timestamps (a prefix or a time field); null for a log without entries. */
export function logWindow(firstText: string | null, lastText: string | null): LogWindow | null {
  if (firstText === null || lastText === null) return null;
  const first = readStamp(firstText);
  const last = readStamp(lastText);
  if (!first || !last) return { hours: null, note: "the log's entries carry no timestamp (no %m, %t or %n in log_line_prefix): its counts are not taken as rates per hour" };
  let ms: number;
  if (typeof first.zone === 'number' && typeof last.zone === 'number') ms = last.ms - last.zone * 60_000 - (first.ms - first.zone * 60_000);
  else if (first.zone === last.zone) ms = last.ms - first.ms;
  else return { hours: null, note: `the log's first and last entries are in different time zones (${first.zone} and ${last.zone}): its counts are not taken as rates per hour` };
  if (ms < MIN_WINDOW_MS) {
    return { hours: null, note: `the log covers ${ms < 0 ? 'no time (its last entry is older than its first)' : `${span(ms)}, under a minute`}: its counts are not taken as rates per hour` };
  }
  return { hours: ms / 3_600_000, note: `the log covers ${span(ms)} (from its first entry to its last): calls per hour are taken over that time` };
}

function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} days ${h % 24} h`;
}
