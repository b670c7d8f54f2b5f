// In CI only: drops databases left behind by an interrupted earlier run on the real test server.
// (Locally, several test runs may share one server, so nothing is dropped.)
import pg from 'pg';

export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url || !process.env.CI) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'pgadv\\_t\\_%'`);
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
