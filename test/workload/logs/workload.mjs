// The application's side of the log fixtures: what an application sends to database "shop" (and, as
// noise, to database "other"), through the simple and the extended protocol. Every literal that is user
// data holds the planted constant ZQX-SECRET-4417, which must never reach any pgadvisor output.
// Usage: node workload.mjs postgres://user@host:port   (run by generate.sh)
import pg from 'pg';

const base = process.argv[2];
const client = async (db, app = 'shop-web') => {
  const c = new pg.Client({ connectionString: `${base}/${db}`, application_name: app });
  await c.connect();
  return c;
};

const shop = await client('shop');
// simple protocol: the literals are in the logged text
await shop.query(`SELECT id, status FROM orders WHERE customer_id = 42 AND note = 'ZQX-SECRET-4417'`);
await shop.query(`SELECT id, status FROM orders WHERE customer_id = 43 AND note = 'other note'`);
await shop.query(`SELECT o.id,
       o.created_at
  FROM orders o
 WHERE o.status = 'pending'   -- the rare status
 ORDER BY o.created_at DESC
 LIMIT 20`);
await shop.query(`INSERT INTO notes (body) VALUES (E'first line\\nsecond line, it''s ZQX-SECRET-4417')`);
await shop.query(`SELECT count(*) FROM orders WHERE created_at >= now() - interval '7 days' AND amount > -1.5`);
// extended protocol: the statement once per call, the values in a DETAIL line
for (let i = 0; i < 5; i++) {
  await shop.query({ text: 'SELECT id, amount FROM orders WHERE customer_id = $1 AND status = $2', values: [100 + i, i % 2 ? 'ZQX-SECRET-4417' : 'paid'] });
}
await shop.query({ text: 'SELECT id FROM orders WHERE note IS NOT DISTINCT FROM $1', values: [null] });
await shop.query({ text: 'UPDATE orders SET note = $1 WHERE id = $2', values: ["it's\nZQX-SECRET-4417", 3] });
// a named prepared statement, executed twice
await shop.query({ name: 'by_status', text: 'SELECT count(*) FROM orders WHERE status = $1', values: ['shipped'] });
await shop.query({ name: 'by_status', text: 'SELECT count(*) FROM orders WHERE status = $1', values: ['ZQX-SECRET-4417'] });
// a transaction block and a table the analysed copy of the schema lacks
await shop.query('BEGIN');
await shop.query(`INSERT INTO legacy_audit (what) VALUES ('ZQX-SECRET-4417')`);
await shop.query('COMMIT');
// a statement that fails: logged as ERROR with its text, never executed
await shop.query(`SELECT * FROM orders WHERE nonexistent = 'ZQX-SECRET-4417'`).catch(() => undefined);
await shop.end();

// another database and another application: to be left out by %d when the prefix has it
const other = await client('other', 'reporting');
await other.query(`SELECT count(*) FROM things WHERE label = 'ZQX-SECRET-4417'`);
await other.end();

// pgadvisor's own, as the log records them: marked, and under application_name pgadvisor
const own = await client('shop', 'pgadvisor');
await own.query(`/* pgadvisor */ BEGIN TRANSACTION READ ONLY\n/* pgadvisor */; /* pgadvisor */ SELECT count(set_config(s.name, s.value, true)) AS pgadvisor_settings FROM (VALUES ('statement_timeout', '30000')) AS s(name, value)\n/* pgadvisor */`);
await own.query({ text: `/* pgadvisor */ SELECT c.relname FROM pg_class c WHERE c.relname = $1\n/* pgadvisor */`, values: ['orders'] });
await own.query(`/* pgadvisor */ COMMIT\n/* pgadvisor */`);
await own.end();
