import { clean } from '../db/errors.ts';
import { providerInfo } from '../db/providers.ts';
import { isConnectionLoss } from '../db/read-only.ts';
import type { BuildResult } from '../workload/build.ts';
import type { Workload, WorkloadFormat, WorkloadSourceSummary } from '../workload/types.ts';
import { SkipCell, type Analyzer, type AnalyzerRegistry } from './analyzer.ts';
import { targetSchema, toFindings } from './findings.ts';
import { adaptToProvider } from './provider-advice.ts';
import { thresholdValues, withThresholds } from './thresholds.ts';
import { ANALYZER_INPUTS, WORKLOAD_INPUT, type AnalyzerInputs } from './inputs.ts';
import { unmetRequirement, type RunInputs } from './requirements.ts';
import { CONNECTION_LOST, type Cell, type CellRun, type Finding, type Notebook, type Row, type ServerFacts, type RunResult, type Skipped } from './types.ts';

/** A finding's fix that creates an index (CREATE [UNIQUE] INDEX [CONCURRENTLY] …). */
const CREATES_INDEX = /\bcreate\s+(unique\s+)?index\b/i;

/**
 * A statement that names no table gives the workload analyzers nothing: they work on the tables statements read
 * and write. Judged from the text alone, before anything is parsed: a SELECT or VALUES with none of FROM, INTO,
 * JOIN, TABLE or UPDATE anywhere in it (`SELECT 1`, a pooler's health check, `SELECT pg_stat_statements_reset()`),
 * or a transaction or session command (BEGIN, COMMIT, SET, SHOW…). Anything else counts.
 */
const NAMES_NO_TABLE =
  /^\s*(?:(?:select|values)\b(?![\s\S]*\b(?:from|into|join|table|update)\b)|(?:begin|commit|rollback|end|abort|start|savepoint|release|set|reset|show|discard|deallocate|listen|unlisten|notify)\b)/i;

export interface QuerySource {
  query(sql: string, params?: unknown[], signal?: AbortSignal): Promise<{ columns: string[]; rows: Row[] }>;
  /** all of fn's statements on one connection (analyzers keep backend-local state, e.g. hypopg) */
  pinned<T>(fn: (query: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly options: { statementTimeoutMs: number; connections: number };
}

export type RunEvent =
  | { type: 'cell-start'; playbook: string; cell: string; title: string }
  | { type: 'cell-done'; run: CellRun }
  /** before the cells: what the session is doing (e.g. starting the embedded demo) */
  | { type: 'status'; text: string };

export interface RunOptions {
  db: QuerySource;
  server: ServerFacts;
  notebooks: Notebook[];
  /** may still be loading while the SQL cells run; awaited before the first analyzer; an entry may load on first use */
  analyzers: AnalyzerRegistry | Promise<AnalyzerRegistry>;
  /** what each analyzer reads, by name (default: the shipped analyzers' declarations) */
  inputs?: Readonly<Record<string, AnalyzerInputs>>;
  /** --workload files (formats resolved), read into the workload with the probe that feeds it */
  workloadFiles?: { path: string; format: WorkloadFormat }[];
  /** the database whose entries a log gives (default: the inspected one) */
  workloadDatabase?: string;
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
  /** configured thresholds by `playbook/check` (a config file's [thresholds]); cells use their defaults otherwise */
  thresholds?: Record<string, Record<string, number>>;
  /**
   * called once the probe that feeds the workload has returned statements that an analyzer of this run may
   * analyze, while the other cells still run (e.g. to start loading the parser the workload will need)
   */
  onWorkloadStatements?: () => void;
  /** told the run's workload once it is read (the TUI plans statements with its constants; in memory only) */
  onWorkload?: (workload: Workload) => void;
}

/** The run's workload, built once for all the analyzers that read it; null with the reason when there is none. */
type WorkloadResult = BuildResult;

interface Job {
  notebook: Notebook;
  cell: Cell;
}

/** Runs every cell of the given notebooks; probes in parallel over the session's connections. */
export async function runPlaybooks(opts: RunOptions): Promise<RunResult> {
  const { notebooks } = opts;
  const declarations = opts.inputs ?? ANALYZER_INPUTS;
  const runInputs: RunInputs = { workloadFiles: opts.workloadFiles?.length ?? 0 };
  const runs = new Map<string, CellRun>();
  const rowsOf = new Map<string, Row[]>();
  const findings = new Map<string, Finding[]>();
  const key = (nb: Notebook, cell: Cell | string) => `${nb.id}\u0000${typeof cell === 'string' ? cell : cell.id}`;

  const sqlJobs: Job[] = [];
  const analyzerJobs: Job[] = [];
  for (const notebook of notebooks) {
    for (const cell of notebook.cells) (cell.kind === 'analyzer' ? analyzerJobs : sqlJobs).push({ notebook, cell });
  }

  const record = ({ notebook, cell }: Job, out: { run: CellRun; rows: Row[]; found: Finding[] }) => {
    runs.set(key(notebook, cell), out.run);
    rowsOf.set(key(notebook, cell), out.rows);
    findings.set(key(notebook, cell), out.found);
    opts.onEvent?.({ type: 'cell-done', run: out.run });
  };
  const start = ({ notebook, cell }: Job) => opts.onEvent?.({ type: 'cell-start', playbook: notebook.id, cell: cell.id, title: cell.title });

  // Longest text first: the heaviest catalog queries are the longest, and one started last would end the
  // run alone on one connection while the others sit idle (results keep the notebooks' order).
  sqlJobs.sort((a, b) => (b.cell.sql?.length ?? 0) - (a.cell.sql?.length ?? 0));
  const loading = Promise.resolve(opts.analyzers);
  // handled before the first await: a failed load is reported where it is awaited, not as an unhandled rejection
  loading.catch(() => undefined);
  const needs = (cell: Cell) => declarations[cell.analyzer ?? ''];
  const readers = analyzerJobs.filter(({ cell }) => needs(cell)?.workload && !unmet(cell, needs(cell), opts, runInputs));
  const feedJob = sqlJobs.find((j) => j.cell.feeds);
  const inputOf = (nb: Notebook, id: string) => ({ run: runs.get(key(nb, id)), rows: rowsOf.get(key(nb, id)) ?? [] });
  // Before the workload is built: the feeding probe's rows hold every statement it can have (a build only
  // leaves some out), so an analyzer whose every input is empty there has nothing to analyze, and needs
  // neither the workload nor the parser. Only when the probe ran: its failure is the reader's reason.
  const feedHasFor = (declared: AnalyzerInputs, rows: Row[]) =>
    rows.some((r) => Number(r.calls ?? 0) >= (declared.minCalls ?? 0) && !NAMES_NO_TABLE.test(String(r.query ?? '')));
  const nothingFor = ({ notebook, cell }: Job, feedRows: Row[] | null): boolean => {
    const declared = needs(cell);
    if (!declared?.needs?.length || feedRows === null || runInputs.workloadFiles) return false;
    return declared.needs.every((input) => (input === WORKLOAD_INPUT ? !feedHasFor(declared, feedRows) : !inputOf(notebook, input).rows.length));
  };
  const feedRows = () => {
    const run = feedJob && runs.get(key(feedJob.notebook, feedJob.cell));
    return run?.status === 'ok' ? (rowsOf.get(key(feedJob!.notebook, feedJob!.cell)) ?? []) : null;
  };
  await inParallel(sqlJobs, opts.db.options.connections, async (job) => {
    start(job);
    record(job, await runSqlCell(job.notebook, job.cell, opts, runInputs));
    // the other probes may still run: only the workload input is judged here
    const rows = job === feedJob ? feedRows() : null;
    if (rows?.length && readers.some(({ cell }) => !needs(cell)!.needs?.includes(WORKLOAD_INPUT) || feedHasFor(needs(cell)!, rows))) opts.onWorkloadStatements?.();
  });

  // Analyzers read probe rows and the workload, so they run once every SQL cell is done.
  let workloadSources: WorkloadSourceSummary[] | null = null;
  if (analyzerJobs.length) {
    const analyzers = await loading;
    const nothing = new Set(analyzerJobs.filter((job) => nothingFor(job, feedRows())));
    let workload: WorkloadResult | null = null;
    if (readers.some((job) => !nothing.has(job))) {
      workload = await loadWorkload(opts, feedJob ? { run: runs.get(key(feedJob.notebook, feedJob.cell))!, rows: rowsOf.get(key(feedJob.notebook, feedJob.cell)) ?? [] } : null);
    }
    await inParallel(analyzerJobs, 1, async (job) => {
      start(job);
      record(job, await runAnalyzerCell(job, opts, runInputs, analyzers, needs(job.cell), inputOf, workload, nothing.has(job)));
    });
    if (workload?.workload) {
      workloadSources = workload.workload.sources;
      opts.onWorkload?.(workload.workload);
    }
  }

  const skipped: Skipped[] = [];
  const all: Finding[] = [];
  const playbooks = notebooks.map((nb) => ({
    id: nb.id,
    title: nb.title,
    summary: nb.summary,
    blocks: nb.blocks,
    runs: nb.cells.map((c) => {
      const run = runs.get(key(nb, c))!;
      if (run.status === 'skipped') skipped.push({ playbook: nb.id, check: c.id, reason: run.reason ?? '' });
      all.push(...(findings.get(key(nb, c)) ?? []));
      return run;
    }),
  }));
  const data: RunResult = { server: opts.server, playbooks, findings: all, skipped, ...(workloadSources ? { workload: workloadSources } : {}) };
  // One index for one need across every playbook: only when two findings or more create an index.
  if (all.filter((f) => f.up && CREATES_INDEX.test(f.up)).length < 2) return data;
  const { reconcileIndexProposals } = await import('./reconcile.ts');
  return reconcileIndexProposals(data);
}

function unmet(cell: Cell, declared: AnalyzerInputs | undefined, opts: RunOptions, runInputs: RunInputs): string | null {
  return unmetRequirement(cell.requires, opts.server, runInputs) ?? (declared?.requires ? unmetRequirement(declared.requires, opts.server, runInputs) : null);
}

type CellResult = { run: CellRun; rows: Row[]; found: Finding[] };

function cellResult(notebook: Notebook, cell: Cell, opts: RunOptions) {
  const configured = opts.thresholds?.[`${notebook.id}/${cell.id}`];
  // the SQL as sent, configured thresholds in place: what the snapshot shows is what ran
  const sql = cell.sql === null ? null : withThresholds(cell.sql, configured);
  const thresholds = thresholdValues(cell, configured);
  const base = { playbook: notebook.id, cell: cell.id, kind: cell.kind, title: cell.title, sql };
  const done = (status: CellRun['status'], reason: string | null, durationMs = 0, columns: string[] = [], rows: Row[] = []): CellRun => ({
    ...base,
    status,
    reason,
    durationMs,
    columns,
    rows,
    rowCount: rows.length,
    truncated: false,
  });
  return { base, done, sql, thresholds };
}

async function runSqlCell(notebook: Notebook, cell: Cell, opts: RunOptions, runInputs: RunInputs): Promise<CellResult> {
  const { base, done, sql } = cellResult(notebook, cell, opts);
  const why = unmetRequirement(cell.requires, opts.server, runInputs);
  if (why) return { run: done('skipped', why), rows: [], found: [] };
  if (opts.signal?.aborted) return { run: done('cancelled', 'cancelled before it ran'), rows: [], found: [] };
  const started = performance.now();
  try {
    const { columns, rows } = await opts.db.query(sql!, [], opts.signal);
    return finish(notebook, cell, opts, done, started, columns, rows, cell.kind === 'check' ? rows : []);
  } catch (err) {
    return { run: failure(err, opts, base, elapsed(started)), rows: [], found: [] };
  }
}

async function runAnalyzerCell(
  { notebook, cell }: Job,
  opts: RunOptions,
  runInputs: RunInputs,
  analyzers: AnalyzerRegistry,
  declared: AnalyzerInputs | undefined,
  inputOf: (nb: Notebook, id: string) => { run: CellRun | undefined; rows: Row[] },
  workload: WorkloadResult | null,
  /** every input the analyzer needs is empty, judged before the workload was built (it may not have been) */
  nothing: boolean,
): Promise<CellResult> {
  const { base, done, thresholds } = cellResult(notebook, cell, opts);
  const entry = analyzers[cell.analyzer!];
  if (!entry || !declared) return { run: done('error', `no analyzer named "${cell.analyzer}"`), rows: [], found: [] };
  const why = unmet(cell, declared, opts, runInputs);
  if (why) return { run: done('skipped', why), rows: [], found: [] };
  if (opts.signal?.aborted) return { run: done('cancelled', 'cancelled before it ran'), rows: [], found: [] };

  // exactly the declared rows, cut to the declared columns
  const inputs: Record<string, Row[]> = {};
  for (const [id, columns] of Object.entries(declared.probes)) {
    const { run, rows } = inputOf(notebook, id);
    if (!run) return { run: done('error', `its input "${id}" did not run`), rows: [], found: [] };
    if (run.status === 'skipped' && declared.optional?.includes(id)) {
      inputs[id] = [];
      continue;
    }
    if (run.status === 'skipped') return { run: done('skipped', `its input "${id}" was skipped: ${run.reason}`), rows: [], found: [] };
    if (run.status !== 'ok') return { run: done('error', `its input "${id}" did not complete (${run.status}): ${run.reason}`), rows: [], found: [] };
    const missing = columns.filter((c) => !run.columns.includes(c));
    if (missing.length) return { run: done('error', `its input "${id}" has no column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`), rows: [], found: [] };
    inputs[id] = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
  }
  // nothing to analyze: the analyzer (and the parser it may load) is never loaded, and the cell found nothing
  const empty = (input: string) => (input === WORKLOAD_INPUT ? nothing || !workload?.workload?.statements.length : !inputs[input]?.length);
  const nothingToAnalyze = (judgedOnFeed: boolean) => {
    const needed = declared.needs!;
    const which = needed.length === 1 ? `${needed[0]} has no rows` : `none of ${needed.join(', ')} has rows`;
    const counts = [judgedOnFeed ? 'when it names a table' : '', declared.minCalls ? `from ${declared.minCalls} calls` : ''].filter(Boolean).join(' and ');
    const called = counts && needed.includes(WORKLOAD_INPUT) ? ` (a statement counts ${counts})` : '';
    return { run: done('ok', `nothing to analyze: ${which}${called}`), rows: [], found: [] };
  };
  if (nothing) return nothingToAnalyze(true);
  if (declared.workload && !workload?.workload) {
    const failed = workload && !workload.workload && workload.failed;
    return { run: done(failed ? 'error' : 'skipped', workload?.reason ?? 'no workload was read'), rows: [], found: [] };
  }
  if (declared.needs?.length && declared.needs.every(empty)) return nothingToAnalyze(false);
  let analyzer: Analyzer;
  try {
    analyzer = typeof entry === 'function' ? await entry() : entry;
  } catch (err) {
    return { run: done('error', `analyzer "${cell.analyzer}" could not be loaded: ${clean(String((err as Error).message).split('\n')[0])}`), rows: [], found: [] };
  }

  const started = performance.now();
  try {
    const signal = opts.signal ?? new AbortController().signal;
    const ctx = { server: opts.server, inputs, workload: declared.workload ? workload!.workload : null, signal, thresholds };
    const result = await opts.db.pinned((query) => analyzer.run({ ...ctx, query }), signal);
    return finish(notebook, cell, opts, done, started, result.columns, result.rows, result.findings as unknown as Row[]);
  } catch (err) {
    return { run: failure(err, opts, base, elapsed(started)), rows: [], found: [] };
  }
}

/** The workload from the feeding probe's rows and the --workload files; a failure to read it is every reader's reason. */
async function loadWorkload(opts: RunOptions, feed: { run: CellRun; rows: Row[] } | null): Promise<WorkloadResult> {
  try {
    const { buildWorkload } = await import('../workload/build.ts');
    return await buildWorkload({
      server: opts.server,
      feed,
      files: opts.workloadFiles,
      logDatabase: opts.workloadDatabase,
      query: async (sql: string, params?: unknown[]) => (await opts.db.query(sql, params, opts.signal)).rows,
      signal: opts.signal,
    });
  } catch (err) {
    if (isConnectionLoss(err)) return { workload: null, reason: `${CONNECTION_LOST}: ${clean((err as Error).message)}`, failed: true };
    return { workload: null, reason: `the workload could not be read: ${clean((err as Error).message) || String(err)}`, failed: true };
  }
}

function finish(
  notebook: Notebook,
  cell: Cell,
  opts: RunOptions,
  done: ReturnType<typeof cellResult>['done'],
  started: number,
  columns: string[],
  rows: Row[],
  findingRows: Row[],
): CellResult {
  const all = adaptToProvider(toFindings(notebook.id, cell, findingRows), opts.server);
  const managed = new Set(opts.server.managedSchemas);
  const found = all.filter((f) => !managed.has(targetSchema(f.target) ?? ''));
  const setAside = all.length - found.length;
  const note = setAside ? `${setAside} finding${setAside === 1 ? '' : 's'} in platform-managed schemas set aside (${[...managed].filter((m) => all.some((f) => targetSchema(f.target) === m)).join(', ')}): the platform owns them` : null;
  return { run: done('ok', note, elapsed(started), columns, rows), rows, found };
}

function failure(err: unknown, opts: RunOptions, base: Omit<CellRun, 'status' | 'reason' | 'durationMs' | 'columns' | 'rows' | 'rowCount' | 'truncated'>, durationMs: number): CellRun {
  const e = err as { code?: string; message?: string };
  const empty = { columns: [], rows: [], rowCount: 0, truncated: false, durationMs };
  if (opts.signal?.aborted) return { ...base, ...empty, status: 'cancelled', reason: 'cancelled (the server-side query was cancelled)' };
  if (err instanceof SkipCell) return { ...base, ...empty, status: 'skipped', reason: err.message };
  if (isConnectionLoss(err)) return { ...base, ...empty, status: 'error', reason: `${CONNECTION_LOST}: ${clean(e.message) || e.code}` };
  if (e.code === '57014') {
    return { ...base, ...empty, status: 'timeout', reason: `timed out after statement_timeout ${opts.db.options.statementTimeoutMs / 1000} s` };
  }
  // Missing privilege or a preload the server lacks: the cell cannot run here, which is a skip, not a failure.
  if (e.code === '42501' || e.code === '55000') {
    const provider = providerInfo(opts.server.provider?.id);
    const withheld = e.code === '42501' && provider && !provider.superuser ? ` (${provider.name} gives its customers no superuser and no file access)` : '';
    return { ...base, ...empty, status: 'skipped', reason: `${clean(e.message)}${withheld}` };
  }
  return { ...base, ...empty, status: 'error', reason: clean(e.message) || String(err) };
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
}
