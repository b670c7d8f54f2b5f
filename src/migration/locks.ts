// The table lock a statement takes and whether it rewrites the table, read from its parse tree (the lock
// levels of the PostgreSQL documentation, "Explicit Locking" and each command's page).
import type { StmtNode } from './statements.ts';

/** PostgreSQL's table lock modes, weakest first. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** What one statement costs the tables it touches. */
export interface StatementLock {
  /** null: takes no lock that waits on or blocks the application (settings, function options) */
  mode: LockMode | null;
  /** 'yes': rewrites the table; 'maybe': depends on the types involved; 'no' */
  rewrites: 'yes' | 'maybe' | 'no';
  /** reads the whole table while holding the lock (validation, SET NOT NULL) */
  scans: boolean;
  /** false when the statement kind is not one this table knows */
  known: boolean;
}

export function strongest(a: LockMode | null, b: LockMode | null): LockMode | null {
  if (a === null) return b;
  if (b === null) return a;
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** What blocks what, in words a DBA reads at a glance. */
export function lockEffect(mode: LockMode | null): string {
  switch (mode) {
    case null:
      return 'no table lock';
    case 'ACCESS SHARE':
    case 'ROW SHARE':
    case 'ROW EXCLUSIVE':
      return 'blocks only DDL';
    case 'SHARE UPDATE EXCLUSIVE':
      return 'reads and writes go on';
    case 'SHARE':
    case 'SHARE ROW EXCLUSIVE':
    case 'EXCLUSIVE':
      return 'blocks writes';
    case 'ACCESS EXCLUSIVE':
      return 'blocks reads and writes';
  }
}

const none = (known = true): StatementLock => ({ mode: null, rewrites: 'no', scans: false, known });
const lock = (mode: LockMode, extra: Partial<StatementLock> = {}): StatementLock => ({ mode, rewrites: 'no', scans: false, known: true, ...extra });

// ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (the ALTER TABLE page lists them).
const SHARE_UPDATE_EXCLUSIVE_CMDS = new Set(['AT_ValidateConstraint', 'AT_SetStatistics', 'AT_ClusterOn', 'AT_DropCluster', 'AT_SetCompression']);
const SHARE_ROW_EXCLUSIVE_CMDS = new Set([
  'AT_EnableTrig',
  'AT_EnableAlwaysTrig',
  'AT_EnableReplicaTrig',
  'AT_DisableTrig',
  'AT_EnableTrigAll',
  'AT_DisableTrigAll',
  'AT_EnableTrigUser',
  'AT_DisableTrigUser',
]);
/** reloptions that ALTER TABLE … SET changes under SHARE UPDATE EXCLUSIVE */
const LIGHT_RELOPTION = /^(autovacuum_|toast\.autovacuum_|fillfactor$|toast_tuple_target$|parallel_workers$|vacuum_index_cleanup$|vacuum_truncate$|log_autovacuum_min_duration$|user_catalog_table$)/;
const REWRITING_CMDS = new Set(['AT_SetLogged', 'AT_SetUnLogged', 'AT_SetAccessMethod']);

function alterTableCmd(cmd: StmtNode): StatementLock {
  const sub = cmd.subtype as string;
  if (SHARE_UPDATE_EXCLUSIVE_CMDS.has(sub)) return lock('SHARE UPDATE EXCLUSIVE', { scans: sub === 'AT_ValidateConstraint' });
  if (SHARE_ROW_EXCLUSIVE_CMDS.has(sub)) return lock('SHARE ROW EXCLUSIVE');
  if (sub === 'AT_SetRelOptions' || sub === 'AT_ResetRelOptions') {
    const names: string[] = (cmd.def?.List?.items ?? []).map((i: StmtNode) => String(i.DefElem?.defname ?? ''));
    return names.length && names.every((n) => LIGHT_RELOPTION.test(n)) ? lock('SHARE UPDATE EXCLUSIVE') : lock('ACCESS EXCLUSIVE');
  }
  if (sub === 'AT_AddConstraint') {
    const c = cmd.def?.Constraint ?? {};
    if (c.contype === 'CONSTR_FOREIGN') return lock('SHARE ROW EXCLUSIVE', { scans: !c.skip_validation });
    // PRIMARY KEY / UNIQUE USING INDEX reuse a built index; CHECK … NOT VALID skips the scan
    const scans = !c.skip_validation && !c.indexname && c.contype !== 'CONSTR_NOTNULL';
    return lock('ACCESS EXCLUSIVE', { scans });
  }
  if (sub === 'AT_AttachPartition') return lock('SHARE UPDATE EXCLUSIVE', { scans: true });
  if (sub === 'AT_DetachPartition') return cmd.def?.PartitionCmd?.concurrent ? lock('SHARE UPDATE EXCLUSIVE') : lock('ACCESS EXCLUSIVE');
  if (sub === 'AT_AlterColumnType') return lock('ACCESS EXCLUSIVE', { rewrites: 'maybe' });
  if (sub === 'AT_SetNotNull') return lock('ACCESS EXCLUSIVE', { scans: true });
  if (sub === 'AT_AddColumn') {
    // a volatile default or a stored generated column fills every row
    const constraints: StmtNode[] = cmd.def?.ColumnDef?.constraints ?? [];
    const generated = constraints.some((k) => k.Constraint?.contype === 'CONSTR_GENERATED');
    const defaultCall = constraints.some((k) => k.Constraint?.contype === 'CONSTR_DEFAULT' && k.Constraint?.raw_expr?.FuncCall);
    return lock('ACCESS EXCLUSIVE', { rewrites: generated ? 'yes' : defaultCall ? 'maybe' : 'no' });
  }
  if (REWRITING_CMDS.has(sub)) return lock('ACCESS EXCLUSIVE', { rewrites: 'yes' });
  return lock('ACCESS EXCLUSIVE');
}

function combine(locks: StatementLock[]): StatementLock {
  const rank = { no: 0, maybe: 1, yes: 2 } as const;
  return locks.reduce<StatementLock>(
    (acc, l) => ({
      mode: strongest(acc.mode, l.mode),
      rewrites: rank[l.rewrites] > rank[acc.rewrites] ? l.rewrites : acc.rewrites,
      scans: acc.scans || l.scans,
      known: acc.known && l.known,
    }),
    none(),
  );
}

/** The lock one parsed statement takes on the table it changes. */
export function statementLock(node: StmtNode): StatementLock {
  const type = Object.keys(node)[0];
  const body: StmtNode = node[type] ?? {};
  switch (type) {
    case 'IndexStmt':
      return body.concurrent ? lock('SHARE UPDATE EXCLUSIVE', { scans: true }) : lock('SHARE', { scans: true });
    case 'ReindexStmt': {
      const concurrent = (body.params ?? []).some((p: StmtNode) => p.DefElem?.defname === 'concurrently');
      return concurrent ? lock('SHARE UPDATE EXCLUSIVE', { scans: true }) : lock('ACCESS EXCLUSIVE', { scans: true });
    }
    case 'DropStmt':
      if (body.removeType === 'OBJECT_INDEX' && body.concurrent) return lock('SHARE UPDATE EXCLUSIVE');
      if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE'].includes(body.removeType)) return none();
      return lock('ACCESS EXCLUSIVE');
    case 'AlterTableStmt':
      return combine((body.cmds ?? []).map((c: StmtNode) => alterTableCmd(c.AlterTableCmd ?? {})));
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
    case 'RenameStmt':
    case 'AlterObjectSchemaStmt':
    case 'AlterOwnerStmt':
    case 'TruncateStmt':
      return lock('ACCESS EXCLUSIVE');
    case 'CreateTrigStmt':
      return lock('SHARE ROW EXCLUSIVE');
    case 'VacuumStmt': {
      const full = (body.options ?? []).some((o: StmtNode) => o.DefElem?.defname === 'full');
      return full ? lock('ACCESS EXCLUSIVE', { rewrites: 'yes' }) : lock('SHARE UPDATE EXCLUSIVE', { scans: true });
    }
    case 'ClusterStmt':
      return lock('ACCESS EXCLUSIVE', { rewrites: 'yes' });
    case 'CommentStmt':
    case 'CreateStatsStmt':
      return lock('SHARE UPDATE EXCLUSIVE');
    case 'GrantStmt':
    case 'GrantRoleStmt':
    case 'AlterFunctionStmt':
    case 'AlterSystemStmt':
    case 'VariableSetStmt':
    case 'AlterRoleSetStmt':
    case 'AlterDatabaseSetStmt':
    case 'AlterRoleStmt':
    case 'SelectStmt':
    case 'CreateSchemaStmt':
    case 'CreateFunctionStmt':
    case 'CreateExtensionStmt':
    case 'AlterExtensionStmt':
    case 'AlterDefaultPrivilegesStmt':
    case 'CreateStmt':
    case 'AlterSeqStmt':
    case 'CreateSeqStmt':
      return none();
    default:
      return { ...none(false) };
  }
}

/** The strongest lock of several statements (a finding's `up`). */
export function combinedLock(nodes: StmtNode[]): StatementLock {
  return combine(nodes.map(statementLock));
}
