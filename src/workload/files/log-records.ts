// Log records (one message with its DETAIL, from stderr, csvlog or jsonlog) into workload observations:
// - log_min_duration_statement: `duration: 1.2 ms  statement: …` and, for the extended protocol,
//   `duration: 1.2 ms  execute <name>: …` with its bind values in `DETAIL:  parameters: $1 = '…'`
//   (`Parameters:` from PostgreSQL 16); the parse and bind steps are not executions and are not counted;
// - log_statement = all: `statement: …` / `execute <name>: …`, whose time comes in a later bare
//   `duration: 1.2 ms` of the same process when log_min_duration_statement is set too;
// - auto_explain: `duration: 1.2 ms  plan:` with `Query Text:` (text format) or "Query Text" (JSON), and
//   from PostgreSQL 16 the bind values in `Query Parameters:`; a plan followed by the same statement's
//   duration line counts once.
// Entries of other databases (when the line names its database) and pgadvisor's own are left out.
import { fileObservation, WORKLOAD_CAPS, type SourceCollector } from '../collect.ts';
import { splitStatements } from '../lexer.ts';
import type { Normalizer } from '../normalize.ts';
import { isOwnStatement } from '../own.ts';
import { detach } from './lines.ts';

export interface LogRecord {
  /** line of the file where the record starts */
  line: number;
  severity: string;
  message: string;
  detail: string | null;
  database: string | null;
  application: string | null;
  pid: string | null;
}

interface Pending {
  text: string;
  /** the DETAIL with the bind values, read only when they are needed (a sample, or telling one statement from several) */
  detail: string | null;
  /** the bind values; undefined until read from `detail` */
  params: Map<number, string | null> | null | undefined;
  durationMs: number | null;
  line: number;
  database: string | null;
  application: string | null;
}

// what a message says after its `duration: … ms  ` (if any), up to the statement's text
const STATEMENT = /(statement|execute [^:\n]*|parse [^:\n]*|bind [^:\n]*|plan):\s?/y;
const LEVELS_WITH_TEXT = new Set(['LOG', 'INFO', 'NOTICE', 'DEBUG', 'DEBUG1', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'DEBUG5']);

export const OWN = "pgadvisor's own statements";
export const OTHER_DATABASES = 'entries of other databases';
export const FAILED = 'statements that failed (ERROR)';
/** the severity a reader gives an entry it cut at WORKLOAD_CAPS.recordChars */
export const TOO_LONG = 'TOO_LONG';

export class LogStatements {
  /** statements logged without their time yet (log_statement), by process */
  private readonly open = new Map<string, Pending>();
  /** auto_explain plans waiting to see whether the same statement's duration line follows, by process */
  private readonly plans = new Map<string, Pending>();
  private records = 0;
  private matched = 0;
  /** entries whose line names no database */
  private unnamed = 0;
  /** entries by the other databases the log names (a few, for the note when none is this one) */
  private readonly others = new Map<string, number>();

  constructor(
    private readonly source: SourceCollector,
    private readonly normalizer: Normalizer,
    private readonly database: string,
  ) {}

  record(r: LogRecord): void {
    this.records++;
    const pid = r.pid ?? '';
    if (r.severity === 'ERROR') {
      // with log_statement = all the failed statement was logged before its error: it never completed
      this.open.delete(pid);
      if (this.mine(r)) {
        this.source.entries++;
        this.source.skip(FAILED, r.line);
      }
      return;
    }
    if (r.severity === TOO_LONG) {
      this.source.entries++;
      this.source.skip(`log entries longer than ${WORKLOAD_CAPS.recordChars.toLocaleString('en-US')} characters`, r.line);
      return;
    }
    if (!LEVELS_WITH_TEXT.has(r.severity)) return;
    const message = r.message;
    // `duration: 1.2 ms` alone, or before two spaces and the statement
    let durationMs: number | null = null;
    let from = 0;
    if (message.startsWith('duration: ')) {
      const end = numberEnd(message, 10);
      if (end === 10 || !message.startsWith(' ms', end)) return;
      durationMs = decimal(message, 10, end);
      if (end + 3 === message.length) {
        const open = this.open.get(pid);
        if (open) {
          this.open.delete(pid);
          this.emit({ ...open, durationMs });
        }
        return;
      }
      if (!message.startsWith('  ', end + 3)) return;
      from = end + 5;
    }
    STATEMENT.lastIndex = from;
    const m = STATEMENT.exec(message);
    if (!m) return;
    const kind = m[1];
    const body = message.slice(STATEMENT.lastIndex);
    if (kind.startsWith('parse ') || kind.startsWith('bind ')) return;
    if (kind === 'plan') {
      const plan = readPlan(body);
      if (!plan) return;
      this.flushPlan(pid);
      this.plans.set(pid, { text: detach(plan.text), detail: null, params: plan.params, durationMs, line: r.line, database: r.database, application: r.application });
      return;
    }
    const stmt: Pending = { text: body, detail: r.detail, params: undefined, durationMs, line: r.line, database: r.database, application: r.application };
    const plan = this.plans.get(pid);
    if (plan) {
      this.plans.delete(pid);
      // the plan auto_explain logged for this very statement: count it once, from the duration line
      if (plan.text.trim() !== body.trim()) this.emit(plan);
    }
    const open = this.open.get(pid);
    if (open) {
      this.open.delete(pid);
      this.emit(open);
    }
    if (durationMs == null) {
      // held until the process's next entry: copied out of the block of the file it was read from
      this.open.set(pid, { ...stmt, text: detach(stmt.text), detail: stmt.detail && detach(stmt.detail) });
      if (this.open.size > 10_000) this.flushOldest();
    } else this.emit(stmt);
  }

  /** Everything still waiting, and the note when the log never says which database a line belongs to. */
  end(): void {
    for (const p of this.plans.values()) this.emit(p);
    for (const p of this.open.values()) this.emit(p);
    this.plans.clear();
    this.open.clear();
    if (this.unnamed) {
      this.source.notes.push(
        `${this.unnamed === this.source.entries ? "the log's lines do not" : `${this.unnamed} of the log's entries do not`} name their database ` +
          `(no %d in log_line_prefix): they were read whatever database they belong to`,
      );
    } else if (!this.matched && this.others.size) {
      const named = [...this.others].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([db, n]) => `${showName(db)} (${n})`);
      this.source.notes.push(`no entry of database ${showName(this.database)}; the log names ${named.join(', ')}: --workload-database NAME reads one of them`);
    }
  }

  private flushPlan(pid: string): void {
    const plan = this.plans.get(pid);
    if (plan) {
      this.plans.delete(pid);
      this.emit(plan);
    }
  }

  private flushOldest(): void {
    const [pid, p] = this.open.entries().next().value as [string, Pending];
    this.open.delete(pid);
    this.emit(p);
  }

  private mine(r: { database: string | null }): boolean {
    return !r.database || r.database === this.database;
  }

  private emit(p: Pending): void {
    this.source.entries++;
    if (!this.mine(p)) {
      if (this.others.has(p.database!) || this.others.size < 20) this.others.set(p.database!, (this.others.get(p.database!) ?? 0) + 1);
      return this.source.skip(OTHER_DATABASES);
    }
    if (p.database) this.matched++;
    else this.unnamed++;
    if (p.application === 'pgadvisor' || isOwnStatement(p.text)) return this.source.skip(OWN);
    // an extended-protocol statement is one statement; a simple-protocol string may hold several
    const params = () => paramsOf(p);
    if (!p.text.includes(';') || paramsOf(p)) return this.add(p.text, params, p.line, p.durationMs);
    const parts = splitStatements(p.text);
    for (const part of parts) this.add(part.text, params, p.line, p.durationMs == null ? null : p.durationMs / parts.length);
  }

  private add(text: string, params: () => Map<number, string | null> | null, line: number, durationMs: number | null): void {
    const n = this.normalizer.normalize(text, params);
    if ('skip' in n) return this.source.skip(n.skip, line);
    this.source.add(fileObservation(n, 1, durationMs));
  }
}

/** Where a run of digits and dots starting at `from` ends. */
function numberEnd(s: string, from: number): number {
  let i = from;
  for (let c = s.charCodeAt(i); (c >= 48 && c <= 57) || c === 46; c = s.charCodeAt(++i));
  return i;
}

/**
 * Number(s.slice(from, to)) for a run of digits and dots, without the string: digits and one dot read as an integer
 * divided by a power of ten (both exact, so the division rounds as the parse would); anything else through Number.
 */
function decimal(s: string, from: number, to: number): number {
  let n = 0;
  let scale = 1;
  let dot = false;
  if (to - from > 15) return Number(s.slice(from, to));
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (dot) return Number(s.slice(from, to));
      dot = true;
    } else {
      n = n * 10 + (c - 48);
      if (dot) scale *= 10;
    }
  }
  return to - from === 1 && dot ? Number('.') : n / scale;
}

function paramsOf(p: Pending): Map<number, string | null> | null {
  if (p.params === undefined) p.params = parseParameters(p.detail);
  return p.params;
}

/** A name from the log for a one-line message: quoted, control characters replaced. */
function showName(name: string): string {
  return `"${name.replace(/"/g, '""').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}"`;
}

/** `parameters: $1 = '42', $2 = NULL` (or `Parameters:`) → values by number; null when absent or unreadable. */
export function parseParameters(detail: string | null): Map<number, string | null> | null {
  const m = detail ? /(?:^|\n)(?:[Pp]arameters|Query Parameters): ([\s\S]*)$/.exec(detail) : null;
  if (!m) return null;
  const out = new Map<number, string | null>();
  const re = /\$(\d+) = (?:NULL|'((?:[^']|'')*)')(?:, |\s*$)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = re.exec(m[1]))) {
    const value = match[2] == null ? null : match[2].replace(/''/g, "'");
    // log_parameter_max_length cuts long values and marks the cut with "...": such a value is not the real one
    if (value != null && value.endsWith('...')) return null;
    out.set(Number(match[1]), value);
    end = re.lastIndex;
  }
  return end >= m[1].trimEnd().length ? out : null;
}

/** The statement (and from PostgreSQL 16 its bind values) an auto_explain plan was logged for. */
function readPlan(body: string): { text: string; params: Map<number, string | null> | null } | null {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(trimmed) as { 'Query Text'?: string; 'Query Parameters'?: string };
      if (typeof doc['Query Text'] !== 'string') return null;
      return { text: doc['Query Text'], params: doc['Query Parameters'] ? parseParameters(`Query Parameters: ${doc['Query Parameters']}`) : null };
    } catch {
      return null;
    }
  }
  const lines = body.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Query Text: '));
  if (at < 0) return null;
  const text = [lines[at].slice('Query Text: '.length)];
  let params: Map<number, string | null> | null = null;
  // the plan's first node: "Seq Scan on t  (cost=…" / "Limit  (actual time=…"
  const node = (l: string) => / {2}\((?:cost|actual)[ =]/.test(l);
  const rest = lines.slice(at + 1);
  for (const [i, l] of rest.entries()) {
    if (l.startsWith('Query Parameters: ')) {
      const end = rest.findIndex((x, j) => j > i && node(x));
      params = parseParameters(rest.slice(i, end < 0 ? undefined : end).join('\n'));
      break;
    }
    if (node(l)) break;
    text.push(l);
  }
  return { text: text.join('\n'), params };
}
