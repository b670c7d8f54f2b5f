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

/** Statements with their constants, as a server log or a .sql file gives them (no window: times are totals). */
export const KINDS_SAMPLED: {
  query: string;
  calls: number;
  meanMs: number;
  samples: string[][];
  /** the values of the i-th execution on a real server where the samples cannot repeat (a new primary key each time) */
  execution?: (i: number) => string[];
}[] = [
  // partial index on the value every call asks for (not assumed)
  { query: 'SELECT id, created_at FROM orders WHERE status = $1 ORDER BY created_at LIMIT $2', calls: 5000, meanMs: 12, samples: [['pending', '20']] },
  // near miss: the value the workload asks for holds 90 % of the rows
  { query: 'SELECT count(*) FROM orders WHERE status = $1', calls: 500, meanMs: 20, samples: [['done']] },
  // btree with text_pattern_ops for LIKE 'prefix%' (one with an escaped wildcard: still a prefix)
  { query: 'SELECT id FROM customers WHERE email LIKE $1', calls: 3000, meanMs: 8, samples: [['User123%'], ['User456%'], ['User789%'], ['User\\_12%']] },
  // the same, the pattern concatenated in the statement (normalized, `$1 || $2`; the '%' a constant of every sample)
  { query: "SELECT id, email FROM customers WHERE name LIKE $1 || '%'", calls: 2000, meanMs: 8, samples: [['name 12'], ['name 345']] },
  // expression key with a constant inside: (data ->> 'kind'); a value with a quote in it
  { query: 'SELECT id FROM docs WHERE data ->> $1 = $2', calls: 3000, meanMs: 9, samples: [['kind', 'k7'], ['kind', "k'9"]] },
  // full text on to_tsvector('english', body): the two-argument form, its configuration a constant
  { query: 'SELECT id FROM docs WHERE to_tsvector($1, body) @@ plainto_tsquery($2, $3)', calls: 2000, meanMs: 30, samples: [['english', 'english', 'word5']] },
  // near miss: the one-argument to_tsvector depends on a setting and cannot be indexed
  { query: 'SELECT id FROM docs WHERE to_tsvector(body) @@ plainto_tsquery($1)', calls: 2000, meanMs: 30, samples: [['word5']] },
  // BRIN: day-long ranges on a large table in time order, appended to all the time: a btree would cost every
  // insert an entry, a BRIN next to nothing
  {
    query: 'SELECT count(*) FROM events WHERE at >= $1 AND at < $2',
    calls: 400,
    meanMs: 40,
    samples: [['2024-02-01', '2024-02-02'], ['2024-03-01', '2024-03-02'], ['2024-01-15', '2024-01-16']],
  },
  {
    query: 'INSERT INTO events (id, at, v) VALUES ($1, $2, $3)',
    calls: 5_000_000,
    meanMs: 0.05,
    samples: [['300001', '2024-06-01', '7']],
    execution: (i) => [String(300001 + i), new Date(Date.UTC(2024, 5, 1) + i * 60_000).toISOString(), String(i % 1000)],
  },
  // two extensions of the same index: one proposal replaces it, the other is a plain addition
  { query: 'SELECT id, title FROM tickets WHERE project_id = $1 ORDER BY opened_at DESC LIMIT $2', calls: 3000, meanMs: 6, samples: [['7', '10']] },
  { query: 'SELECT id FROM tickets WHERE project_id = $1 AND title >= $2', calls: 2000, meanMs: 6, samples: [['9', 'ticket 9999']] },
  // near miss for BRIN: ranges on a column in random order
  { query: 'SELECT count(*) FROM events WHERE v BETWEEN $1 AND $2', calls: 400, meanMs: 40, samples: [['1000', '20000'], ['5000', '30000']] },
];

/** The values of the i-th execution of a sampled statement on a real server: its samples in turn. */
export function executionValues(w: (typeof KINDS_SAMPLED)[number], i: number): string[] {
  return w.execution?.(i) ?? w.samples[i % w.samples.length];
}
