#!/usr/bin/env node
// Bundles src/ into dist/: the CLI (dist/cli.js) and the embedded demo's child process (dist/db/demo-child.js),
// with every dependency that can be bundled, split at each lazy import() so a command loads only what it
// runs (`check` never loads ink, a run with nothing to analyze never loads libpg-query). Node loads an ES
// module file by file; yargs alone is 60 files, ink brings es-toolkit's 400: bundled, `check` starts in a
// fraction of the time. Paths to the package's own files go through src/paths.ts, which finds the package
// folder from any chunk.
// dist/.built gets the build's start time; bin/pgadvisor.js runs dist only when no file in src/ is newer.
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

process.chdir(fileURLToPath(new URL('../', import.meta.url)));
const started = new Date();

// Left in node_modules: packages that load WebAssembly or data files from beside their own modules
// (libpg-query, PGlite), optional native or dev-only modules pg and ink may ask for, and tsx (the demo's
// child runs through it only from src/).
const EXTERNAL = ['libpg-query', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg-native', 'react-devtools-core', 'tsx'];

// Built beside dist (same depth: the source maps' relative paths hold), then renamed into place.
const out = `.dist-${process.pid}`;

await build({
  entryPoints: { cli: 'src/cli.ts', 'db/demo-child': 'src/db/demo-child.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: EXTERNAL,
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (pg, fs-extra…) require() Node's modules; an ES module has no require of its own
  banner: { js: "import { createRequire as __pgadvisorRequire } from 'node:module'; const require = __pgadvisorRequire(import.meta.url);" },
});

await writeFile(`${out}/.built`, `${started.toISOString()}\n`);
await utimes(`${out}/.built`, started, started);
await swapIntoDist(out);

// A bin starting meanwhile finds the old build, no build (and runs the sources) or the new one, never
// half of one; a build running at the same time (two test runs) may swap in first, and is swapped out.
async function swapIntoDist(dir) {
  const old = `${dir}-old`;
  for (;;) {
    await rename('dist', old).catch((err) => {
      if (err.code !== 'ENOENT') throw err;
    });
    try {
      await rename(dir, 'dist');
      break;
    } catch (err) {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    }
  }
  await rm(old, { recursive: true, force: true });
}
