// A finding's evidence as a DBA reads it: one key per row, numbers and short text beside the key, SQL and
// long text below it wrapped (SQL only between tokens), lists as bullets, nested objects indented. Never
// raw JSON.
import { line, sqlLines, wrapSegs, type Line } from './lines.ts';
import { cellText, displayWidth, printable } from './text.ts';

/** Keys whose text is SQL (wrapped by tokens, shown in the SQL colour). */
const SQL_KEY = /(^|_)(ddl|sql|command|definition|drop|keep|covered_by|covering|index|query|rewrite|suggested|alter_system|per_database|per_role|statement|up|down|create|using|check|expr|qual|with_check|policy)($|_)/;
const looksLikeSql = (v: string) => /^\s*(SELECT|WITH|CREATE|ALTER|DROP|UPDATE|INSERT|DELETE|VACUUM|ANALYZE|GRANT|REVOKE|SET|BEGIN|COMMENT|REINDEX|EXPLAIN)\b/i.test(v);

/** A key as words: `drop_bytes` → `drop bytes`. */
function label(key: string): string {
  return printable(key.replace(/_/g, ' '));
}

function scalar(v: unknown): v is string | number | boolean | null | undefined {
  return v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function evidenceLines(evidence: Record<string, unknown>, width: number, indent = '  '): Line[] {
  const out: Line[] = [];
  const keys = Object.keys(evidence);
  const keyWidth = Math.min(24, Math.max(0, ...keys.map((k) => displayWidth(label(k)))));
  for (const k of keys) out.push(...entry(k, evidence[k], width, indent, keyWidth));
  return out;
}

function entry(key: string, v: unknown, width: number, indent: string, keyWidth: number): Line[] {
  const name = label(key);
  const pad = ' '.repeat(Math.max(1, keyWidth - displayWidth(name) + 1));
  const head = [{ text: indent }, { text: name, dim: true }];
  if (scalar(v)) {
    const text = cellText(v);
    const sql = typeof v === 'string' && (SQL_KEY.test(key) || looksLikeSql(v));
    const multiline = typeof v === 'string' && v.includes('\n');
    if (!sql && !multiline && displayWidth(indent) + keyWidth + 1 + displayWidth(text) <= width) return [line([...head, { text: pad }, { text }])];
    if (sql) return [line(head), ...sqlLines(String(v), width, indent + '  ', { color: 'cyan' })];
    return [line(head), ...String(v).split('\n').flatMap((p) => wrapSegs([{ text: printable(p) }], width, indent + '  '))];
  }
  if (Array.isArray(v)) {
    if (!v.length) return [line([...head, { text: pad }, { text: 'none', dim: true }])];
    const inline = v.every((x) => scalar(x)) ? v.map((x) => cellText(x)).join(', ') : null;
    if (inline !== null && !inline.includes('\n') && displayWidth(indent) + keyWidth + 1 + displayWidth(inline) <= width) return [line([...head, { text: pad }, { text: inline }])];
    const out: Line[] = [line([...head, { text: ` (${v.length})`, dim: true }])];
    for (const x of v) {
      if (scalar(x)) {
        const t = String(x ?? '∅');
        if (typeof x === 'string' && (SQL_KEY.test(key) || looksLikeSql(t))) {
          const rows = sqlLines(t, width, indent + '    ', { color: 'cyan' });
          if (rows.length) rows[0] = { ...rows[0], segs: [{ text: indent + '  • ' }, ...rows[0].segs.slice(1)] };
          out.push(...rows);
        } else out.push(...wrapSegs([{ text: cellText(x) }], width, indent + '    ', indent + '  • '));
      } else if (typeof x === 'object') {
        out.push(line([{ text: indent + '  •' }]));
        out.push(...evidenceLines(x as Record<string, unknown>, width, indent + '    '));
      }
    }
    return out;
  }
  if (typeof v === 'object') {
    const inner = evidenceLines(v as Record<string, unknown>, width, indent + '  ');
    return [line(head), ...inner];
  }
  return [line([...head, { text: pad }, { text: cellText(v) }])];
}
