// Statements from files, normalized as pg_stat_statements would: libpg-query replaces each constant with $n,
// and the statement's fingerprint (key.ts) groups it however its constants vary. The constants themselves
// become the statement's sample ($1…$n in text form), kept in memory only.
//
// libpg-query runs in WebAssembly and costs a fraction of a millisecond per call, too slow for the millions of
// entries of a large log. So each statement is first lexed here (cheap), and statements that differ only in
// their constants share one shape key: the parser runs once per shape, and records which literal of the
// shape becomes which $n, so the next statement of that shape gets its sample from its own literals.
import { loadModule, normalizeSync } from 'libpg-query';
import { statementFingerprint } from './key.ts';
import { WORKLOAD_CAPS } from './collect.ts';
import { lex, literalValue, scan, tokenEnd, tokenType, type Token } from './lexer.ts';

/** How a new $k of the normalized text gets its value: from the shape's n-th literal, or a keyword's constant. */
type Slot = { literal: number; negate: boolean } | { constant: string | null };

interface Shape {
  fingerprint: string;
  query: string;
  /** new $k (k > the statement's own highest $n) → its source; null when the constants could not be matched up */
  slots: Map<number, Slot> | null;
  /** highest $n of the normalized text */
  params: number;
}

type Cached = Shape | { skip: string };

/** `sample` computes the statement's constants on demand: most entries of a large log are not kept as samples. */
/** Bind values by number (null for SQL NULL), or a function that reads them when a sample is taken. */
export type Params = ReadonlyMap<number, string | null> | (() => ReadonlyMap<number, string | null> | null);

export type Normalized = { fingerprint: string; query: string; sample: () => (string | null)[] | null } | { skip: string };

export const NOT_PARSED = 'statements the parser (libpg-query, PostgreSQL 18 grammar) cannot read';
export const KEEPS_CONSTANTS = 'statements whose constants the parser leaves in place (DDL and other utility statements)';
const TOO_LONG = `statements longer than ${WORKLOAD_CAPS.statementChars.toLocaleString('en-US')} characters`;
const CACHE = 20_000;

export class Normalizer {
  private readonly shapes = new Map<string, Cached>();

  static async create(): Promise<Normalizer> {
    await loadModule();
    return new Normalizer();
  }

  /**
   * One statement (a single one: split first). `params` holds the bind values of an extended-protocol
   * statement by number (null for SQL NULL); the sample is null unless every $n of the result has a value.
   */
  normalize(sql: string, params: Params | null = null): Normalized {
    if (sql.length > WORKLOAD_CAPS.statementChars) return { skip: TOO_LONG };
    const key = shapeKey(sql);
    let shape = this.shapes.get(key);
    if (!shape) {
      const { literals, ownParams } = literalsOf(sql);
      shape = this.parse(sql, lex(sql).filter((t) => t.type !== 'space' && t.type !== 'comment'), ownParams);
      if (this.shapes.size >= CACHE) this.shapes.clear();
      this.shapes.set(key, shape);
      // the first statement of a shape is the one most often kept as a sample: its literals are at hand
      if ('skip' in shape) return shape;
      const found = shape;
      return { fingerprint: shape.fingerprint, query: shape.query, sample: () => sampleOf(sql, found, literals, params) };
    }
    if ('skip' in shape) return shape;
    const found = shape;
    return { fingerprint: shape.fingerprint, query: shape.query, sample: () => sampleOf(sql, found, literalsOf(sql).literals, params) };
  }

  private parse(sql: string, tokens: Token[], ownParams: number): Cached {
    let normalized: string;
    try {
      normalized = normalizeSync(sql);
    } catch {
      return { skip: NOT_PARSED };
    }
    const normTokens = lex(normalized);
    const code = normTokens.filter((t) => t.type !== 'space' && t.type !== 'comment');
    if (code.some((t) => t.type === 'string')) return { skip: KEEPS_CONSTANTS };
    // comments can hold anything (request ids, user names): the workload's text has none
    const query = normTokens
      .map((t) => (t.type === 'comment' ? ' ' : normalized.slice(t.start, t.end)))
      .join('')
      .replace(/[ \t]+\n/g, '\n')
      .trim();
    const params = Math.max(0, ...code.filter((t) => t.type === 'param').map((t) => Number(normalized.slice(t.start + 1, t.end))));
    return { fingerprint: statementFingerprint(query), query, slots: align(sql, tokens, normalized, code, ownParams), params };
  }
}

/**
 * The shape key: the statement's tokens without spaces and comments, its literals as `?`, each followed by one
 * space. Built from stretches of the text already spelled so (tokens one space apart), not token by token.
 */
export function shapeKey(sql: string): string {
  let key = '';
  let from = -1;
  let to = -1;
  for (let i = 0, end: number; i < sql.length; i = end) {
    end = tokenEnd(sql, i);
    const type = tokenType;
    if (type === 'space' || type === 'comment') continue;
    if (type === 'string' || type === 'number') {
      if (from >= 0) key += `${sql.slice(from, to)} `;
      from = -1;
      key += '? ';
    } else if (from >= 0 && i === to + 1 && sql.charCodeAt(to) === 32) to = end;
    else {
      if (from >= 0) key += `${sql.slice(from, to)} `;
      from = i;
      to = end;
    }
  }
  return from >= 0 ? `${key}${sql.slice(from, to)} ` : key;
}

/** The statement's literals (string and numeric tokens) and its own highest $n. */
function literalsOf(sql: string): { literals: Token[]; ownParams: number } {
  const literals: Token[] = [];
  let ownParams = 0;
  scan(sql, (type, start, end) => {
    if (type === 'string' || type === 'number') literals.push({ type, start, end });
    else if (type === 'param') ownParams = Math.max(ownParams, Number(sql.slice(start + 1, end)));
  });
  return { literals, ownParams };
}

/** Which literal of the original becomes which new $k of the normalized text; null when they cannot be matched. */
function align(sql: string, orig: Token[], normalized: string, norm: Token[], ownParams: number): Map<number, Slot> | null {
  const slots = new Map<number, Slot>();
  let i = 0;
  let literal = 0;
  for (const t of norm) {
    const text = normalized.slice(t.start, t.end);
    const o = orig[i];
    if (!o) return null;
    const otext = sql.slice(o.start, o.end);
    if (t.type === 'param' && Number(text.slice(1)) > ownParams) {
      const k = Number(text.slice(1));
      if (o.type === 'string' || o.type === 'number') {
        slots.set(k, { literal: literal++, negate: false });
        i++;
      } else if (o.type === 'op' && otext === '-' && orig[i + 1]?.type === 'number') {
        slots.set(k, { literal: literal++, negate: true });
        i += 2;
      } else if (o.type === 'ident' && /^(true|false|null)$/i.test(otext)) {
        slots.set(k, { constant: /^null$/i.test(otext) ? null : otext.toLowerCase() });
        i++;
      } else return null;
      continue;
    }
    if (text !== otext) return null;
    if (o.type === 'string' || o.type === 'number') literal++;
    i++;
  }
  return i === orig.length ? slots : null;
}

function sampleOf(sql: string, shape: Shape, literals: Token[], bound: Params | null): (string | null)[] | null {
  if (!shape.slots || !shape.params) return null;
  const params = typeof bound === 'function' ? bound() : bound;
  const out: (string | null)[] = [];
  for (let k = 1; k <= shape.params; k++) {
    const slot = shape.slots.get(k);
    let v: string | null | undefined;
    if (!slot) v = params?.get(k);
    else if ('constant' in slot) v = slot.constant;
    else {
      const token = literals[slot.literal];
      const lit = token && literalValue(sql, token);
      v = lit === undefined ? undefined : slot.negate ? `-${lit}` : lit;
    }
    if (v === undefined) return null;
    out.push(v);
  }
  return out;
}
