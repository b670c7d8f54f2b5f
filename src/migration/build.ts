// Accepted findings → a lock-safe migration with its rollback. Deterministic: the output depends on the
// snapshot alone (findings sorted by id, no clock).
import type { Finding } from '../playbooks/types.ts';
import { targetTable } from '../playbooks/findings.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { findConflicts, MigrationConflictError } from './conflicts.ts';
import { renderMigrationText } from './render.ts';
import { creationComment } from './creation-mark.ts';
import { quoteIdent, quoteLiteral } from './quote.ts';
import { assignPhases, isTransactional, MigrationError, PHASES, splitStatements, type ParsedStatement, type Phase } from './statements.ts';

export { findConflicts, MigrationConflictError, MigrationError };
export type { Phase };

export interface MigrationStatement {
  findingId: string;
  title: string;
  sql: string;
}

export interface MigrationPart {
  phase: Phase;
  transactional: boolean;
  statements: MigrationStatement[];
}

/**
 * One finding's share of one slot: the `up` statements it runs in that phase, and the `down` statements that
 * undo them (a slot's down runs in the mirrored phase: the rollback of a concurrent drop is a concurrent
 * create). Exporters that pair an up file with a down file per version are built from steps.
 */
export interface MigrationStep {
  slot: Phase;
  transactional: boolean;
  findingId: string;
  title: string;
  up: MigrationStatement[];
  down: MigrationStatement[];
}

export interface FindingRef {
  id: string;
  title: string;
}

export interface Migration {
  name: string;
  snapshot: { takenAt: string; database: string; product: string; version: string; toolVersion: string };
  /** accepted findings with SQL, in migration order */
  applied: FindingRef[];
  /** accepted findings without SQL */
  advice: FindingRef[];
  /** applied findings whose `down` is null: the rollback cannot undo them */
  irreversible: FindingRef[];
  steps: MigrationStep[];
  /** `up`, in order */
  parts: MigrationPart[];
  /** the rollback, in order */
  downParts: MigrationPart[];
  up: string;
  down: string;
}

/**
 * The phase whose statements undo a slot's `up`, and (the map is its own inverse) the slot a rollback
 * statement goes to. A rollback has no validations of its own: they are undone with the change that added them.
 */
export const MIRROR: Record<Phase, Phase> = {
  extension: 'extension',
  'concurrent-create': 'concurrent-drop',
  change: 'change',
  validate: 'change',
  'concurrent-drop': 'concurrent-create',
  maintenance: 'maintenance',
};

export function acceptedFindings(snapshot: Snapshot): Finding[] {
  const seen = new Set<string>();
  for (const f of snapshot.findings) {
    if (seen.has(f.id)) throw new MigrationError(`snapshot lists finding ${JSON.stringify(f.id)} twice`);
    seen.add(f.id);
  }
  return snapshot.findings
    .filter((f) => snapshot.decisions[f.id]?.state === 'accepted')
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function buildMigration(snapshot: Snapshot, opts: { name: string }): Migration {
  const name = opts.name.trim();
  if (!name) throw new MigrationError('a migration needs a name');
  const conflicts = findConflicts(snapshot);
  if (conflicts.length) throw new MigrationConflictError(conflicts);

  const accepted = acceptedFindings(snapshot);
  const applied: FindingRef[] = [];
  const advice: FindingRef[] = [];
  const irreversible: FindingRef[] = [];
  const steps: MigrationStep[] = [];

  for (const f of accepted) {
    const ref = { id: f.id, title: f.title };
    const statements = f.up === null ? [] : assignPhases(splitStatements(f.up, `finding ${f.id}: up`), 'up');
    const up = [...statements, ...creationMarks(statements, f.id, snapshot.takenAt)];
    if (!up.length) {
      advice.push(ref);
      continue;
    }
    applied.push(ref);
    const down = f.down === null ? [] : assignPhases(splitStatements(f.down, `finding ${f.id}: down`), 'down');
    if (!down.length) irreversible.push(ref);
    for (const slot of PHASES) {
      const stmt = (sql: string) => ({ findingId: f.id, title: f.title, sql });
      const upHere = up.filter((s) => s.phase === slot).map((s) => stmt(s.sql));
      const downHere = down.filter((s) => MIRROR[s.phase] === slot).map((s) => stmt(s.sql));
      if (upHere.length || downHere.length) {
        steps.push({ slot, transactional: isTransactional(slot), findingId: f.id, title: f.title, up: upHere, down: downHere });
      }
    }
  }
  // steps were pushed finding by finding; the migration runs slot by slot, findings in id order within a slot
  steps.sort((a, b) => PHASES.indexOf(a.slot) - PHASES.indexOf(b.slot));

  // Transactional changes run one table at a time (seed 000's rollout: RLS table by table, each its own
  // transaction), so a failure or a lock wait on one table leaves the others applied or untouched whole.
  const tableOf = new Map(accepted.map((f) => [f.id, targetTable(f.target)]));
  const groups = (inSlot: MigrationStep[], slot: Phase): MigrationStep[][] => {
    if (!isTransactional(slot) || slot === 'extension') return [inSlot];
    const byTable = new Map<string, MigrationStep[]>();
    for (const st of inSlot) {
      const t = tableOf.get(st.findingId) ?? '';
      byTable.set(t, [...(byTable.get(t) ?? []), st]);
    }
    return [...byTable.keys()].sort().map((t) => byTable.get(t)!);
  };
  const parts: MigrationPart[] = [];
  const downParts: MigrationPart[] = [];
  for (const slot of PHASES) {
    for (const group of groups(steps.filter((s) => s.slot === slot), slot)) {
      const upStmts = slot === 'extension' ? once(group.flatMap((s) => s.up)) : group.flatMap((s) => s.up);
      if (upStmts.length) parts.push({ phase: slot, transactional: isTransactional(slot), statements: upStmts });
    }
  }
  for (const slot of [...PHASES].reverse()) {
    for (const group of groups(steps.filter((s) => s.slot === slot), slot).reverse()) {
      const downStmts = slot === 'extension' ? once([...group].reverse().flatMap((s) => s.down)) : [...group].reverse().flatMap((s) => s.down);
      if (downStmts.length) downParts.push({ phase: MIRROR[slot], transactional: isTransactional(slot), statements: downStmts });
    }
  }

  const migration: Migration = {
    name,
    snapshot: {
      takenAt: snapshot.takenAt,
      database: snapshot.server.database,
      product: snapshot.server.product,
      version: snapshot.server.version,
      toolVersion: snapshot.tool.version,
    },
    applied,
    advice,
    irreversible,
    steps,
    parts,
    downParts,
    up: '',
    down: '',
  };
  migration.up = renderMigrationText(migration, 'up');
  migration.down = renderMigrationText(migration, 'down');
  return migration;
}

/**
 * A comment on every index a finding creates, naming the finding and the snapshot: the drop checks leave an
 * index pgadvisor created alone until it has had as long to be used as they require of any index (the
 * snapshot's time is a lower bound of its creation). Deterministic: the text comes from the snapshot.
 */
function creationMarks(statements: ParsedStatement[], findingId: string, takenAt: string): ParsedStatement[] {
  const out: ParsedStatement[] = [];
  for (const s of statements) {
    const idx = s.node.IndexStmt;
    if (!idx?.idxname) continue;
    const schema = idx.relation?.schemaname;
    const name = schema ? `${quoteIdent(schema)}.${quoteIdent(idx.idxname)}` : quoteIdent(idx.idxname);
    const sql = `COMMENT ON INDEX ${name} IS ${quoteLiteral(creationComment(findingId, takenAt))}`;
    out.push({ sql, node: { CommentStmt: {} }, phase: s.phase === 'extension' ? 'extension' : 'change' });
  }
  return out;
}

/** The same statement from several findings (CREATE EXTENSION IF NOT EXISTS …) runs once, under the first. */
function once(stmts: MigrationStatement[]): MigrationStatement[] {
  const seen = new Set<string>();
  return stmts.filter((s) => !seen.has(s.sql) && Boolean(seen.add(s.sql)));
}
