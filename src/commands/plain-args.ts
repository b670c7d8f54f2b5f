// A command's options read with node:util's parseArgs when they are given plainly: each option known,
// spelled in full, with the type it declares, the non-repeatable ones once. Anything else (help, a typo,
// --no-…, --flag=value on a boolean, a repeated option, a positional argument) returns null, and the
// caller hands the arguments to yargs, which answers as it always does. yargs and what it loads take
// longer to load than a whole `check` spends on its own code before its first cell.
import { parseArgs } from 'node:util';

export interface PlainOption {
  type: 'string' | 'boolean' | 'number';
  array?: boolean;
  default?: unknown;
}

/** The options by their declared names, defaults filled in; null when yargs should read the arguments. */
export function plainArgs(args: string[], declared: Readonly<Record<string, PlainOption>>): Record<string, unknown> | null {
  const options = Object.fromEntries(
    Object.entries(declared).map(([name, o]) => [name, { type: o.type === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: Boolean(o.array) }]),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; tokens: true; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args, options, tokens: true, strict: true, allowPositionals: false });
  } catch {
    return null;
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') return null; // `--` and what follows it
    if (t.rawName !== `--${t.name}`) return null; // a short option: only -h is declared, through yargs
    if (seen.has(t.name) && !declared[t.name].array) return null; // yargs would make an array of it
    seen.add(t.name);
  }
  const out: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(declared)) {
    const value = (parsed.values as Record<string, unknown>)[name];
    if (value === undefined) {
      if (o.default !== undefined) out[name] = o.default;
    } else if (o.type === 'number') {
      const n = Number(value);
      if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) return null;
      out[name] = n;
    } else out[name] = value;
  }
  return out;
}
