// Finding and reading .pgadvisor.toml: upward from the working directory, or the file --config names.
// Parsed with toml-eslint-parser, whose syntax tree carries the line of every key, so an error names it.
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, type KeyLines } from './error.ts';
import { validateConfig, type Config } from './schema.ts';

export const CONFIG_NAME = '.pgadvisor.toml';


/** The config file to read: --config, else the nearest .pgadvisor.toml upward from `cwd`, else none. */
export async function findConfig(explicit: string | undefined, cwd = process.cwd()): Promise<string | null> {
  if (explicit) return resolve(cwd, explicit);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_NAME);
    if (await isFile(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Reads and validates the config; none found gives the empty config. */
export async function loadConfig(explicit: string | undefined, cwd = process.cwd()): Promise<Config> {
  const file = await findConfig(explicit, cwd);
  if (!file) return emptyConfig();
  const shown = displayPath(file, cwd);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${shown}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`);
  }
  return parseConfig(text, shown);
}

export function emptyConfig(): Config {
  return { file: null, lines: new Map(), playbooks: null, playbookDirs: [], appRoles: null, severity: {}, ignores: [], thresholds: {}, sarif: { file: null } };
}

/** Parses config text; `shown` is how errors name the file. */
export async function parseConfig(text: string, shown: string): Promise<Config> {
  const { parseTOML, getStaticTOMLValue, ParseError } = await import('toml-eslint-parser');
  let ast: ReturnType<typeof parseTOML>;
  try {
    ast = parseTOML(text);
  } catch (err) {
    if (err instanceof ParseError) throw new ConfigError(`${shown}:${err.lineNumber}: not valid TOML: ${err.message.replace(/\.$/, '')}`);
    throw err;
  }
  const lines: KeyLines = new Map();
  collectLines(ast.body[0] as unknown as Node, lines);
  const raw = getStaticTOMLValue(ast) as Record<string, unknown>;
  return validateConfig(raw, { file: shown, lines });
}

type Node = { type: string; loc: { start: { line: number } }; [k: string]: unknown };

/** Records the line of every key, table and array element by its dotted path (array elements by index). */
function collectLines(top: Node, lines: KeyLines): void {
  for (const item of top.body as Node[]) {
    if (item.type === 'TOMLTable') {
      // an array table's resolved key ends with its index: [[ignore]] → ignore, 0
      const path = (item.resolvedKey as (string | number)[]).map(String);
      setLine(lines, path, item.loc.start.line);
      for (const kv of item.body as Node[]) keyValue(kv, path, lines);
    } else keyValue(item, [], lines);
  }
}

function keyValue(kv: Node, prefix: string[], lines: KeyLines): void {
  const keys = (kv.key as { keys: { type: string; name?: string; value?: string }[] }).keys.map((k) => (k.type === 'TOMLBare' ? k.name! : k.value!));
  const path = [...prefix, ...keys];
  setLine(lines, path, kv.loc.start.line);
  value(kv.value as Node, path, lines);
}

function value(node: Node, path: string[], lines: KeyLines): void {
  if (node.type === 'TOMLInlineTable') for (const kv of node.body as Node[]) keyValue(kv, path, lines);
  if (node.type === 'TOMLArray') {
    (node.elements as Node[]).forEach((el, i) => {
      setLine(lines, [...path, String(i)], el.loc.start.line);
      value(el, [...path, String(i)], lines);
    });
  }
}

function setLine(lines: KeyLines, path: string[], line: number): void {
  const key = path.join('\u0000');
  if (!lines.has(key)) lines.set(key, line);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
