// Shared by the `session` and `replay` commands: the terminal guard and running a review in the TUI until it ends.
import type { ReviewOptions, ReviewResult } from '../review/controller.ts';
import { terminalText } from '../util/untrusted-text.ts';

export function needsTerminal(command: 'session' | 'replay'): string {
  const instead = command === 'session' ? '`pgadvisor check` for scripts and CI' : '`pgadvisor report FILE` for a text report';
  return `pgadvisor ${command} needs an interactive terminal; use ${instead}`;
}

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

// The alternate screen keeps the user's scrollback clean and gives it back as it was on exit.
const ENTER_ALT = '\u001B[?1049h\u001B[H';
const LEAVE_ALT = '\u001B[?1049l';

/** OSC 52: the terminal puts the text on the system clipboard (where it allows it; tmux needs set-clipboard on). */
export function osc52(text: string): string {
  return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

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

/** Renders the review full-screen and resolves when the user quits. */
export async function runReview(opts: ReviewOptions): Promise<ReviewResult> {
  // React picks its build when first loaded: the production one is several times faster per key.
  process.env.NODE_ENV ??= 'production';
  // react is CommonJS: its exports are the default export, bundled or not
  const [{ default: React }, { render }, { App }, { ReviewController }] = await withoutCiFlag(() =>
    Promise.all([import('react'), import('ink'), import('./App.tsx'), import('../review/controller.ts')]),
  );
  const controller = new ReviewController({ ...opts, clipboard: (text) => process.stdout.write(osc52(text)) });
  process.stdout.write(ENTER_ALT);
  try {
    const instance = render(React.createElement(App, { controller }), { exitOnCtrlC: false, patchConsole: true });
    await instance.waitUntilExit();
  } finally {
    process.stdout.write(LEAVE_ALT);
  }
  return controller.done;
}

/** What is left on the normal screen after the TUI closes. */
export function farewell(result: ReviewResult): void {
  if (result.saved) {
    const { snapshot, migration, rollback } = result.saved;
    process.stdout.write(`snapshot:  ${terminalText(snapshot)}\nmigration: ${terminalText(migration)}\nrollback:  ${terminalText(rollback)}\n`);
  }
  if (result.autosaved) {
    process.stdout.write(`decisions not written${result.saved ? ' since then' : ''} are autosaved: pgadvisor session --resume ${terminalText(result.autosaved)}\n`);
  }
}
