#!/usr/bin/env node
// Runs the compiled dist/cli.js with plain node (`npm install` and `npm run build` make it). When dist is
// missing or a file under src/ is newer than its build, runs the TypeScript sources through tsx instead:
// slower to start, never stale. The check stats the ~100 entries under src/: 2–6 ms here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

function builtAt() {
  try {
    return statSync(`${root}dist/.built`).mtimeMs;
  } catch {
    return null;
  }
}

// Directories count too: deleting or renaming a file changes its directory's mtime.
function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(child) : statSync(child).mtimeMs);
  }
  return newest;
}

function sourcesNewerThan(time) {
  if (!existsSync(`${root}src`)) return false; // an install without src/ has only dist to run
  try {
    return newestUnder(`${root}src`) > time;
  } catch {
    return true; // a file vanished mid-walk: someone is editing
  }
}

// Node 22.1+ caches the compiled code of the modules it loads (module.enableCompileCache); Node 20 has no
// such cache for ES modules, where the bundle (scripts/build.js) does the work instead.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

const built = builtAt();
if (built !== null && !sourcesNewerThan(built)) {
  if (process.env.PGADVISOR_DEBUG) process.setSourceMapsEnabled(true); // stacks name src/ lines
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
