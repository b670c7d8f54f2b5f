#!/usr/bin/env node
// Compiles src/ to dist/ one file per source, same layout: the import.meta.url-relative paths in src
// (../../playbooks/, ../package.json, ./demo-child.js) hold from dist, and lazy import()s stay lazy.
// dist/.built gets the build's start time; bin/pgadvisor.js runs dist only when no file in src/ is newer.
import { readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

process.chdir(fileURLToPath(new URL('../', import.meta.url)));
const started = new Date();

const sources = (await readdir('src', { recursive: true })).filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'));
await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: sources.map((f) => `src/${f}`),
  outbase: 'src',
  outdir: 'dist',
  // bundle only so the plugin sees every import: each one stays external, relative ones renamed .ts → .js
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [
    {
      name: 'one-file-per-source',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) =>
          args.kind === 'entry-point' ? undefined : { path: args.path.replace(/^(\.\.?\/.*)\.tsx?$/, '$1.js'), external: true },
        );
      },
    },
  ],
});
await writeFile('dist/.built', `${started.toISOString()}\n`);
await utimes('dist/.built', started, started);
