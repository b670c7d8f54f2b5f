// PostgreSQL's stderr log format, with any log_line_prefix: a record starts where a line carries a
// severity followed by two spaces (`LOG:  `, `DETAIL:  ` …) after a prefix of the shape the first record
// had (a timestamp, a [pid], nothing, …); the lines that do not start a record continue the previous one
// (the server puts a tab before each continuation line; syslog-style `[line-N]` continuations are read
// too). From the prefix: the database and user as `%u@%d` or `db=`/`user=`/`app=` pairs, the process as
// `[%p]` or `pid=`. DETAIL records join the message they belong to.
import { WORKLOAD_CAPS } from '../collect.ts';
import { detach } from './lines.ts';
import { TOO_LONG, type LogRecord } from './log-records.ts';

const LEVEL = /(^|[\s:\]>-])(LOG|ERROR|WARNING|FATAL|PANIC|DETAIL|HINT|STATEMENT|CONTEXT|NOTICE|INFO|QUERY|LOCATION|DEBUG[1-5]?): {2}/;
const SYSLOG_CONTINUATION = /\[\d+-([2-9]|\d\d+)\] ?/;

type Shape = 'empty' | 'date' | 'pid' | 'other';

export interface PrefixFields {
  database: string | null;
  user: string | null;
  application: string | null;
  pid: string | null;
}

const pair = (names: string) => new RegExp(`(?:^|[\\s,:\\]\\[])(?:${names})=([^,\\s\\]]*)`);
const DB = pair('db|database|dbname');
const USER = pair('user|usr|username');
const APP = pair('app|application|application_name');
const PID = pair('pid');
const FIELD_END = /[\s@:[\]()=,]/;

/** The fields a log_line_prefix shows: key=value pairs (user=, db=, app=, pid=), user@database, [pid]. */
export function prefixFields(prefix: string): PrefixFields {
  const kv = (re: RegExp) => (prefix.includes('=') ? re.exec(prefix)?.[1] || null : null);
  let database = kv(DB);
  let user = kv(USER);
  // user@database: the last @ of the prefix, each side up to a separator
  const a = prefix.lastIndexOf('@');
  if (a >= 0) {
    let u = a;
    while (u > 0 && !FIELD_END.test(prefix[u - 1])) u--;
    let d = a + 1;
    while (d < prefix.length && !FIELD_END.test(prefix[d])) d++;
    if (!database && d > a + 1) database = prefix.slice(a + 1, d);
    if (!user && u < a) user = prefix.slice(u, a);
  }
  const pid = kv(PID) ?? /\[(\d+)\]/.exec(prefix)?.[1] ?? null;
  return { database, user, application: kv(APP), pid };
}

function shapeOf(prefix: string): Shape {
  if (!prefix) return 'empty';
  if (startsWithDate(prefix)) return 'date';
  if (/^\[\d+\]/.test(prefix)) return 'pid';
  return 'other';
}

const isDigitAt = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** /^\d{4}-\d\d-\d\d/, character by character (it runs on every line). */
function startsWithDate(s: string): boolean {
  return (
    s.length >= 10 && isDigitAt(s, 0) && isDigitAt(s, 1) && isDigitAt(s, 2) && isDigitAt(s, 3) && s.charCodeAt(4) === 45 &&
    isDigitAt(s, 5) && isDigitAt(s, 6) && s.charCodeAt(7) === 45 && isDigitAt(s, 8) && isDigitAt(s, 9)
  );
}

function startsRecord(line: string, at: number, shape: Shape): boolean {
  switch (shape) {
    case 'empty':
      return at === 0;
    case 'date':
      return startsWithDate(line);
    case 'pid':
      return /^\[\d+\]/.test(line);
    default:
      return !/^\s/.test(line);
  }
}

/** The severities a record can start with, for the quick test of the first `:  ` of a line. */
const LEVELS = new Set(['LOG', 'ERROR', 'WARNING', 'FATAL', 'PANIC', 'DETAIL', 'HINT', 'STATEMENT', 'CONTEXT', 'NOTICE', 'INFO', 'QUERY', 'LOCATION', 'DEBUG', 'DEBUG1', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'DEBUG5']);
const isLevelChar = (c: number) => (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
// the characters LEVEL accepts before a severity: whitespace, : ] > -
const isLevelSeparator = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 58 || c === 93 || c === 62 || c === 45;

interface Level {
  /** where the prefix ends and the severity starts */
  at: number;
  severity: string;
  /** where the message starts, after the severity's `:  ` */
  text: number;
}

/** Where a line's severity is, as LEVEL finds it: from the line's first `:  ` when the word before it is one, else LEVEL itself. */
function levelOf(line: string, quick: boolean): Level | null {
  if (quick) {
    const colon = line.indexOf(':  ');
    if (colon > 0) {
      let w = colon;
      while (w > 0 && isLevelChar(line.charCodeAt(w - 1))) w--;
      if (colon - w >= 3 && (w === 0 || isLevelSeparator(line.charCodeAt(w - 1)))) {
        const severity = line.slice(w, colon);
        if (LEVELS.has(severity)) return { at: w, severity, text: colon + 3 };
      }
    }
  }
  const m = LEVEL.exec(line);
  return m ? { at: m.index + m[1].length, severity: m[2], text: m.index + m[0].length } : null;
}

/**
 * The prefix's fields, remembered by the part of the prefix after its leading timestamp (or whatever leads it up
 * to the whitespace before its first `[`, `@` or `=`): that part repeats from line to line, and prefixFields reads
 * nothing before it (the fields it finds all start after such a character and after whitespace).
 */
class PrefixCache {
  private readonly known = new Map<string, PrefixFields>();

  fields(prefix: string): PrefixFields {
    // the last space before the first [, @ or =
    let cut = -1;
    let i = 0;
    for (; i < prefix.length; i++) {
      const c = prefix.charCodeAt(i);
      if (c === 91 || c === 64 || c === 61) break;
      if (c === 32) cut = i;
    }
    if (cut < 0 || i === prefix.length) return prefixFields(prefix);
    const rest = prefix.slice(cut);
    const had = this.known.get(rest);
    if (had) return had;
    const f = prefixFields(prefix);
    // a prefix with a per-line field (%l, %x, %c) repeats nothing: the cache starts over rather than grow
    if (this.known.size >= 4096) this.known.clear();
    // copies, not slices of the block of the file the line came from
    const own = (v: string | null) => (v === null ? null : detach(v));
    this.known.set(detach(rest), { database: own(f.database), user: own(f.user), application: own(f.application), pid: own(f.pid) });
    return f;
  }
}

export interface StderrOptions {
  /**
   * Off: every line through LEVEL and prefixFields, as written. On (the default): the line's first `:  ` tried
   * before LEVEL, continuation lines told by their first characters, the prefix's fields remembered. Both give
   * the same records; the tests compare them.
   */
  quick?: boolean;
}

/** Assembles the records of a stderr log from its lines; `sink` gets each finished record, DETAIL attached. */
export class StderrRecords {
  private shape: Shape | null = null;
  private current: LogRecord | null = null;
  /** characters of the current record so far */
  private size = 0;
  private lineNo = 0;
  private readonly quick: boolean;
  private readonly prefixes = new PrefixCache();
  /** the prefixes of the first and the last record, for the log's time window */
  first: string | null = null;
  last: string | null = null;

  constructor(
    private readonly sink: (r: LogRecord) => void,
    options: StderrOptions = {},
  ) {
    this.quick = options.quick ?? true;
  }

  line(line: string): void {
    this.lineNo++;
    // under a known prefix shape, a line that does not start like a prefix continues the record: no need to look for a severity
    const level = this.quick && this.shape !== null && this.shape !== 'empty' && !startsRecord(line, 0, this.shape) ? null : levelOf(line, this.quick);
    if (level && this.shape === null) this.shape = shapeOf(line.slice(0, level.at));
    if (level && startsRecord(line, level.at, this.shape!)) {
      const prefix = line.slice(0, level.at);
      const severity = level.severity;
      const text = line.slice(level.text);
      const fields = this.quick ? this.prefixes.fields(prefix) : prefixFields(prefix);
      if (this.first === null) this.first = detach(prefix);
      this.last = prefix;
      if (severity === 'DETAIL' && this.current && this.current.pid === fields.pid) {
        this.current.detail = text;
        return;
      }
      this.flush();
      this.current = { line: this.lineNo, severity, message: text, detail: null, database: fields.database, application: fields.application, pid: fields.pid };
      this.size = text.length;
      return;
    }
    if (!this.current) return;
    const cont = SYSLOG_CONTINUATION.exec(line);
    let text = cont && this.shape !== 'empty' && startsRecord(line, 0, this.shape!) ? line.slice(cont.index + cont[0].length).replace(/#011/g, '\t') : line;
    if (text.startsWith('\t')) text = text.slice(1);
    // a record beyond the size cap keeps its start; the rest is dropped
    this.size += text.length + 1;
    if (this.size > WORKLOAD_CAPS.recordChars) return;
    if (this.current.detail != null) this.current.detail += `\n${text}`;
    else this.current.message += `\n${text}`;
  }

  end(): void {
    this.flush();
    if (this.last !== null) this.last = detach(this.last);
  }

  private flush(): void {
    if (!this.current) return;
    const record = this.current;
    this.current = null;
    this.sink(this.size > WORKLOAD_CAPS.recordChars ? { ...record, message: '', detail: null, severity: TOO_LONG } : record);
  }
}
