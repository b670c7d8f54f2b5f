// The test-database helper on whichever tier is active (real server, or PGlite when TEST_DATABASE_URL is unset).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/db/read-only.ts';
import { fromUrl } from '../../src/db/target.ts';
import { createDatabase, hasRealServer, type TestDatabase } from '../support/db.ts';

describe(`createDatabase (${hasRealServer ? 'real server' : 'PGlite'})`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(`CREATE TABLE "Weird ""Name"" ü" (id int PRIMARY KEY); INSERT INTO "Weird ""Name"" ü" SELECT generate_series(1, 5)`, {
      extensions: ['pg_stat_statements'],
    });
  });
  afterAll(() => db?.drop());

  it('runs the setup SQL and answers the fixture connection', async () => {
    const r = await db.exec(`SELECT count(*)::int AS n FROM "Weird ""Name"" ü" WHERE id > $1`, [2]);
    expect(r.rows).toEqual([{ n: 3 }]);
  });

  it('serves a read-only advisor session with parallel probes', async () => {
    const session = await ReadOnlyDb.open(fromUrl(db.url, 'url'), { connections: 4 });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => session.query(`SELECT $1::int AS i, count(*)::int AS n FROM "Weird ""Name"" ü"`, [i])),
      );
      expect(results.map((r) => r.rows[0])).toEqual(Array.from({ length: 12 }, (_, i) => ({ i, n: 5 })));
      const ext = await session.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`);
      // the real server may or may not have it in this database; PGlite creates what was asked for
      if (!hasRealServer) expect(ext.rows).toEqual([{ n: 1 }]);
    } finally {
      await session.close();
    }
  });
});
