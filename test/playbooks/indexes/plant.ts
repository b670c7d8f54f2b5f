// What the indexes fixture cannot do in its one transaction, shared by the tests that load it.
import type { TestDatabase } from '../../support/db.ts';

/** Four fifths of app.bloaty's entries deleted and vacuumed (index bloat); app.metrics' kind index scanned once. */
export async function plantAfterFixture(db: TestDatabase): Promise<void> {
  await db.exec('DELETE FROM app.bloaty WHERE id % 5 <> 0');
  await db.exec('VACUUM ANALYZE app.bloaty');
  await db.exec(`SET enable_seqscan = off; SELECT count(*) FROM app.metrics WHERE kind = 'a'`);
}
