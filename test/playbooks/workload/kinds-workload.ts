// The live workload for kinds-fixture.sql: statements sent through the extended protocol, as applications do,
// so pg_stat_statements records them normalized (no constants).
export const KINDS_WORKLOAD = [
  { sql: 'SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10', times: 40, params: (i: number) => [(i * 13) % 3000] },
  { sql: 'SELECT id, created_at, total FROM orders WHERE status = $1', times: 40, params: () => ['pending'] },
  { sql: 'SELECT count(*) FROM orders WHERE region = $1', times: 12, params: (i: number) => [['eu', 'us', 'apac'][i % 3]] },
  { sql: 'SELECT id, balance FROM accounts WHERE owner_id = $1', times: 300, params: (i: number) => [i % 800] },
  { sql: 'SELECT id, name FROM customers WHERE lower(email) = lower($1)', times: 40, params: (i: number) => [`user${i * 7}@example.org`] },
  { sql: 'SELECT id FROM docs WHERE data @> $1', times: 30, params: (i: number) => [JSON.stringify({ kind: `k${i % 50}` })] },
  { sql: 'SELECT id FROM docs WHERE tags && $1', times: 30, params: (i: number) => [[`t${i}`]] },
  { sql: "SELECT id FROM docs WHERE tsv @@ to_tsquery('english', $1)", times: 30, params: (i: number) => [`word${i}`] },
  { sql: 'SELECT id FROM docs WHERE body ILIKE $1', times: 30, params: (i: number) => [`%alpha${i}%`] },
  {
    sql: 'SELECT count(*) FROM events WHERE at >= $1 AND at < $2',
    times: 20,
    params: (i: number) => [`2024-02-${String(1 + i).padStart(2, '0')}`, `2024-02-${String(2 + i).padStart(2, '0')}`],
  },
  { sql: 'SELECT count(*) FROM events WHERE v BETWEEN $1 AND $2', times: 20, params: (i: number) => [i * 1000, i * 1000 + 500000] },
  { sql: 'SELECT id, title FROM tickets WHERE project_id = $1 ORDER BY opened_at DESC LIMIT 10', times: 40, params: (i: number) => [i % 40] },
  { sql: 'SELECT title FROM tickets WHERE code = $1', times: 40, params: (i: number) => [`T-${i + 1}`] },
  { sql: 'SELECT label FROM statuses WHERE code = $1', times: 50, params: (i: number) => [`s${1 + (i % 10)}`] },
];
