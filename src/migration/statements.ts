// A finding's `up`/`down` SQL, split into statements by the real Postgres parser (libpg-query) and sorted
// into the phases a lock-safe migration runs in.
import { loadModule, parseSync } from 'libpg-query';
import { scanTokens, type ScanToken } from './sql-scan.ts';

await loadModule();

/**
 * Phases in the order `up` runs them; see MIRROR for how `down` uses the same slots. Extensions (and the
 * schema they go into) come first: the concurrent index builds that follow may need their operator classes.
 */
export type Phase = 'extension' | 'concurrent-create' | 'change' | 'validate' | 'concurrent-drop' | 'maintenance';
export const PHASES: readonly Phase[] = ['extension', 'concurrent-create', 'change', 'validate', 'concurrent-drop', 'maintenance'];

export function isTransactional(phase: Phase): boolean {
  return phase === 'extension' || phase === 'change' || phase === 'validate';
}

/** A statement's parse tree node: `{ IndexStmt: {...} }` and so on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StmtNode = Record<string, any>;

export interface ParsedStatement {
  /** the statement's own text, without the trailing `;` and without surrounding comments */
  sql: string;
  node: StmtNode;
  phase: Phase;
}

/** SQL in a finding that cannot go into a migration; the message is one line. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

function nodeType(node: StmtNode): string {
  return Object.keys(node)[0];
}

/** The phase one statement belongs to, from its parse tree alone. */
export function phaseOf(node: StmtNode): Phase {
  const type = nodeType(node);
  const body = node[type] ?? {};
  switch (type) {
    case 'CreateExtensionStmt':
    case 'AlterExtensionStmt':
    case 'CreateSchemaStmt':
      return 'extension';
    case 'IndexStmt':
      return body.concurrent ? 'concurrent-create' : 'change';
    case 'ReindexStmt':
      return (body.params ?? []).some((p: StmtNode) => p.DefElem?.defname === 'concurrently') ? 'concurrent-create' : 'change';
    case 'DropStmt':
      if (body.removeType === 'OBJECT_EXTENSION' || body.removeType === 'OBJECT_SCHEMA') return 'extension';
      return body.concurrent ? 'concurrent-drop' : 'change';
    case 'AlterSystemStmt':
      return 'maintenance';
    case 'VacuumStmt':
      return body.is_vacuumcmd ? 'maintenance' : 'change';
    case 'AlterTableStmt': {
      const cmds: StmtNode[] = (body.cmds ?? []).map((c: StmtNode) => c.AlterTableCmd ?? {});
      if (cmds.some((c) => c.subtype === 'AT_DetachPartition' && c.def?.PartitionCmd?.concurrent)) return 'concurrent-drop';
      if (cmds.length > 0 && cmds.every((c) => c.subtype === 'AT_ValidateConstraint')) return 'validate';
      return 'change';
    }
    default:
      return 'change';
  }
}

function byteSlice(bytes: Buffer, start: number, end: number): string {
  return bytes.subarray(start, end).toString('utf8');
}

/**
 * CONCURRENTLY statements run outside a transaction, so a failure part way leaves the earlier ones done:
 * IF [NOT] EXISTS lets the part be run again. Returns the text with the clause inserted when missing.
 */
function makeRerunnable(sql: string, node: StmtNode): string {
  const idx = node.IndexStmt;
  const drop = node.DropStmt;
  const needed = idx?.concurrent && idx.idxname && !idx.if_not_exists ? ' IF NOT EXISTS' : drop?.concurrent && !drop.missing_ok ? ' IF EXISTS' : null;
  if (!needed) return sql;
  const bytes = Buffer.from(sql, 'utf8');
  const kw = scanTokens(sql).find((t) => t.keywordName !== 'NO_KEYWORD' && t.text.toUpperCase() === 'CONCURRENTLY');
  if (!kw) return sql;
  return byteSlice(bytes, 0, kw.end) + needed + byteSlice(bytes, kw.end, bytes.length);
}

/** Splits SQL into statements with the Postgres parser; throws MigrationError naming `label` when it does not parse. */
export function splitStatements(sql: string, label: string): ParsedStatement[] {
  let tree;
  let tokens: ScanToken[];
  try {
    tree = parseSync(sql);
    tokens = scanTokens(sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new MigrationError(`${label} does not parse: ${message.split('\n')[0]}`);
  }
  // stmt_location/stmt_len are byte offsets into the UTF-8 text (verified with multi-byte identifiers).
  const bytes = Buffer.from(sql, 'utf8');
  const out: ParsedStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    const from = raw.stmt_location ?? 0;
    const to = raw.stmt_len ? from + raw.stmt_len : bytes.length;
    const inside = tokens.filter((t) => t.start >= from && t.end <= to && !COMMENT_TOKENS.has(t.tokenName) && t.text !== ';');
    if (!inside.length || !raw.stmt) continue;
    const node = raw.stmt as StmtNode;
    if (nodeType(node) === 'TransactionStmt') {
      throw new MigrationError(`${label} manages transactions itself (${inside[0].text.toUpperCase()}); the migration decides where transactions go`);
    }
    const text = byteSlice(bytes, inside[0].start, inside[inside.length - 1].end);
    const phase = phaseOf(node);
    out.push({ sql: phase === 'concurrent-create' || phase === 'concurrent-drop' ? makeRerunnable(text, node) : text, node, phase });
  }
  return out;
}

/**
 * The phases of one finding's statements. A SELECT that follows ALTER SYSTEM or VACUUM in the same finding
 * (`SELECT pg_reload_conf()`) stays with it, outside the transaction, instead of running before it.
 */
export function assignPhases(stmts: ParsedStatement[], direction: 'up' | 'down'): ParsedStatement[] {
  let afterMaintenance = false;
  return stmts.map((s) => {
    let phase = s.phase;
    if (phase === 'maintenance') afterMaintenance = true;
    else if (afterMaintenance && nodeType(s.node) === 'SelectStmt') phase = 'maintenance';
    // a rollback's VALIDATE belongs with the change that precedes it
    if (direction === 'down' && phase === 'validate') phase = 'change';
    return { ...s, phase };
  });
}
