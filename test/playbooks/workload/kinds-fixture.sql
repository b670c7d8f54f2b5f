-- Tables whose workload needs every kind of index candidate, each next to a near miss that must not get one.
CREATE EXTENSION pg_stat_statements;

-- btree composite; partial on the rare status; near miss: a filter on a column whose values each hold a third of the rows
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id int NOT NULL,
  status text NOT NULL,
  region text NOT NULL,
  created_at timestamptz NOT NULL,
  total numeric(10, 2) NOT NULL,
  note text
);
INSERT INTO orders (customer_id, status, region, created_at, total, note)
SELECT g % 3000,
       CASE WHEN g % 100 = 0 THEN 'pending' WHEN g % 100 < 10 THEN 'shipped' ELSE 'done' END,
       (ARRAY['eu', 'us', 'apac'])[1 + g % 3],
       timestamptz '2024-01-01' + g * interval '1 minute', (g % 997) / 10.0, repeat('n', 40)
  FROM generate_series(1, 60000) g;

-- INCLUDE: a hot lookup reading two narrow columns, on a table whose pages are all-visible
CREATE TABLE accounts (id int PRIMARY KEY, owner_id int NOT NULL, balance numeric(12, 2) NOT NULL, name text NOT NULL);
INSERT INTO accounts SELECT g, g % 800, g % 1000, repeat('a', 60) FROM generate_series(1, 40000) g;

-- expression: lower(email); btree pattern: LIKE 'prefix%'
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, name text);
INSERT INTO customers SELECT g, 'User' || g || '@Example.org', 'name ' || g FROM generate_series(1, 30000) g;

-- GIN: jsonb containment, array overlap, full text on a tsvector column and on to_tsvector('english', body); trigram for ILIKE '%…%'
CREATE TABLE docs (id int PRIMARY KEY, data jsonb NOT NULL, tags text[] NOT NULL, body text NOT NULL, tsv tsvector);
INSERT INTO docs
SELECT g, jsonb_build_object('kind', 'k' || (g % 50), 'n', g), ARRAY['t' || (g % 200), 't' || (g % 37)],
       'word' || (g % 1000) || ' alpha' || (g % 97) || ' omega' || (g % 389), NULL
  FROM generate_series(1, 20000) g;
UPDATE docs SET tsv = to_tsvector('english', body);

-- BRIN: a large append-only table (fillfactor 10 spreads 200,000 rows over 11,000 pages) whose timestamp follows the
-- physical order; near miss: a column in random order
CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, v int NOT NULL) WITH (fillfactor = 10);
INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', (hashint4(g::int) & 1048575) FROM generate_series(1, 200000) g;

-- extending an existing index: (project_id) becomes (project_id, opened_at DESC); near miss: a unique key already serves its lookups
CREATE TABLE tickets (id int PRIMARY KEY, code text NOT NULL, project_id int NOT NULL, opened_at timestamptz NOT NULL, title text);
INSERT INTO tickets SELECT g, 'T-' || g, g % 40, timestamptz '2024-01-01' + (g * 7919 % 40000) * interval '1 minute', 'ticket ' || g FROM generate_series(1, 40000) g;
CREATE INDEX tickets_project_idx ON tickets (project_id);
CREATE UNIQUE INDEX tickets_code_key ON tickets (code);

-- near miss: a tiny lookup table
CREATE TABLE statuses (code text PRIMARY KEY, label text NOT NULL);
INSERT INTO statuses SELECT 's' || g, 'status ' || g FROM generate_series(1, 10) g;

ANALYZE;
-- (the test then runs VACUUM, which sets the visibility map an index-only scan needs; it cannot run in this script's transaction)
