// Index proposals as findings: the DDL (the one place a predicate's or an expression's value appears),
// a rationale in the engineer's terms, and evidence a DBA can check — the statements served with their
// plans or estimates before and after, what the index costs, every threshold, and what is assumed.
import type { FindingRow } from '../analyzer.ts';
import type { ServerFacts } from '../types.ts';
import { createIndexSql, dropIndexSql, indexBody, qualified, quoteIdent, type IndexSpec } from '../index-spec.ts';
import { CANDIDATE_LIMITS, type Candidate, type CandidateKind } from './workload-candidates.ts';
import type { CatalogIndex, CatalogTable } from './workload-catalog.ts';
import { indexName } from './workload-ddl.ts';
import { formatBytes, formatMs, grade, gradeBasis, pct, round } from './workload-impact.ts';
import { SELECTION, type Choice } from './workload-select.ts';
import { boundText, THRESHOLDS } from './workload-validate.ts';
import { lockOf } from '../locks.ts';
import { qualifiedName, shorten } from './workload-statements.ts';

/** Where pg_trgm goes when the migration has to create it: a schema for extensions, not public. */
export const EXTENSION_SCHEMA = 'extensions';

export interface FindingContext {
  server: ServerFacts;
  /** hours the workload covers, null when unknown */
  windowHours: number | null;
  /** all top-level execution time in the workload (ms), null when unknown */
  workloadMs: number | null;
  /** relation names taken per schema (index names must not clash) */
  taken: Map<string, Set<string>>;
  /** the statements that bring an index back exactly as it is (for the rollback of a replacement) */
  recreate: Map<number, string>;
  /** the schema `extensions` exists already */
  extensionSchemaExists: boolean;
  /** the workload's UPDATE statements per table oid: the columns they set and their calls */
  updates: Map<number, { columns: Set<string>; calls: number }[]>;
  /** row writes per hour per table (or over the workload when the window is unknown), and where the number comes from */
  writes: (t: CatalogTable) => { perHour: number | null; total: number; source: string };
  /** the indexes other checks already propose to drop (qualified), and who */
  droppedElsewhere: Map<string, string>;
}

export interface Proposal {
  choice: Choice;
  name: string;
  spec: IndexSpec;
  finding: FindingRow;
}

const KIND_TITLE: Partial<Record<CandidateKind, string>> = {
  partial: 'partial index',
  'gin-jsonb': 'GIN index',
  'gin-array': 'GIN index',
  'gin-fulltext': 'full-text GIN index',
  trigram: 'trigram index',
  brin: 'BRIN index',
  pattern: 'pattern index',
};

export function proposal(choice: Choice, ctx: FindingContext): Proposal {
  const e = choice.evaluation;
  const c = e.candidate;
  const table = c.table;
  const names = ctx.taken.get(table.schema) ?? new Set<string>();
  const name = indexName(table.name, nameParts(c), names);
  names.add(name);
  ctx.taken.set(table.schema, names);
  const spec: IndexSpec = { schema: table.schema, table: table.name, name, method: c.method, keys: c.keys, include: c.include, predicate: c.predicate?.sql ?? null, freePrefix: c.freePrefix };
  const target = `${qualifiedName(table)}.${name}`;
  const partitioned = table.kind === 'p';
  const lowered = !e.validated || choice.served.some((s) => s.outcome.assumed) || c.assumptions.length > 0;
  const totalMs = choice.served.reduce((a, s) => a + s.totalMs, 0);
  const impact = { msPerHour: ctx.windowHours ? totalMs / ctx.windowHours : null, totalMs };
  const loweredWhy = !e.validated ? 'estimated, not planned' : lowered ? 'rests on an assumed value or pattern' : null;
  const severity = grade(impact, lowered);
  const replaced = e.replaces && !ctx.droppedElsewhere.has(`${quoteIdent(e.replaces.schema)}.${quoteIdent(e.replaces.name)}`) ? e.replaces : null;
  const ext = c.extension === 'pg_trgm' ? extensionSql(ctx.extensionSchemaExists) : null;

  const up = partitioned
    ? null
    : [...(ext?.up ?? []), createIndexSql(spec), ...(replaced ? [dropIndexSql(replaced.schema, replaced.name)] : [])].join(';\n');
  const recreate = replaced?.oid !== undefined ? ctx.recreate.get(replaced.oid) : undefined;
  const down = partitioned ? null : [...(replaced && recreate ? [recreate] : []), dropIndexSql(table.schema, name), ...(ext?.down ?? [])].join(';\n');
  if (replaced && !recreate) throw new Error(`no definition captured for ${replaced.name}`);

  const kindTitle = c.kinds.map((k) => KIND_TITLE[k]).find(Boolean) ?? 'index';
  const title = replaced
    ? `Replace ${replaced.name} with a wider index on ${qualifiedName(table)} (${c.labels.join(', ')})${c.include.length ? ` INCLUDE (${c.include.join(', ')})` : ''}`
    : `Add ${kindTitle} on ${qualifiedName(table)} (${c.labels.join(', ')})${c.include.length ? ` INCLUDE (${c.include.join(', ')})` : ''}${c.predicate ? ` for one value of ${c.predicate.column}` : ''}`;

  const finding: FindingRow = {
    target,
    key: target,
    title,
    severity,
    rationale: rationale(choice, ctx, { replaced, ext: Boolean(ext), partitioned, impact }),
    evidence: {
      table: qualifiedName(table),
      index_name: name,
      index: {
        schema: spec.schema,
        table: spec.table,
        name: spec.name,
        method: spec.method,
        keys: spec.keys.map((k) => ({ key: k.label, column: k.column, opclass: k.opclass, desc: k.desc, nulls: k.nulls })),
        include: spec.include,
        predicate: c.predicate ? `on ${c.predicate.column} (its value is in the DDL only)` : null,
        free_prefix: spec.freePrefix,
      },
      kinds: c.kinds,
      predicate: c.predicate ? { column: c.predicate.column, source: predicateSource(c), fraction_of_rows: c.predicate.fraction === null ? null : round(c.predicate.fraction, 4) } : null,
      validation: e.validated ? 'hypopg' : 'estimate',
      method: e.validated
        ? `hypothetical index (hypopg ${e.hidden ? `, with ${e.replaces?.name} hidden from the planner` : ''}); plans ${planKinds(choice)}`
        : `estimate: the plan today, the selectivity of the index conditions (pg_stats or the planner's row estimate) and PostgreSQL's cost model for the index scan — ${e.note ?? 'not planned'}`,
      ...(e.validated ? {} : { to_validate: 'CREATE EXTENSION hypopg (available from most providers; nothing is written: the experiments live in the session)' }),
      statements: choice.served.map((s) => ({
        statement: s.outcome.baseline.st.stmt.id,
        queryid: s.outcome.baseline.st.stmt.queryid,
        query: shorten(s.outcome.baseline.st.stmt.query),
        calls: s.outcome.baseline.st.stmt.calls,
        calls_per_hour: ctx.windowHours ? round(s.outcome.baseline.st.stmt.calls / ctx.windowHours) : null,
        mean_ms: s.outcome.baseline.st.stmt.meanMs === null ? null : round(s.outcome.baseline.st.stmt.meanMs, 3),
        plans: s.outcome.basis,
        assumed: s.outcome.assumed,
        cost_before: round(s.before),
        cost_after: round(s.after),
        saving: round(1 - s.after / s.before),
        ms_saved_per_call: round(s.msPerCall, 4),
        plan_before: s.outcome.nodesBefore.join(' > '),
        plan_after: s.outcome.nodesAfter.join(' > '),
        ...(s.outcome.selectivity !== null && !e.validated ? { selectivity: round(s.outcome.selectivity, 6) } : {}),
      })),
      ...(choice.absorbed.length ? { also_considered: choice.absorbed.map((a) => a.candidate.labels.join(', ')) } : {}),
      benefit_ms_per_hour: ctx.windowHours ? round(choice.benefitMs) : null,
      benefit_ms_in_workload: round(totalMs),
      write_cost_ms: round(choice.writeMs, 3),
      writes: writesEvidence(table, ctx),
      hot_updates_lost: hotLoss(c, ctx),
      index_bytes_hypopg: e.hypoBytes,
      index_bytes_estimate: e.estimatedBytes,
      table_rows: Math.round(table.rows),
      table_bytes: table.bytes,
      all_visible_fraction: table.pages ? round((table.allVisible ?? 0) / table.pages, 3) : null,
      existing_indexes: table.indexes.map((i) => i.definition),
      ...(replaced ? { replaces: { index: replaced.name, definition: replaced.definition, scans: replaced.scans ?? null } } : {}),
      ...(e.replaces && !replaced ? { narrower_index_dropped_by: ctx.droppedElsewhere.get(`${quoteIdent(e.replaces.schema)}.${quoteIdent(e.replaces.name)}`) } : {}),
      ...(ext ? { creates_extension: `pg_trgm in schema ${EXTENSION_SCHEMA}${ctx.extensionSchemaExists ? '' : ' (created too)'}` } : {}),
      assumptions: c.assumptions,
      severity_basis: gradeBasis(impact, lowered, loweredWhy),
      thresholds: {
        min_saving_fraction: THRESHOLDS.minSavingFraction,
        min_saving_cost: THRESHOLDS.minSavingCost,
        min_table_rows: CANDIDATE_LIMITS.minTableRows,
        min_share_of_workload_time: SELECTION.minWorkloadShare,
        partial_max_fraction: CANDIDATE_LIMITS.partialMaxFraction,
        low_cardinality: CANDIDATE_LIMITS.lowCardinality,
        ...(c.kinds.includes('include') ? { include_min_all_visible: CANDIDATE_LIMITS.includeMinAllVisible, include_min_calls: CANDIDATE_LIMITS.includeMinCalls } : {}),
        ...(c.kinds.includes('brin') ? { brin_min_pages: CANDIDATE_LIMITS.brinMinPages, brin_min_correlation: CANDIDATE_LIMITS.brinMinCorrelation, brin_max_churn: CANDIDATE_LIMITS.brinMaxChurn } : {}),
        ...(c.kinds.includes('trigram') ? { trigram_min_chars: CANDIDATE_LIMITS.trigramMinChars } : {}),
        experiment_bound: boundText(),
      },
      ...(partitioned
        ? { partitioned_procedure: partitionedProcedure(table, spec) }
        : {
            lock: lockOf(
              'SHARE UPDATE EXCLUSIVE',
              [qualified(table.schema, table.name)],
              'build',
              replaced ? `then DROP INDEX CONCURRENTLY of ${quoteIdent(replaced.name)}: the same lock, briefly` : undefined,
            ),
          }),
    },
    up,
    down,
    drops: replaced ? [`${quoteIdent(replaced.schema)}.${quoteIdent(replaced.name)}`] : null,
  };
  return { choice, name, spec, finding };
}

function rationale(choice: Choice, ctx: FindingContext, o: { replaced: CatalogIndex | null; ext: boolean; partitioned: boolean; impact: { msPerHour: number | null; totalMs: number } }): string {
  const e = choice.evaluation;
  const c = e.candidate;
  const n = choice.served.length;
  const calls = choice.served.reduce((a, s) => a + s.outcome.baseline.st.stmt.calls, 0);
  const timeMs = choice.served.reduce((a, s) => a + (s.outcome.baseline.st.stmt.totalMs ?? 0), 0);
  const best = Math.max(...choice.served.map((s) => 1 - s.after / s.before));
  const share = ctx.workloadMs ? `, ${pct(timeMs / ctx.workloadMs)} of the workload's execution time` : '';
  const how = e.validated
    ? `planned with a hypothetical index (hypopg, ${planKinds(choice)})`
    : `by an estimate from pg_stats and the planner's cost model — unvalidated: ${e.note?.replace(/^estimated, not planned: /, '') ?? 'not planned'}`;
  const parts: string[] = [
    `${n} statement${n === 1 ? '' : 's'} (${calls.toLocaleString('en-US')} calls${share}) get${n === 1 ? 's' : ''} up to ${pct(best)} cheaper with this index, ${how}; ` +
      `proposed only when a plan uses it and saves ≥ ${pct(THRESHOLDS.minSavingFraction)} and ≥ ${THRESHOLDS.minSavingCost} cost units. ` +
      `That is about ${formatMs(o.impact.msPerHour ?? o.impact.totalMs)} of execution saved ${o.impact.msPerHour !== null ? 'per hour' : 'over the workload'}.`,
  ];
  const bytes = e.hypoBytes ?? e.estimatedBytes;
  const w = ctx.writes(c.table);
  parts.push(
    w.source.startsWith('unknown')
      ? `Cost: about ${formatBytes(bytes)} on disk; the write rate is ${w.source}.`
      : `Cost: about ${formatBytes(bytes)} on disk; ${w.perHour !== null ? `${Math.round(w.perHour).toLocaleString('en-US')} row writes per hour` : `${w.total.toLocaleString('en-US')} row writes`} (${w.source}) each also write an entry here (about ${formatMs(choice.writeMs)} ${ctx.windowHours ? 'per hour' : 'in all'}).`,
  );
  if (c.predicate) {
    const f = c.predicate.fraction;
    parts.push(
      `A partial index: it holds only the rows matching its WHERE on ${c.predicate.column}${f !== null ? ` (about ${pct(f)} of the table)` : ''}, so it is small and cheap to maintain.` +
        (c.predicate.param !== null
          ? ` The planner uses it only when it can prove that filter from the query — a literal in the SQL, or a custom plan for the bound value; a generic plan for ${c.predicate.column} = $${c.predicate.param} cannot use it.`
          : ''),
    );
  }
  for (const a of c.assumptions) parts.push(`It ${a}.`);
  if (c.kinds.includes('include')) {
    parts.push(`INCLUDE (${c.include.join(', ')}) lets the statement read everything from the index (an index-only scan); ${pct((c.table.allVisible ?? 0) / Math.max(c.table.pages ?? 1, 1))} of the table's pages are all-visible, which such scans need.`);
  }
  if (c.kinds.includes('expression')) parts.push('The index is on the expression the statements filter by: queries must use the same expression to use it.');
  if (c.kinds.includes('trigram')) parts.push('A trigram index (pg_trgm, gin_trgm_ops) serves LIKE/ILIKE with a leading wildcard and regular expressions, which no btree can.');
  if (c.kinds.includes('gin-jsonb')) {
    parts.push(c.keys[0].opclass === 'jsonb_path_ops' ? 'jsonb_path_ops: the statements only ask containment (@>, @?, @@), which this smaller operator class answers.' : 'The default jsonb_ops operator class: the statements ask for keys (?, ?|, ?&), which jsonb_path_ops cannot answer.');
  }
  if (c.kinds.includes('brin')) {
    const col = c.table.columns.find((x) => x.name === c.keys[0].column);
    parts.push(`A BRIN index keeps one summary per 128 pages, so it stays tiny; it works because ${c.keys[0].label} follows the physical order of the rows (correlation ${round(col?.correlation ?? 0)}) and the table is append-only.`);
  }
  if (o.ext) parts.push(`pg_trgm is not installed: the migration first creates it in schema ${EXTENSION_SCHEMA}${ctx.extensionSchemaExists ? '' : ' (and the schema)'}, a separate step before the index.`);
  if (o.replaced) {
    parts.push(`It replaces ${o.replaced.name} (${o.replaced.definition}), whose keys lead it: every query that index serves, this one serves. The migration builds the new index first, then drops the old one; the rollback recreates it exactly.`);
  } else if (e.replaces) {
    parts.push(`${e.replaces.name}, whose keys lead this index, is proposed for dropping by ${ctx.droppedElsewhere.get(`${quoteIdent(e.replaces.schema)}.${quoteIdent(e.replaces.name)}`)}.`);
  }
  const hot = hotLoss(c, ctx);
  if (hot) parts.push(`UPDATE statements set ${hot.columns.join(', ')} (${hot.calls.toLocaleString('en-US')} calls): with this index those updates can no longer be HOT, so every index of the table gets a new entry.`);
  if (!e.validated) parts.push(`To plan it instead of estimating: CREATE EXTENSION hypopg.`);
  if (o.partitioned) parts.push('The table is partitioned: CREATE INDEX CONCURRENTLY does not work on a partitioned table, so this is advice — build it per partition (see evidence).');
  return parts.join(' ');
}

function planKinds(choice: Choice): string {
  const bases = [...new Set(choice.served.map((s) => s.outcome.basis))];
  return bases.map((b) => (b === 'workload constants' ? 'custom plans with the workload’s constants' : b === 'pg_stats rare value' ? 'a custom plan with the rarest value in pg_stats' : 'generic plans')).join(' and ');
}

function predicateSource(c: Candidate): string {
  switch (c.predicate?.source) {
    case 'workload':
      return 'the value every call of the statement uses (the workload’s constants)';
    case 'pg_stats':
      return 'assumed: the rarest value in pg_stats (no constants for this statement)';
    default:
      return 'written in the statement';
  }
}

function extensionSql(schemaExists: boolean): { up: string[]; down: string[] } {
  const s = quoteIdent(EXTENSION_SCHEMA);
  return {
    up: [...(schemaExists ? [] : [`CREATE SCHEMA IF NOT EXISTS ${s}`]), `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA ${s}`],
    down: ['DROP EXTENSION IF EXISTS pg_trgm', ...(schemaExists ? [] : [`DROP SCHEMA IF EXISTS ${s}`])],
  };
}

function writesEvidence(table: CatalogTable, ctx: FindingContext): Record<string, unknown> {
  const w = ctx.writes(table);
  return { per_hour: w.perHour === null ? null : round(w.perHour), total: w.total, source: w.source };
}

function hotLoss(c: Candidate, ctx: FindingContext): { columns: string[]; calls: number } | null {
  const cols = new Set([...c.keys.map((k) => k.column), ...c.include, c.predicate?.column].filter((x): x is string => Boolean(x)));
  const updates = ctx.updates.get(c.table.oid) ?? [];
  const hit = updates.filter((u) => [...u.columns].some((x) => cols.has(x)));
  if (!hit.length) return null;
  // updates that already touch an indexed column are not HOT today either
  const indexed = new Set(c.table.indexes.flatMap((i) => [...i.columns, ...(i.include ?? [])]).filter((x): x is string => x !== null));
  const lost = hit.filter((u) => ![...u.columns].some((x) => indexed.has(x)));
  if (!lost.length) return null;
  return { columns: [...new Set(lost.flatMap((u) => [...u.columns].filter((x) => cols.has(x))))].sort(), calls: lost.reduce((a, u) => a + u.calls, 0) };
}

/** Name parts: the keys (functions shown by name), INCLUDE columns, the partial predicate's column, the method. */
function nameParts(c: Candidate): string[] {
  const parts = c.keys.map((k) => (k.column ? k.column : k.label.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').replace(/_+/g, '_') || 'expr'));
  parts.push(...c.include);
  if (c.predicate) parts.push(...(parts.includes(c.predicate.column) ? [] : [c.predicate.column]), 'partial');
  if (c.kinds.includes('trigram')) parts.push('trgm');
  else if (c.method === 'gin') parts.push('gin');
  else if (c.method === 'brin') parts.push('brin');
  else if (c.kinds.includes('pattern')) parts.push('pattern');
  return parts;
}

function partitionedProcedure(table: CatalogTable, spec: IndexSpec): string[] {
  const body = indexBody({ ...spec, schema: table.schema, table: table.name });
  return [
    `-- for each partition P of ${qualified(table.schema, table.name)}: CREATE INDEX CONCURRENTLY ON P${body.slice(body.indexOf(' USING '))};`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(spec.name)} ON ONLY ${body};`,
    `-- then for each partition index: ALTER INDEX ${qualified(table.schema, spec.name)} ATTACH PARTITION <partition index>;`,
  ];
}

