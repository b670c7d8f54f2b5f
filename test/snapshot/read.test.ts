import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot, serializeSnapshot, SnapshotError } from '../../src/snapshot/io.ts';
import { snapshotFixture, DUP_ID } from './fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-read-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  return file;
}

/** The one-line message readSnapshot rejects `file` with. */
async function failure(file: string): Promise<string> {
  const err = await readSnapshot(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SnapshotError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

function docOf(): Record<string, unknown> {
  return JSON.parse(serializeSnapshot(snapshotFixture()));
}

describe('readSnapshot', () => {
  it('reads back what serializeSnapshot wrote', async () => {
    const s = snapshotFixture();
    const file = await write('ok.snapshot.json', serializeSnapshot(s));
    const back = await readSnapshot(file);
    expect(back).toEqual(s);
    expect(back.decisions[DUP_ID].note).toBe('keep the older one');
  });

  it('names a missing file', async () => {
    const file = path.join(dir, 'nope.snapshot.json');
    expect(await failure(file)).toBe(`cannot read ${file}: no such file`);
  });

  it('names a directory', async () => {
    expect(await failure(dir)).toMatch(/: is a directory$/);
  });

  it('rejects an empty file', async () => {
    expect(await failure(await write('empty.json', ''))).toMatch(/the file is empty/);
    expect(await failure(await write('blank.json', ' \n\n'))).toMatch(/the file is empty/);
  });

  it('rejects truncated JSON', async () => {
    const text = serializeSnapshot(snapshotFixture());
    const message = await failure(await write('trunc.json', text.slice(0, Math.floor(text.length / 2))));
    expect(message).toMatch(/not valid JSON, truncated or corrupt/);
  });

  it('rejects binary garbage', async () => {
    const bytes = new Uint8Array(256).map((_, i) => (i * 37 + 11) % 256);
    expect(await failure(await write('garbage.bin', bytes))).toMatch(/binary data, not a JSON snapshot/);
    // valid UTF-8 with NUL bytes (e.g. a gzip of a snapshot is not valid UTF-8 at all, a UTF-16 file has NULs)
    expect(await failure(await write('utf16.json', Buffer.from('{"format":1}', 'utf16le')))).toMatch(/binary data/);
  });

  it('rejects JSON that is not a pgadvisor snapshot', async () => {
    expect(await failure(await write('pkg.json', '{"name":"left-pad","version":"1.3.0"}'))).toMatch(
      /not a pgadvisor snapshot \(no "format": "pgadvisor.snapshot\/v1" field\)/,
    );
    expect(await failure(await write('arr.json', '[1,2,3]'))).toMatch(/not a pgadvisor snapshot \(not a JSON object\)/);
    expect(await failure(await write('other.json', '{"format":"openapi/3.1"}'))).toMatch(/not a pgadvisor snapshot \(format is "openapi\/3.1"\)/);
  });

  it('refuses a future major version, naming both versions', async () => {
    const doc = { ...docOf(), format: 'pgadvisor.snapshot/v2', somethingNew: { a: 1 } };
    const file = await write('v2.json', JSON.stringify(doc));
    expect(await failure(file)).toBe(`cannot read ${file}: written by a newer pgadvisor: pgadvisor.snapshot/v2; this version reads v1`);
  });

  it('accepts a newer minor of v1 and ignores fields it does not know', async () => {
    const doc = docOf() as Record<string, any>;
    doc.minor = 7;
    doc.futureTopLevel = { hello: 'world' };
    doc.server.futureServerFact = 42;
    doc.findings[0].futureFindingField = ['x'];
    const back = await readSnapshot(await write('v1.7.json', JSON.stringify(doc)));
    expect(back.minor).toBe(7);
    expect(back.findings).toHaveLength(5);
    expect(back).not.toHaveProperty('futureTopLevel');
    expect(back.server).not.toHaveProperty('futureServerFact');
    expect(back.findings[0]).not.toHaveProperty('futureFindingField');
  });

  it('a snapshot written by an older minor version still loads (optional fields absent)', async () => {
    const doc = docOf() as Record<string, any>;
    for (const k of ['minor', 'derivedFrom', 'demo', 'baseline']) delete doc[k];
    for (const f of doc.findings) {
      delete f.drops;
      delete f.keeps;
    }
    for (const p of doc.playbooks) delete p.summary;
    for (const d of Object.values(doc.decisions) as Record<string, unknown>[]) delete d.note;
    delete doc.server.provider;
    const back = await readSnapshot(await write('v1.0-minimal.json', JSON.stringify(doc)));
    expect(back.minor).toBe(0);
    expect(back.server.provider).toBeUndefined();
    expect(back.derivedFrom).toBeNull();
    expect(back.demo).toBe(false);
    expect(back.baseline).toBeNull();
    expect(back.findings[0].drops).toEqual([]);
    expect(back.playbooks[0].summary).toBe('');
    expect(back.decisions[DUP_ID]).toEqual({ state: 'accepted', note: '', at: '2025-03-04T05:30:00.000Z' });
  });

  it('names the first bad path on a schema violation', async () => {
    const doc = docOf() as Record<string, any>;
    doc.findings[2].severity = 'catastrophic';
    expect(await failure(await write('bad-sev.json', JSON.stringify(doc)))).toMatch(/invalid snapshot: findings\[2\]\.severity: /);

    const doc2 = docOf() as Record<string, any>;
    delete doc2.server.versionNum;
    expect(await failure(await write('bad-server.json', JSON.stringify(doc2)))).toMatch(/invalid snapshot: server\.versionNum: /);

    const doc3 = docOf() as Record<string, any>;
    doc3.playbooks[1].runs[0].status = 'exploded';
    expect(await failure(await write('bad-run.json', JSON.stringify(doc3)))).toMatch(/invalid snapshot: playbooks\[1\]\.runs\[0\]\.status: /);
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const back = await readSnapshot(await write('bom.json', '\uFEFF' + serializeSnapshot(snapshotFixture())));
    expect(back.server.database).toBe('shop');
  });
});
