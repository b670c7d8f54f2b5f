// A fresh database and a read-only session on it for the tests of one describe block.
import { afterAll, beforeAll } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { probeServer } from '../../src/db/server-facts.ts';
import { fromUrl } from '../../src/db/target.ts';
import type { ServerFacts } from '../../src/playbooks/types.ts';
import { createDatabase, type TestDatabase } from './db.ts';

export interface SessionFixture {
  db: TestDatabase;
  session: ReadOnlyDb;
  server: ServerFacts;
}

/** Opens them before the block's tests and closes them after; read the fields inside the tests. */
export function useReadOnlySession(): SessionFixture {
  const fixture = {} as SessionFixture;
  beforeAll(async () => {
    fixture.db = await createDatabase();
    fixture.session = await ReadOnlyDb.open(fromUrl(fixture.db.url, 'url'));
    fixture.server = await probeServer(fixture.session);
  });
  afterAll(async () => {
    await fixture.session?.close();
    await fixture.db?.drop();
  });
  return fixture;
}
