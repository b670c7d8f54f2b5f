import { normalizeLock } from './locks.ts';
import type { Cell, Finding, Row, Severity } from './types.ts';
import { SEVERITIES } from './types.ts';

/** Turns check rows into findings; a row that breaks the contract is an error of its cell. */
export function toFindings(playbook: string, cell: Cell, rows: Row[]): Finding[] {
  const seen = new Set<string>();
  return rows.map((r, i) => {
    for (const col of ['target', 'title', 'rationale'] as const) {
      if (typeof r[col] !== 'string' || !r[col]) throw new Error(`row ${i + 1} of check "${cell.id}" has no ${col}`);
    }
    const severity = (r.severity ?? cell.severity) as Severity;
    if (!SEVERITIES.includes(severity)) throw new Error(`row ${i + 1} of check "${cell.id}" has severity "${String(r.severity)}"`);
    const key = (r.key as string | null | undefined) ?? (r.target as string);
    const id = `${playbook}/${cell.id}/${key}`;
    if (seen.has(id)) throw new Error(`check "${cell.id}" returned two findings for "${key}" (add a distinct key column)`);
    seen.add(id);
    const up = (r.up as string | null | undefined) ?? null;
    const evidence = asObject(r.evidence);
    // every change states the lock it takes; advice may state the lock of the DDL it suggests
    if (evidence.lock === null) delete evidence.lock;
    if (up !== null && evidence.lock === undefined) throw new Error(`row ${i + 1} of check "${cell.id}" has an up but no evidence.lock`);
    if (evidence.lock !== undefined) {
      try {
        evidence.lock = normalizeLock(evidence.lock);
      } catch (err) {
        throw new Error(`row ${i + 1} of check "${cell.id}": ${(err as Error).message}`, { cause: err });
      }
    }
    return {
      id,
      playbook,
      check: cell.id,
      severity,
      target: r.target as string,
      title: r.title as string,
      rationale: r.rationale as string,
      evidence,
      up,
      down: (r.down as string | null | undefined) ?? null,
      drops: asStrings(r.drops),
      keeps: asStrings(r.keeps),
    };
  });
}

function asObject(v: unknown): Record<string, unknown> {
  if (v == null) return {};
  if (typeof v === 'string') {
    try {
      return asObject(JSON.parse(v));
    } catch {
      return { value: v };
    }
  }
  return typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
}

function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** The schema a target names first (`"My Schema".t.x` → `My Schema`), or null for targets that are no object. */
export function targetSchema(target: string): string | null {
  const m = /^(?:"((?:[^"]|"")*)"|([^".\s]+))\./.exec(target);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2];
}

/** The table a target names (`schema.table…` → `schema.table`, identifiers as written), or the whole target. */
export function targetTable(target: string): string {
  const m = /^((?:"(?:[^"]|"")*"|[^".\s]+)\.(?:"(?:[^"]|"")*"|[^".\s]+))(?:\.|$)/.exec(target);
  return m ? m[1] : target;
}
