// PostgreSQL's stderr log format, with any log_line_prefix: a record starts where a line carries a
// severity followed by two spaces (`LOG:  `, `DETAIL:  ` …) after a prefix of the shape the first record
// had (a timestamp, a [pid], nothing, …); the lines that do not start a record continue the previous one
// (the server puts a tab before each continuation line; syslog-style `[line-N]` continuations are read
// too). From the prefix: the database and user as `%u@%d` or `db=`/`user=`/`app=` pairs, the process as
// `[%p]` or `pid=`. DETAIL records join the message they belong to.
import { WORKLOAD_CAPS } from '../collect.ts';
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
  if (/^\d{4}-\d\d-\d\d/.test(prefix)) return 'date';
  if (/^\[\d+\]/.test(prefix)) return 'pid';
  return 'other';
}

function startsRecord(line: string, at: number, shape: Shape): boolean {
  switch (shape) {
    case 'empty':
      return at === 0;
    case 'date':
      return /^\d{4}-\d\d-\d\d/.test(line);
    case 'pid':
      return /^\[\d+\]/.test(line);
    default:
      return !/^\s/.test(line);
  }
}

/** Assembles the records of a stderr log from its lines; `sink` gets each finished record, DETAIL attached. */
export class StderrRecords {
  private shape: Shape | null = null;
  private current: (LogRecord & { size: number }) | null = null;
  private lineNo = 0;

  constructor(private readonly sink: (r: LogRecord) => void) {}

  line(line: string): void {
    this.lineNo++;
    const m = LEVEL.exec(line);
    const at = m ? m.index + m[1].length : -1;
    if (m && this.shape === null) this.shape = shapeOf(line.slice(0, at));
    if (m && startsRecord(line, at, this.shape!)) {
      const prefix = line.slice(0, at);
      const severity = m[2];
      const text = line.slice(m.index + m[0].length);
      const fields = prefixFields(prefix);
      if (severity === 'DETAIL' && this.current && this.current.pid === fields.pid) {
        this.current.detail = text;
        return;
      }
      this.flush();
      this.current = { line: this.lineNo, severity, message: text, detail: null, ...fields, size: text.length };
      return;
    }
    if (!this.current) return;
    const cont = SYSLOG_CONTINUATION.exec(line);
    let text = cont && this.shape !== 'empty' && startsRecord(line, 0, this.shape!) ? line.slice(cont.index + cont[0].length).replace(/#011/g, '\t') : line;
    if (text.startsWith('\t')) text = text.slice(1);
    // a record beyond the size cap keeps its start; the rest is dropped
    this.current.size += text.length + 1;
    if (this.current.size > WORKLOAD_CAPS.recordChars) return;
    if (this.current.detail != null) this.current.detail += `\n${text}`;
    else this.current.message += `\n${text}`;
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (!this.current) return;
    const { size, ...record } = this.current;
    this.current = null;
    this.sink(size > WORKLOAD_CAPS.recordChars ? { ...record, message: '', detail: null, severity: TOO_LONG } : record);
  }
}
