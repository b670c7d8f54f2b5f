// The package's own folder, found from wherever this code runs: src/ through tsx, dist/ one file per
// source, or a bundled chunk in dist/chunks/. Playbooks, the demo schema and package.json are read from it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'playbooks'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`pgadvisor's package folder (package.json and playbooks/) was not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = packageRoot();
