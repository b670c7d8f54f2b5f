// bin/pgadvisor.js runs the build in dist/ only while no file under src/ is newer than it; otherwise the
// sources through tsx. Checked on a copy of bin/ with a stand-in dist and src that say which one ran.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pgadv-bin-'));
const now = Date.now() / 1000;
const SOURCES_AT = now - 200;
const BUILT_AT = now - 100;

function file(rel: string, content: string, at: number): void {
  writeFileSync(join(root, rel), content);
  utimesSync(join(root, rel), at, at);
}

const ran = () => execFileSync(process.execPath, [join(root, 'bin/pgadvisor.js')], { encoding: 'utf8' }).trim();

describe('bin/pgadvisor.js', () => {
  beforeEach(() => {
    rmSync(root, { recursive: true, force: true });
    for (const d of ['bin', 'dist', 'src/sub']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(join(REPO, 'bin/pgadvisor.js'), join(root, 'bin/pgadvisor.js'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    file('dist/cli.js', `console.log('dist');\n`, BUILT_AT);
    file('dist/.built', '', BUILT_AT);
    file('src/cli.ts', `const from: string = 'src';\nconsole.log(from);\n`, SOURCES_AT);
    file('src/sub/helper.ts', `export {};\n`, SOURCES_AT);
    for (const d of ['src/sub', 'src']) utimesSync(join(root, d), SOURCES_AT, SOURCES_AT);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs dist when it is newer than every source', () => {
    expect(ran()).toBe('dist');
  });

  it('runs the sources through tsx when a source was edited after the build', () => {
    utimesSync(join(root, 'src/sub/helper.ts'), now, now);
    expect(ran()).toBe('src');
  });

  it('runs the sources when a source was deleted after the build', () => {
    unlinkSync(join(root, 'src/sub/helper.ts'));
    expect(ran()).toBe('src');
  });

  it('runs the sources when there is no build', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    expect(ran()).toBe('src');
  });

  it('runs dist when there are no sources to compare with', () => {
    rmSync(join(root, 'src'), { recursive: true });
    expect(ran()).toBe('dist');
  });
});
