// The impact projection and the risk matrix as report blocks: numbers from impact.ts and risk-matrix.ts,
// with the model and its assumptions said where the numbers are estimates.
import { lockEffect } from '../migration/locks.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import type { ChartSpec } from './charts-spec.ts';
import { code, strong, type Block, type Text } from './doc.ts';
import { SIZE_BASIS_TEXT, type Projection, type SizeBasis } from './impact.ts';
import { checkTitle } from './playbook-section.ts';
import { DURATION_ASSUMPTIONS, riskGroups, type RiskRow } from './risk-matrix.ts';
import { formatBytes, formatBytesDelta, formatCount, formatDuration, formatPercent } from './units.ts';

const STATEMENTS_SHOWN = 20;

export function impactBlocks(p: Projection, migrationOk: boolean): Block[] {
  const out: Block[] = [];
  if (!migrationOk) {
    out.push({ t: 'para', text: 'No projection: the migration could not be built (see the rollout plan).' });
    return out;
  }
  const creates = p.creates.length;
  const drops = p.drops.length;
  out.push({ t: 'heading', level: 3, text: 'Indexes before and after', id: 'impact-indexes' });
  if (!creates && !drops) out.push({ t: 'para', text: 'The accepted migration creates and drops no index.' });
  if (p.before && p.after) {
    out.push({
      t: 'table',
      head: ['', 'Before', 'After', 'Change'],
      numeric: [false, true, true, true],
      rows: [
        ['Indexes', formatCount(p.before.indexes), formatCount(p.after.indexes), signed(p.after.indexes - p.before.indexes)],
        ['Index bytes', formatBytes(p.before.bytes), formatBytes(p.after.bytes), formatBytesDelta(p.after.bytes - p.before.bytes)],
      ],
    });
    out.push({
      t: 'para',
      text: `Before: the indexes of the ${formatCount(p.before.tables)} tables the snapshot lists (its index overview, largest first; sizes from the catalog's relpages).`,
    });
    out.push({ t: 'chart', chart: indexBytesChart(p) });
  } else {
    out.push({ t: 'para', text: 'The index overview did not run, so the totals before and after are unknown; the changes are:' });
  }
  const basisCounts = (list: Projection['creates']) => {
    const by = new Map<SizeBasis, number>();
    for (const c of list) by.set(c.basis, (by.get(c.basis) ?? 0) + 1);
    return [...by.entries()].map(([b, n]) => `${n} ${SIZE_BASIS_TEXT[b]}`).join('; ');
  };
  const bytesOf = (list: Projection['creates'], total: number) => {
    const unknown = list.filter((c) => c.basis === 'unknown').length;
    if (unknown === list.length && unknown) return 'size unknown';
    return `${formatBytes(total)}${unknown ? ` and ${unknown} of unknown size` : ''}`;
  };
  out.push({
    t: 'list',
    items: [
      `Added: ${creates} index${creates === 1 ? '' : 'es'}, ${bytesOf(p.creates, p.bytesAdded)}${creates ? ` (${basisCounts(p.creates)})` : ''}`,
      `Freed: ${drops} index${drops === 1 ? '' : 'es'}, ${bytesOf(p.drops, p.bytesFreed)}${drops ? ` (${basisCounts(p.drops)})` : ''}`,
      `Net: ${formatBytesDelta(p.bytesAdded - p.bytesFreed)}${p.unknownSizes ? `, not counting ${p.unknownSizes} index${p.unknownSizes === 1 ? '' : 'es'} of unknown size` : ''}`,
    ],
  });
  if (p.repeats.length) {
    out.push({
      t: 'para',
      text: [
        `${p.repeats.length} accepted statement${p.repeats.length === 1 ? ' creates an index' : 's create indexes'} that an earlier statement already creates (`,
        ...p.repeats.flatMap((r, i) => [...(i ? [', '] : []), code(r.index)]),
        '): with IF NOT EXISTS they do nothing, and they are counted once. Two checks proposed the same index; rejecting one of the findings gives the same migration.',
      ],
    });
  }
  const changes = [...p.creates.map((c) => ({ c, verb: 'create' })), ...p.drops.map((c) => ({ c, verb: 'drop' }))];
  if (changes.length) {
    const table: Block = {
      t: 'table',
      head: ['Change', 'Index', 'Table', 'Bytes', 'Size from'],
      numeric: [false, false, false, true, false],
      rows: changes.map(({ c, verb }) => [verb, [code(c.index)], c.table ? [code(c.table)] : '', c.bytes === null ? '?' : formatBytes(c.bytes), SIZE_BASIS_TEXT[c.basis]]),
    };
    out.push(changes.length > 12 ? { t: 'details', summary: `Every index the migration creates or drops (${changes.length})`, body: [table] } : table);
  }

  if (p.tables.length) {
    out.push({ t: 'heading', level: 3, text: 'Write overhead on the tables touched', id: 'impact-writes' });
    out.push({
      t: 'para',
      text: `Every insert, every delete and every update that is not HOT writes one entry into each index of its table (an update stays HOT, touching no index, only when no indexed column changes and the page has room): an added index is paid on every such write, a dropped one is saved. Writes count inserts, updates and deletes since the statistics were reset${p.statsDays !== null ? ` (${p.statsDays < 1 ? 'less than a day' : `${Math.round(p.statsDays)} days`} before the snapshot)` : ''}.`,
    });
    const table: Block = {
      t: 'table',
      head: ['Table', 'Indexes before', 'After', 'Writes', 'Writes a day', 'Index entries a day', 'Bytes'],
      numeric: [false, true, true, true, true, true, true],
      rows: p.tables.map((t) => {
        const after = t.indexesBefore === null ? null : t.indexesBefore + t.added - t.dropped;
        const delta = t.added - t.dropped;
        return [
          [code(t.table)],
          t.indexesBefore === null ? '?' : String(t.indexesBefore),
          after === null ? signed(delta) : `${after} (${signed(delta)})`,
          t.writes === null ? '?' : formatCount(t.writes),
          t.writesPerDay === null ? '?' : formatCount(Math.round(t.writesPerDay)),
          t.writesPerDay === null || !delta ? (delta ? '?' : '0') : signed(Math.round(t.writesPerDay * delta)),
          t.unknownBytes ? '?' : formatBytesDelta(t.bytesAdded - t.bytesFreed),
        ];
      }),
    };
    out.push(p.tables.length > 15 ? { t: 'details', summary: `${p.tables.length} tables`, body: [table] } : table);
  }

  out.push({ t: 'heading', level: 3, text: 'Statements: plan cost before and after', id: 'impact-statements' });
  if (!p.statements.length) {
    out.push({
      t: 'para',
      text: 'No statement-level projection: the snapshot holds no index proposal measured against a workload (pg_stat_statements on the inspected database, or a workload file given with --workload).',
    });
  } else {
    const shown = p.statements.slice(0, STATEMENTS_SHOWN);
    out.push({
      t: 'para',
      text:
        p.statementSource === 'alignment'
          ? "The top statements as the workload advisor aligned them with the indexes: the index each uses today, the one proposed, and the planner's cost before and after — planned with a hypothetical index (hypopg) or estimated from pg_stats and the cost model, as Basis says. The cost after is today's when the proposal was not accepted."
          : "The statements the accepted index proposals were measured on: the planner's cost before and after, planned with a hypothetical index (hypopg) or estimated, as Basis says and each proposal recorded it. The cost after is today's when the proposal was not accepted.",
    });
    out.push({
      t: 'table',
      head: ['Statement', 'Calls', 'Mean (ms)', p.statementSource === 'alignment' ? 'Index today' : 'Plan today', 'Proposed', 'Accepted', 'Basis', 'Cost before', 'Cost after', 'Change'],
      numeric: [false, true, true, false, false, false, false, true, true, true],
      rows: shown.map((st) => [
        [code(st.query)],
        st.calls === null ? '?' : formatCount(st.calls),
        st.meanMs === null ? '?' : String(st.meanMs),
        st.indexToday ?? '?',
        st.proposed ? [code(st.proposed)] : 'none',
        st.proposed ? (st.accepted ? 'yes' : 'no') : '',
        st.proposed ? BASIS[st.validated ?? ''] ?? '?' : '',
        st.costBefore === null ? '?' : String(st.costBefore),
        st.costAfter === null ? '?' : String(st.costAfter),
        st.costBefore && st.costAfter !== null ? formatPercent(st.costAfter / st.costBefore - 1) : '',
      ]),
    });
    if (p.statements.length > shown.length) out.push({ t: 'para', text: `Showing ${shown.length} of ${p.statements.length} statements.` });
    out.push({
      t: 'para',
      text: 'Costs are the planner’s estimate in its own units, not milliseconds: a lower cost is a cheaper plan, and the time saved follows roughly but not exactly. Verify with the statements’ mean time after phase 1.',
    });
  }
  return out;
}

/** How a proposal's cost after was found. */
const BASIS: Record<string, string> = { hypopg: 'planned (hypopg)', estimate: 'estimate' };

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function indexBytesChart(p: Projection): ChartSpec {
  const kept = p.before!.bytes - p.bytesFreed;
  return {
    id: 'chart-index-bytes',
    title: 'Index bytes before and after the migration',
    description: 'Index bytes of the listed tables: kept, freed by the drops, and added by the creates.',
    unit: 'bytes',
    rows: [
      { label: 'Before', series: 'Kept', value: kept },
      { label: 'Before', series: 'Freed by drops', value: p.bytesFreed },
      { label: 'After', series: 'Kept', value: kept },
      { label: 'After', series: 'Added by creates', value: p.bytesAdded },
    ],
    series: [
      { name: 'Kept', color: 'muted' },
      { name: 'Freed by drops', color: 'good' },
      { name: 'Added by creates', color: 'primary' },
    ],
  };
}

export function riskBlocks(s: Snapshot, rows: RiskRow[], migrationOk: boolean): Block[] {
  if (!migrationOk) return [{ t: 'para', text: 'No risk matrix: the migration could not be built (see the rollout plan).' }];
  if (!rows.length) return [{ t: 'para', text: 'No accepted statement changes the database.' }];
  const groups = riskGroups(rows);
  const out: Block[] = [
    {
      t: 'para',
      text: `${rows.length} statements in ${groups.length} groups of the same check, phase, lock and hold. The lock is the one the check states for its change where it states one, else the one the statement's parse tree shows (marked parsed in the full list).`,
    },
    {
      t: 'table',
      head: ['Change', 'Phase', 'Statements', 'Lock', 'Held for', 'Largest relation', 'Est. duration (total / longest)', 'Rewrites', 'Reversible', 'Watch'],
      numeric: [false, false, true, false, false, false, false, false, false, false],
      rows: groups.map((g) => [
        checkTitle(s, g.playbook, g.check),
        g.phase,
        String(g.rows.length),
        lockCell(g.lock),
        g.held,
        g.largest ? [code(g.largest.relation), ` ${formatBytes(g.largest.bytes)}`] : '?',
        g.totalMs === null ? 'unknown size' : `${formatDuration(g.totalMs)} / ${formatDuration(g.maxMs!)}${g.unknownDurations ? ` (+${g.unknownDurations} unknown)` : ''}`,
        g.rewrites,
        g.reversible === 'all' ? 'yes' : g.reversible === 'none' ? 'no' : 'some',
        g.watch,
      ]),
    },
    { t: 'para', text: strong('The duration model and its assumptions') },
    { t: 'list', items: DURATION_ASSUMPTIONS },
  ];
  const all: Block = {
    t: 'table',
    head: ['#', 'Phase', 'Statement', 'Lock', 'Held for', 'Relation', 'Size', 'Est. duration', 'Rewrites', 'Reversible'],
    numeric: [true, false, false, false, false, false, true, true, false, false],
    rows: rows.map((r) => [
      String(r.statement.n),
      r.statement.phase,
      [code(r.statement.sql.length > 90 ? r.statement.sql.slice(0, 89) + '…' : r.statement.sql)],
      r.lock === 'unknown' ? 'unknown' : `${r.lock ?? 'none'}${r.lockFrom === 'evidence' ? '' : ' (parsed)'}`,
      r.held,
      r.relation ? [code(r.relation)] : '',
      r.relationBytes === null ? '?' : formatBytes(r.relationBytes),
      r.estimateMs === null ? '?' : formatDuration(r.estimateMs),
      r.rewrites,
      r.reversible ? 'yes' : 'no',
    ]),
  };
  out.push({ t: 'details', summary: `Every accepted statement (${rows.length})`, body: [all] });
  return out;
}

function lockCell(lock: RiskRow['lock']): Text {
  if (lock === 'unknown') return 'unknown';
  return `${lock ?? 'none'} (${lockEffect(lock)})`;
}
