// The rollout plan: the migration's parts as phases, each with when to run it, how long it should take,
// what to verify before the next one, and its own rollback; then what the rollback cannot undo.
import { buildMigration, MigrationConflictError, MigrationError, type Migration, type MigrationStep } from '../migration/build.ts';
import { quoteLiteral } from '../migration/quote.ts';
import type { Phase } from '../migration/statements.ts';
import { snapshotBaseName } from '../snapshot/io.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { code, strong, type Block, type Text } from './doc.ts';
import type { RiskRow } from './risk-matrix.ts';
import { formatDuration } from './units.ts';

interface PhaseText {
  title: string;
  how: string;
  when: string;
  verify: (p: PhaseFacts) => Block[];
}

interface PhaseFacts {
  steps: MigrationStep[];
  rows: RiskRow[];
  created: string[];
  dropped: string[];
  settings: string[];
  extensions: string[];
}

const LIST_UNFOLDED = 6;

const checkInvalid: Block = {
  t: 'code',
  lang: 'sql',
  text: 'SELECT indexrelid::regclass AS index, indrelid::regclass AS "table"\n  FROM pg_index\n WHERE NOT indisvalid;',
};

const lockWaits: Block = {
  t: 'code',
  lang: 'sql',
  text: "SELECT pid, wait_event_type, wait_event, now() - query_start AS waiting, left(query, 80) AS query\n  FROM pg_stat_activity\n WHERE wait_event_type = 'Lock';",
};

function indexStats(names: string[]): Block {
  return {
    t: 'code',
    lang: 'sql',
    text:
      'SELECT schemaname, relname, indexrelname, idx_scan, pg_size_pretty(pg_relation_size(indexrelid)) AS size\n' +
      `  FROM pg_stat_user_indexes\n WHERE indexrelname IN (${names.map(quoteLiteral).join(', ')})\n ORDER BY idx_scan;`,
  };
}

/** The report's phases, in the order the migration runs its parts. */
const PHASE_TEXT: [Phase[], PhaseText][] = [
  [
    ['extension'],
    {
      title: 'Extensions the indexes need',
      how: 'Runs in one transaction before the index builds: CREATE EXTENSION IF NOT EXISTS (and the schema it goes into), which the operator classes of the indexes below need. It changes no table.',
      when: 'Any time before the index builds; it needs the privilege to create the extension (superuser, or a trusted extension and CREATE on the database).',
      verify: (p) => [
        { t: 'list', checklist: true, items: ['The extensions exist, in the schema the migration names:'] },
        {
          t: 'code',
          lang: 'sql',
          text: `SELECT e.extname, e.extversion, n.nspname AS schema\n  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace\n${p.extensions.length ? ` WHERE e.extname IN (${p.extensions.map(quoteLiteral).join(', ')})\n` : ''} ORDER BY e.extname;`,
        },
      ],
    },
  ],
  [
    ['concurrent-create'],
    {
      title: 'Non-blocking index creates',
      how: 'Runs outside a transaction with CREATE INDEX CONCURRENTLY and a lock_timeout: reads and writes continue while the indexes build. Each statement is re-runnable (IF NOT EXISTS); an interrupted build leaves an invalid index to drop and retry.',
      when: 'Any time, preferably outside the busiest hours: each build reads its whole table and competes for I/O, and it waits for transactions that were already running when it started.',
      verify: (p) => [
        { t: 'list', checklist: true, items: ['No index is left invalid (an interrupted build):'] },
        checkInvalid,
        ...(p.created.length
          ? [
              { t: 'list', checklist: true, items: [['The new indexes exist and, within a day of normal traffic, show a rising ', code('idx_scan'), ':']] } as Block,
              indexStats(p.created),
            ]
          : []),
      ],
    },
  ],
  [
    ['change', 'validate'],
    {
      title: 'Transactional changes',
      how: 'Runs one table at a time, each in its own transaction with SET LOCAL lock_timeout: all or nothing per table, and it gives up rather than queue behind a long lock. New constraints are added NOT VALID and validated afterwards, which only takes a light lock.',
      when: 'A quiet moment: most of these statements need an ACCESS EXCLUSIVE lock for an instant, and while one waits for it every later query on the table queues behind it (lock_timeout caps that wait). Re-run a part that gave up.',
      verify: () => [
        { t: 'list', checklist: true, items: ['No session waited on a lock while the part ran:'] },
        lockWaits,
        { t: 'list', checklist: true, items: ['The application shows no new errors (permission, constraint) on the tables changed.'] },
      ],
    },
  ],
  [
    ['concurrent-drop'],
    {
      title: 'Drops after a monitoring window',
      how: 'Runs outside a transaction with DROP INDEX CONCURRENTLY: a dropped index takes as long to rebuild as it took to create, so the drops come last.',
      when: 'After a full business cycle (a week, including any month-end jobs) with the phases above verified.',
      verify: (p) => [
        {
          t: 'list',
          checklist: true,
          items: ['The statements the dropped indexes served keep their plans: their mean time in pg_stat_statements does not rise.'],
        },
        ...(p.dropped.length ? [{ t: 'list', checklist: true, items: ['The dropped indexes are gone (no rows):'] } as Block, indexStats(p.dropped)] : []),
      ],
    },
  ],
  [
    ['maintenance'],
    {
      title: 'Settings and maintenance',
      how: 'Server settings and vacuum runs, outside a transaction. ALTER SYSTEM needs a reload (SELECT pg_reload_conf()) and some settings a restart.',
      when: 'Settings that need a restart: in a maintenance window. The others: any time, then reload.',
      verify: (p) => [
        { t: 'list', checklist: true, items: ['The settings have their new values and none waits for a restart:'] },
        {
          t: 'code',
          lang: 'sql',
          text: `SELECT name, setting, unit, pending_restart\n  FROM pg_settings\n${p.settings.length ? ` WHERE name IN (${p.settings.map(quoteLiteral).join(', ')})\n` : ' WHERE pending_restart\n'} ORDER BY name;`,
        },
      ],
    },
  ],
];

export type MigrationOutcome = { ok: true; migration: Migration } | { ok: false; problem: string };

export function migrationFor(s: Snapshot): MigrationOutcome {
  try {
    return { ok: true, migration: buildMigration(s, { name: snapshotBaseName(s) }) };
  } catch (err) {
    if (err instanceof MigrationConflictError || err instanceof MigrationError) return { ok: false, problem: err.message };
    throw err;
  }
}

function settingNames(rows: RiskRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) {
    const name = r.statement.node?.AlterSystemStmt?.setstmt?.name;
    if (typeof name === 'string') names.add(name);
  }
  return [...names].sort();
}

export function rolloutBlocks(s: Snapshot, outcome: MigrationOutcome, risks: RiskRow[]): Block[] {
  const byId = new Map(s.findings.map((f) => [f.id, f]));
  const checkOf = (id: string) => {
    const f = byId.get(id);
    return f ? `${f.playbook}/${f.check}` : '';
  };
  const titles = (key: string) => {
    const [pb, check] = key.split('/');
    return s.playbooks.find((p) => p.id === pb)?.runs.find((r) => r.cell === check)?.title ?? check ?? key;
  };
  if (!outcome.ok) {
    return [{ t: 'para', text: ['No migration can be built from the accepted set: ', outcome.problem, '. Resolve this (reject one side of each conflict) and write the report again.'] }];
  }
  const m = outcome.migration;
  const out: Block[] = [];
  if (!m.applied.length) out.push({ t: 'para', text: 'No accepted recommendation changes the database.' });
  if (!m.applied.length && !m.advice.length) return out;
  if (m.applied.length) {
    out.push({
      t: 'para',
      text: [
        'The migration file written with the snapshot runs these phases in order (apply it with ',
        code('psql -X -v ON_ERROR_STOP=1 -f FILE'),
        ', not --single-transaction). Verify each phase before the next; each has its own rollback.',
      ],
    });
  }
  PHASE_TEXT.forEach(([phases, text], i) => {
    const steps = m.steps.filter((st) => phases.includes(st.slot));
    // phases 1-3 keep their numbers so reports compare; extensions (phase 0) and settings appear only when used
    if (!steps.length && (phases.includes('maintenance') || phases.includes('extension'))) return;
    out.push({ t: 'heading', level: 3, text: `Phase ${i}: ${text.title}`, id: `rollout-${i}` });
    if (!steps.length) {
      out.push({ t: 'para', text: 'Nothing in this phase.' });
      return;
    }
    const rows = risks.filter((r) => phases.includes(r.statement.phase));
    const facts: PhaseFacts = {
      steps,
      rows,
      // pg_stat_user_indexes.indexrelname holds the name alone, without its schema
      created: [...new Set(rows.filter((r) => r.statement.kind === 'create-index').flatMap((r) => r.statement.indexes.map((i) => i.name)))].sort(),
      dropped: [...new Set(rows.filter((r) => r.statement.kind === 'drop-index').flatMap((r) => r.statement.indexes.map((i) => i.name)))].sort(),
      settings: settingNames(rows),
      extensions: [...new Set(rows.map((r) => r.statement.node?.CreateExtensionStmt?.extname).filter((n): n is string => typeof n === 'string'))].sort(),
    };
    const known = rows.filter((r) => r.estimateMs !== null);
    const total = known.reduce((a, r) => a + r.estimateMs!, 0);
    const unknown = rows.length - known.length;
    out.push({
      t: 'fields',
      rows: [
        ['What it does', text.how],
        ['When to run it', text.when],
        ['Statements', `${rows.length} for ${new Set(steps.map((s) => s.findingId)).size} findings`],
        [
          'Estimated duration',
          `${formatDuration(total)} of work${unknown ? ` plus ${unknown} statement${unknown === 1 ? '' : 's'} on relations of unknown size` : ''}, not counting lock waits (see the risk matrix for the model)`,
        ],
      ],
    });
    out.push(...statementBlocks(steps, titles, checkOf));
    out.push({ t: 'para', text: strong(`Verify after phase ${i}`) }, ...text.verify(facts));
    out.push({ t: 'para', text: strong(`Rollback of phase ${i}`) }, ...phaseRollback(steps));
  });
  if (m.advice.length) {
    out.push({ t: 'heading', level: 3, text: 'Accepted advice (no SQL to run)' });
    const list: Block = { t: 'list', items: m.advice.map((f): Text => [f.title, ' (', code(f.id), ')']) };
    if (m.advice.length <= LIST_UNFOLDED * 4) out.push(list);
    else {
      // many: one fold per check, so the phases above stay in sight
      const byCheck = new Map<string, typeof m.advice>();
      for (const f of m.advice) byCheck.set(checkOf(f.id), [...(byCheck.get(checkOf(f.id)) ?? []), f]);
      for (const [check, fs] of byCheck) {
        out.push({ t: 'details', summary: `${titles(check)}: ${fs.length} accepted`, body: [{ t: 'list', items: fs.map((f): Text => [f.title, ' (', code(f.id), ')']) }] });
      }
    }
  }
  return out;
}

/**
 * Each finding's statements, in the order they run. A phase of many findings folds them, one fold per
 * check with its statements as one block: the migration file has them with a comment per finding.
 */
function statementBlocks(steps: MigrationStep[], titles: (check: string) => string, checkOf: (findingId: string) => string): Block[] {
  const sql = (list: MigrationStep[]) => list.flatMap((st) => st.up.map((u) => u.sql.replace(/;?\s*$/, ';'))).join('\n');
  if (steps.length <= LIST_UNFOLDED) return steps.flatMap((st): Block[] => [{ t: 'para', text: [st.title, ' (', code(st.findingId), ')'] }, { t: 'code', lang: 'sql', text: sql([st]) }]);
  const byCheck = new Map<string, MigrationStep[]>();
  for (const st of steps) {
    const c = checkOf(st.findingId);
    byCheck.set(c, [...(byCheck.get(c) ?? []), st]);
  }
  return [...byCheck.entries()].map(([check, list]): Block => ({
    t: 'details',
    summary: `${titles(check)}: the SQL of ${list.length} finding${list.length === 1 ? '' : 's'}`,
    body: [{ t: 'code', lang: 'sql', text: sql(list) }],
  }));
}

/** The statements that undo a phase, last applied first. */
function phaseRollback(steps: MigrationStep[]): Block[] {
  const down = [...steps].reverse().flatMap((st) => [...st.down]);
  const irreversible = steps.filter((st) => !st.down.length);
  const out: Block[] = [];
  if (down.length) {
    const sql: Block = { t: 'code', lang: 'sql', text: down.map((d) => d.sql.replace(/;?\s*$/, ';')).join('\n') };
    out.push(down.length > LIST_UNFOLDED * 2 ? { t: 'details', summary: `${down.length} rollback statements`, body: [sql] } : sql);
  }
  if (irreversible.length) {
    out.push({
      t: 'para',
      text: [strong('Not undone by the rollback'), ` (no down SQL; take a backup or plan the reversal by hand): ${irreversible.length} finding${irreversible.length === 1 ? '' : 's'}.`],
    });
    out.push({ t: 'list', items: irreversible.map((st): Text => [st.title, ' (', code(st.findingId), ')']) });
  }
  return out;
}

export function rollbackBlocks(outcome: MigrationOutcome): Block[] {
  if (!outcome.ok) return [{ t: 'para', text: 'No rollback: the migration could not be built (see the rollout plan above).' }];
  const m = outcome.migration;
  if (!m.applied.length) return [{ t: 'para', text: 'Nothing to roll back: no accepted recommendation changes the database.' }];
  const out: Block[] = [
    {
      t: 'para',
      text: [
        'Roll back the last phase applied first, with the rollback shown under each phase; the rollback file written with the snapshot (',
        code(`${m.name}.rollback.sql`),
        ') undoes the whole migration in that order. Indexes it recreates are rebuilt from the definitions captured in the snapshot, and take as long as they took to build.',
      ],
    },
  ];
  if (m.irreversible.length) {
    out.push({ t: 'para', text: [strong('Cannot be undone by the rollback'), ' (no down SQL): take a backup or plan the reversal by hand:'] });
    out.push({ t: 'list', items: m.irreversible.map((f): Text => [f.title, ' (', code(f.id), ')']) });
  }
  return out;
}
