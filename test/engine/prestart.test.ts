import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUrl } from '../../src/db/target.ts';
import { prestart, releasePrestarted, singleUrl, takePrestarted } from '../../src/db/prestart.ts';
import { createDatabase, type TestDatabase } from '../support/db.ts';

describe('connecting before the CLI has loaded', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase();
  });
  afterAll(async () => {
    await releasePrestarted();
    await db?.drop();
  });

  it('only for one database named plainly, never for a fleet or help', () => {
    expect(singleUrl(['--url', 'postgres://a@b/c', '--json'])).toBe('postgres://a@b/c');
    expect(singleUrl(['--url=postgres://a@b/c'])).toBe('postgres://a@b/c');
    expect(singleUrl(['--json'])).toBeUndefined(); // DATABASE_URL or PG* variables, if any
    expect(singleUrl(['--url', 'postgres://a@b/c', '--url', 'postgres://a@b/d'])).toBeNull();
    expect(singleUrl(['--urls-file', 'f'])).toBeNull();
    expect(singleUrl(['--all-databases', '--url', 'postgres://a@b/c'])).toBeNull();
    expect(singleUrl(['--help'])).toBeNull();
  });

  it('hands the early session to the same target once, and to no other', async () => {
    prestart(['--url', db.url]);
    expect(takePrestarted(fromUrl(db.url.replace(/\/[^/]*$/, '/other'), 'url'))).toBeNull();
    const early = takePrestarted(fromUrl(db.url, 'url'));
    expect(early).not.toBeNull();
    const { db: session, server } = await early!;
    expect(server.database).toBe(decodeURIComponent(new URL(db.url).pathname.slice(1)));
    expect((await session.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await session.close();
    expect(takePrestarted(fromUrl(db.url, 'url'))).toBeNull();
  });

  it('keeps a failure for the command to report, and closes a session nobody took', async () => {
    prestart(['--url', 'postgres://nobody:pw@127.0.0.1:9/none']);
    await expect(takePrestarted(fromUrl('postgres://nobody:pw@127.0.0.1:9/none', 'url'))).rejects.toThrow(/^cannot connect to nobody@127\.0\.0\.1:9\/none: connection refused/);
    prestart(['--url', db.url]);
    await releasePrestarted();
    expect(takePrestarted(fromUrl(db.url, 'url'))).toBeNull();
  });
});
