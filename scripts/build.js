#!/usr/bin/env node
// Compiles src/ to dist/ one file per source, same layout: the import.meta.url-relative paths in src
// (../../playbooks/, ../package.json, ./demo-child.js) hold from dist, and lazy import()s stay lazy.
// dist/.built gets the build's start time; bin/pgadvisor.js runs dist only when no file in src/ is newer.
import { readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

process.chdir(fileURLToPath(new URL('../', import.meta.url)));
const started = new Date();
const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' };

// Node loads an ES module file by file: ink brings es-toolkit/compat's 400+ modules for one function, zod
// 95. Bundled into dist/vendor they load in a fraction of the time (the TUI's first screen is ~0.35 s
// sooner). The ink components are bundled with ink so they share its instance; every other dependency
// (react among them) stays in node_modules.
const VENDORED = ['ink', 'ink-select-input', 'ink-spinner', 'zod'];
const INLINE = /^(ink|ink-select-input|ink-spinner|es-toolkit|zod|figures|to-rotated|is-unicode-supported)(\/|$)/;

const sources = (await readdir('src', { recursive: true })).filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'));
// Built beside dist, at the same depth (the source maps' relative paths hold), then renamed into place.
const out = `.dist-${process.pid}`;

await build({
  ...common,
  entryPoints: Object.fromEntries(VENDORED.map((p) => [p, p])),
  outdir: `${out}/vendor`,
  splitting: true,
  plugins: [externalUnless((args) => args.kind === 'entry-point' || args.path.startsWith('.') || INLINE.test(args.path), (args) => args.path)],
});

// bundle only so the plugin sees every import: each one stays external, relative ones renamed .ts → .js
await build({
  ...common,
  entryPoints: sources.map((f) => `src/${f}`),
  outbase: 'src',
  outdir: out,
  sourcemap: 'linked',
  plugins: [externalUnless((args) => args.kind === 'entry-point', compiledSpecifier)],
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

function compiledSpecifier(args) {
  if (VENDORED.includes(args.path)) {
    const rel = relative(dirname(args.importer), resolve('src/vendor', `${args.path}.js`));
    return rel.startsWith('.') ? rel : `./${rel}`;
  }
  return args.path.replace(/^(\.\.?\/.*)\.tsx?$/, '$1.js');
}

function externalUnless(bundled, specifier) {
  return {
    name: 'external-unless',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (bundled(args) ? undefined : { path: specifier(args), external: true }));
    },
  };
}
