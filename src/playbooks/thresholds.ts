// Thresholds a cell declares (`-- threshold: NAME = DEFAULT what it means`) and writes in its SQL as
// `/*threshold:NAME*/DEFAULT`: the SQL stays runnable as pasted, and a configured value takes the literal's
// place. Values are numbers checked here, so what is spliced in is always a plain numeric literal.
import type { Cell } from './types.ts';

const MARKER = /\/\*threshold:([a-z][a-z0-9_]*)\*\/(\d+(?:\.\d+)?)/g;

export function thresholdMarkers(sql: string): { name: string; literal: string; value: number }[] {
  return [...sql.matchAll(MARKER)].map((m) => ({ name: m[1], literal: m[2], value: Number(m[2]) }));
}

/** The cell's SQL with configured values in place of the defaults (unchanged when none is configured). */
export function withThresholds(sql: string, values: Record<string, number> | undefined): string {
  if (!values || !Object.keys(values).length) return sql;
  return sql.replace(MARKER, (whole, name: string) => (name in values ? `/*threshold:${name}*/${numericLiteral(values[name])}` : whole));
}

/** Effective values for a cell: its defaults, overridden by the configured ones. */
export function thresholdValues(cell: Cell, configured: Record<string, number> | undefined): Record<string, number> {
  return Object.fromEntries(cell.thresholds.map((t) => [t.name, configured?.[t.name] ?? t.default]));
}

function numericLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`threshold value ${v} is not a finite number`);
  const text = Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v).toString() : String(v);
  return v < 0 ? `(${text})` : text;
}
