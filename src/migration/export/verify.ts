// Checks that fail loudly (division by zero) when a deployed statement's effect is not in the database: the
// body of sqitch verify scripts. Built from each statement's parse tree; names are re-quoted here.
import { qualifiedName, quoteLiteral } from '../quote.ts';
import { splitStatements, type StmtNode } from '../statements.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function regclass(schema: string | undefined, name: string): string {
  return `to_regclass(${quoteLiteral(qualifiedName(schema, name))})`;
}

function rangeVar(rv: Any): string {
  return regclass(rv?.schemaname, rv?.relname ?? '');
}

const present = (from: string) => `SELECT 1/COUNT(*) FROM ${from};`;
const absent = (from: string) => `SELECT 1/(COUNT(*) = 0)::int FROM ${from};`;

/** A name list from a DropStmt object (`[schema, name]` or `[name]`, strings). */
function names(obj: Any): string[] {
  return (obj?.List?.items ?? []).map((i: Any) => i.String?.sval ?? '');
}

function relOptionValue(arg: Any): string | null {
  if (!arg) return 'true';
  if (arg.Float) return arg.Float.fval;
  if (arg.Integer) return String(arg.Integer.ival ?? 0);
  if (arg.String) return arg.String.sval;
  if (arg.Boolean) return arg.Boolean.boolval ? 'true' : 'false';
  if (arg.TypeName) return (arg.TypeName.names ?? []).map((n: Any) => n.String?.sval).join('.');
  return null;
}

function alterTableChecks(stmt: Any): string[] {
  const rel = rangeVar(stmt.relation);
  const cls = `pg_catalog.pg_class WHERE oid = ${rel}`;
  const out: string[] = [];
  for (const { AlterTableCmd: c } of stmt.cmds ?? []) {
    const con = (name: string) => `pg_catalog.pg_constraint WHERE conrelid = ${rel} AND conname = ${quoteLiteral(name)}`;
    switch (c?.subtype) {
      case 'AT_AddConstraint':
        if (c.def?.Constraint?.conname) out.push(present(con(c.def.Constraint.conname)));
        else out.push(present(cls));
        break;
      case 'AT_ValidateConstraint':
        out.push(present(`${con(c.name)} AND convalidated`));
        break;
      case 'AT_DropConstraint':
        out.push(absent(con(c.name)));
        break;
      case 'AT_EnableRowSecurity':
        out.push(present(`${cls} AND relrowsecurity`));
        break;
      case 'AT_DisableRowSecurity':
        out.push(present(`${cls} AND NOT relrowsecurity`));
        break;
      case 'AT_ForceRowSecurity':
        out.push(present(`${cls} AND relforcerowsecurity`));
        break;
      case 'AT_NoForceRowSecurity':
        out.push(present(`${cls} AND NOT relforcerowsecurity`));
        break;
      case 'AT_SetRelOptions':
        for (const { DefElem: d } of c.def?.List?.items ?? []) {
          const value = relOptionValue(d?.arg);
          // toast.* options live on the TOAST table; checking the table's existence is all we claim there
          if (d?.defnamespace || value === null) out.push(present(cls));
          else out.push(present(`${cls} AND reloptions @> ARRAY[${quoteLiteral(`${d.defname}=${value}`)}]`));
        }
        break;
      case 'AT_ResetRelOptions':
        for (const { DefElem: d } of c.def?.List?.items ?? []) {
          out.push(present(`${cls} AND NOT EXISTS (SELECT FROM unnest(reloptions) o WHERE split_part(o, '=', 1) = ${quoteLiteral(d?.defname ?? '')})`));
        }
        break;
      default:
        out.push(`-- ${c?.subtype ?? 'this change'}: only checks that the table is there`, present(cls));
    }
  }
  return out;
}

function checksFor(node: StmtNode): string[] {
  const [type] = Object.keys(node);
  const s: Any = node[type];
  switch (type) {
    case 'IndexStmt':
      if (!s.idxname) return [present(`pg_catalog.pg_class WHERE oid = ${rangeVar(s.relation)}`)];
      // an index left INVALID by a failed concurrent build does not count
      return [present(`pg_catalog.pg_index WHERE indexrelid = ${regclass(s.relation?.schemaname, s.idxname)} AND indisvalid`)];
    case 'DropStmt':
      if (s.removeType === 'OBJECT_INDEX' || s.removeType === 'OBJECT_TABLE' || s.removeType === 'OBJECT_VIEW') {
        return (s.objects ?? []).map((o: Any) => {
          const n = names(o);
          return absent(`pg_catalog.pg_class WHERE oid = ${regclass(n.length > 1 ? n[n.length - 2] : undefined, n[n.length - 1])}`);
        });
      }
      if (s.removeType === 'OBJECT_POLICY') {
        return (s.objects ?? []).map((o: Any) => {
          const n = names(o);
          const policy = n[n.length - 1];
          const table = regclass(n.length > 2 ? n[n.length - 3] : undefined, n[n.length - 2]);
          return absent(`pg_catalog.pg_policy WHERE polrelid = ${table} AND polname = ${quoteLiteral(policy)}`);
        });
      }
      if (s.removeType === 'OBJECT_EXTENSION') {
        return (s.objects ?? []).map((o: Any) => absent(`pg_catalog.pg_extension WHERE extname = ${quoteLiteral(o.String?.sval ?? '')}`));
      }
      if (s.removeType === 'OBJECT_SCHEMA') {
        return (s.objects ?? []).map((o: Any) => absent(`pg_catalog.pg_namespace WHERE nspname = ${quoteLiteral(o.String?.sval ?? '')}`));
      }
      return [`-- DROP ${String(s.removeType).replace('OBJECT_', '')}: no automatic check`];
    case 'CreateExtensionStmt':
      return [present(`pg_catalog.pg_extension WHERE extname = ${quoteLiteral(s.extname ?? '')}`)];
    case 'CreateSchemaStmt':
      return [present(`pg_catalog.pg_namespace WHERE nspname = ${quoteLiteral(s.schemaname ?? '')}`)];
    case 'CommentStmt': {
      if (s.objtype !== 'OBJECT_INDEX') return ['-- COMMENT: no automatic check'];
      const n = names(s.object);
      const index = regclass(n.length > 1 ? n[n.length - 2] : undefined, n[n.length - 1]);
      return [present(`pg_catalog.pg_description WHERE objoid = ${index} AND classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND description = ${quoteLiteral(s.comment ?? '')}`)];
    }
    case 'AlterTableStmt':
      return alterTableChecks(s);
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return [present(`pg_catalog.pg_policy WHERE polrelid = ${rangeVar(s.table)} AND polname = ${quoteLiteral(s.policy_name)}`)];
    case 'ReindexStmt':
      if (s.kind === 'REINDEX_OBJECT_INDEX') return [present(`pg_catalog.pg_index WHERE indexrelid = ${rangeVar(s.relation)} AND indisvalid`)];
      return ['-- REINDEX: nothing lasting to check'];
    case 'AlterSystemStmt': {
      const set = s.setstmt ?? {};
      const row = `pg_catalog.pg_file_settings WHERE name = ${quoteLiteral(set.name ?? '')} AND sourcefile LIKE '%postgresql.auto.conf'`;
      return [set.kind === 'VAR_RESET' || set.kind === 'VAR_RESET_ALL' ? absent(row) : present(row)];
    }
    case 'VacuumStmt':
    case 'SelectStmt':
      return [`-- ${type === 'VacuumStmt' ? 'VACUUM' : 'SELECT'}: nothing lasting to check`];
    default:
      return [`-- ${type}: no automatic check`];
  }
}

/** Verify statements for the given deployed SQL statements, in order. */
export function verifyChecks(sqls: string[]): string[] {
  return sqls.flatMap((sql) => splitStatements(sql, 'verified statement').flatMap((p) => checksFor(p.node)));
}
