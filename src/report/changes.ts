// The migration's statements with what each does to the schema: which index it creates or drops, on which
// table, for which finding. The impact projection and the risk matrix are both read off this list, so
// their counts are the migration's own.
import type { Migration } from '../migration/build.ts';
import { CREATION_MARK } from '../migration/creation-mark.ts';
import { splitStatements, type Phase, type StmtNode } from '../migration/statements.ts';
import { targetTable } from '../playbooks/findings.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { statementRelation } from '../findings/risk.ts';

type Finding = Snapshot['findings'][number];

export interface IndexName {
  schema: string | null;
  name: string;
}

/** `schema.name` for reading (not for SQL: the parts are not quoted). */
export function indexLabel(i: IndexName): string {
  return i.schema ? `${i.schema}.${i.name}` : i.name;
}

export interface AppliedStatement {
  /** 1-based position in the migration's `up` */
  n: number;
  phase: Phase;
  /** index of the migration part it runs in */
  part: number;
  finding: Finding;
  sql: string;
  /** null when the statement does not parse on its own (it did as part of the migration) */
  node: StmtNode | null;
  /** `mark`: the comment a migration puts on each index it creates (CREATION_MARK), not a change of the finding's own */
  kind: 'create-index' | 'drop-index' | 'mark' | 'other';
  /** the indexes created or dropped (schema null when the statement does not name it) */
  indexes: IndexName[];
  /** the table it changes */
  relation: string | null;
}

function nodeOf(sql: string): StmtNode | null {
  try {
    return splitStatements(sql, 'statement')[0]?.node ?? null;
  } catch {
    return null;
  }
}

function indexName(parts: unknown): IndexName | null {
  const names = (Array.isArray(parts) ? parts : []).map((p: StmtNode) => p?.String?.sval).filter((x): x is string => typeof x === 'string');
  if (!names.length) return null;
  return { schema: names.length > 1 ? names[names.length - 2] : null, name: names[names.length - 1] };
}

export function appliedStatements(s: Snapshot, m: Migration): AppliedStatement[] {
  const byId = new Map(s.findings.map((f) => [f.id, f]));
  const out: AppliedStatement[] = [];
  m.parts.forEach((part, i) => {
    for (const st of part.statements) {
      const finding = byId.get(st.findingId);
      if (!finding) continue;
      const node = nodeOf(st.sql);
      const type = node ? Object.keys(node)[0] : '';
      const body = node?.[type] ?? {};
      let kind: AppliedStatement['kind'] = 'other';
      let indexes: IndexName[] = [];
      let relation: string | null = node ? statementRelation(node) : null;
      if (type === 'IndexStmt') {
        kind = 'create-index';
        const rel = body.relation ?? {};
        indexes = [{ schema: rel.schemaname ?? null, name: body.idxname ? String(body.idxname) : '(unnamed)' }];
      } else if (type === 'DropStmt' && body.removeType === 'OBJECT_INDEX') {
        kind = 'drop-index';
        indexes = (body.objects ?? []).map((o: StmtNode) => indexName(o?.List?.items)).filter((x: IndexName | null): x is IndexName => x !== null);
        relation = targetTable(finding.target);
      } else if (type === 'CommentStmt' && body.objtype === 'OBJECT_INDEX' && String(body.comment ?? '').startsWith(CREATION_MARK)) {
        kind = 'mark';
      }
      out.push({ n: out.length + 1, phase: part.phase, part: i, finding, sql: st.sql, node, kind, indexes, relation: relation ?? targetTable(finding.target) });
    }
  });
  return out;
}
