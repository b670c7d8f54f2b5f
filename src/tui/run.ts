// Shared by the `session` and `replay` commands: the terminal guard and running the App until it exits.
import type { AppProps } from './App.tsx';
import type { SavedPaths } from '../review/state.ts';
import { terminalText } from '../util/untrusted-text.ts';

export function needsTerminal(command: 'session' | 'replay'): string {
  const instead = command === 'session' ? '`pgadvisor check` for scripts and CI' : '`pgadvisor report FILE` for a text report';
  return `pgadvisor ${command} needs an interactive terminal; use ${instead}`;
}

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** One line on stderr, the exit code back. */
export function fail(message: string, code: number): number {
  process.stderr.write(`pgadvisor: ${terminalText(message.trim())}\n`);
  return code;
}

// The alternate screen keeps the user's scrollback clean and gives it back as it was on exit.
const ENTER_ALT = '\u001B[?1049h\u001B[H';
const LEAVE_ALT = '\u001B[?1049l';

/**
 * ink decides once, when loaded, whether it runs in CI (the CI variable is set) and then draws only the
 * last frame at exit. Both ends are a terminal here, so someone is watching: load it without the flag.
 */
async function withoutCiFlag<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await load();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** Renders the App full-screen and resolves when the user quits. */
export async function runApp(props: AppProps): Promise<{ saved: SavedPaths | null; autosaved: string | null }> {
  // React picks its build when first loaded: the production one is several times faster per key.
  process.env.NODE_ENV ??= 'production';
  // react is CommonJS: its exports are the default export, bundled or not
  const [{ default: React }, { render }, { App }] = await withoutCiFlag(() => Promise.all([import('react'), import('ink'), import('./App.tsx')]));
  let result: { saved: SavedPaths | null; autosaved: string | null } = { saved: null, autosaved: null };
  process.stdout.write(ENTER_ALT);
  try {
    const instance = render(React.createElement(App, { ...props, onExit: (r) => (result = r) }), { exitOnCtrlC: false, patchConsole: true });
    await instance.waitUntilExit();
  } finally {
    process.stdout.write(LEAVE_ALT);
  }
  return result;
}

/** What is left on the normal screen after the TUI closes. */
export function farewell(result: { saved: SavedPaths | null; autosaved: string | null }): void {
  if (result.saved) {
    const { snapshot, migration, rollback } = result.saved;
    process.stdout.write(`snapshot:  ${terminalText(snapshot)}\nmigration: ${terminalText(migration)}\nrollback:  ${terminalText(rollback)}\n`);
  }
  if (result.autosaved) {
    process.stdout.write(`decisions not written${result.saved ? ' since then' : ''} are autosaved: pgadvisor session --resume ${terminalText(result.autosaved)}\n`);
  }
}
