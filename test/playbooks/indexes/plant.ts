// What the indexes fixture cannot do in its one transaction, shared by the tests that load it.
import type { TestDatabase } from '../../support/db.ts';

/** Four fifths of app.bloaty's entries deleted and vacuumed (index bloat); app.metrics' kind index scanned once. */
export async function plantAfterFixture(db: TestDatabase): Promise<void> {
  await db.exec('DELETE FROM app.bloaty WHERE id % 5 <> 0');
  await db.exec('VACUUM ANALYZE app.bloaty');
  await db.exec(`SET enable_seqscan = off; SELECT count(*) FROM app.metrics WHERE kind = 'a'`);
  // before PostgreSQL 15 the statistics collector receives a backend's counts a moment after it goes idle
  for (let waited = 0; ; waited += 100) {
    const { rows } = await db.exec(
      `SELECT coalesce(sum(s.idx_scan), 0)::int AS scans FROM pg_stat_user_indexes s
         JOIN pg_inherits i ON i.inhrelid = s.indexrelid WHERE i.inhparent = 'app.metrics_kind'::regclass`,
    );
    if (rows[0].scans > 0) return;
    if (waited >= 10_000) throw new Error('the scan of app.metrics_kind never reached the statistics');
    await new Promise((r) => setTimeout(r, 100));
  }
}
