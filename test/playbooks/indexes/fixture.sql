-- Planted problems (flag) and near misses (must not flag) for the indexes notebook.
CREATE SCHEMA app;
CREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL, org_id int, active boolean NOT NULL DEFAULT true, created_at timestamptz);
CREATE UNIQUE INDEX users_email_key ON app.users (email);
CREATE INDEX users_email_idx ON app.users (email);                          -- FLAG redundant: plain duplicate of a unique
CREATE INDEX users_org_a ON app.users (org_id);                             -- FLAG duplicate (keeps users_org_a, older)
CREATE INDEX users_org_b ON app.users (org_id);                             -- ... users_org_b is the one dropped
CREATE INDEX users_org_created ON app.users (org_id, created_at);           -- makes users_org_* redundant instead
CREATE INDEX users_created_partial ON app.users (created_at) WHERE active;  -- near miss: partial, differs in predicate
CREATE INDEX users_created_full ON app.users (created_at, id);              -- near miss vs partial above
CREATE INDEX users_lower_email ON app.users (lower(email));                 -- near miss: expression
CREATE INDEX users_email_desc ON app.users (email DESC, id);                -- near miss: different sort option
CREATE TABLE app.orgs (id int PRIMARY KEY, name text);
ALTER TABLE app.users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES app.orgs (id);  -- near miss: covered by users_org_created
CREATE TABLE app.orders (id bigint PRIMARY KEY, user_id bigint REFERENCES app.users (id), org_id int, sku text);  -- FLAG fk without index
CREATE TABLE app.order_lines (order_id bigint, line int, org_id int, PRIMARY KEY (order_id, line),
  FOREIGN KEY (order_id) REFERENCES app.orders (id));                       -- near miss: PK leads with order_id
CREATE TABLE app.pairs (a int, b int, c int, UNIQUE (a, b));
CREATE TABLE app.pair_refs (x int, y int, FOREIGN KEY (y, x) REFERENCES app.pairs (a, b));
CREATE INDEX pair_refs_xy ON app.pair_refs (x, y);                          -- near miss: multi-col FK, other order
CREATE TABLE app.tags (id int PRIMARY KEY, user_id bigint REFERENCES app.users (id));
CREATE INDEX tags_user_nn ON app.tags (user_id) WHERE user_id IS NOT NULL;  -- near miss: partial IS NOT NULL covers the FK
CREATE TABLE app.notes (id int PRIMARY KEY, user_id bigint REFERENCES app.users (id), pinned boolean);
CREATE INDEX notes_user_pinned ON app.notes (user_id) WHERE pinned;         -- FLAG fk: partial on another predicate does not count
-- hostile identifiers
CREATE SCHEMA "Sales ""EU""";
CREATE TABLE "Sales ""EU"""."Order Items" ("Order Id" bigint, "Größe" int, "select" text);
CREATE INDEX "Idx ""A""" ON "Sales ""EU"""."Order Items" ("Order Id");
CREATE INDEX "idx b" ON "Sales ""EU"""."Order Items" ("Order Id");         -- FLAG duplicate with hostile names
COMMENT ON INDEX "Sales ""EU"""."idx b" IS 'it''s "quoted"';
CREATE TABLE "Sales ""EU"""."Kunden" (id bigint PRIMARY KEY);
ALTER TABLE "Sales ""EU"""."Order Items" ADD CONSTRAINT "fk Größe" FOREIGN KEY ("Größe") REFERENCES "Sales ""EU"""."Kunden" (id); -- FLAG fk
-- partitioned
CREATE TABLE app.events (id bigint, user_id bigint REFERENCES app.users (id), at date) PARTITION BY RANGE (at); -- FLAG fk on partitioned parent
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.visits (id bigint, user_id bigint REFERENCES app.users (id), at date) PARTITION BY RANGE (at); -- near miss: parent index
CREATE INDEX visits_user ON app.visits (user_id);
CREATE TABLE app.visits_2024 PARTITION OF app.visits FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX visits_2024_user_extra ON app.visits_2024 (user_id);          -- FLAG duplicate of the attached child index (keep attached)
-- low cardinality
CREATE TABLE app.flags (id int PRIMARY KEY, archived boolean, status text, tenant int, created date);
INSERT INTO app.flags SELECT g, g % 10 = 0, (ARRAY['new','done','held'])[1 + g % 3], g % 500, date '2024-01-01' + g % 365 FROM generate_series(1, 20000) g;
CREATE INDEX flags_archived ON app.flags (archived);                        -- FLAG low cardinality (boolean)
CREATE INDEX flags_status ON app.flags (status);                            -- FLAG low cardinality (3 values)
CREATE INDEX flags_status_created ON app.flags (status, created);           -- near miss: composite led by low-card column
CREATE INDEX flags_tenant ON app.flags (tenant);                            -- near miss: 500 values
INSERT INTO app.orgs VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO app.events SELECT g, NULL, date '2024-01-01' + g % 300 FROM generate_series(1, 1500) g; -- rows live in the partition, not the parent
ALTER TABLE app.orders ADD CONSTRAINT orders_org_fk FOREIGN KEY (org_id) REFERENCES app.orgs (id);  -- FLAG fk, info: lookup table
-- a foreign key whose column has two values in 20,000 rows: advice, never an index the low-selectivity check would flag
CREATE TABLE app.shifts (id int PRIMARY KEY);
INSERT INTO app.shifts VALUES (1), (2);
CREATE TABLE app.punches (id bigint PRIMARY KEY, shift_id int REFERENCES app.shifts (id));
INSERT INTO app.punches SELECT g, 1 + g % 2 FROM generate_series(1, 20000) g;
-- an expression index on a function outside the default search_path, with the database's search_path set to find it
CREATE FUNCTION app.norm(text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT lower($1)';
CREATE INDEX users_norm_a ON app.users (app.norm(email));
CREATE INDEX users_norm_b ON app.users (app.norm(email));                  -- FLAG duplicate; its rollback must qualify app.norm
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app, public', current_database()); END $$;
ANALYZE;
-- indexes a pgadvisor migration created: judged on the statistics since their snapshot
CREATE TABLE app.journal (id bigint PRIMARY KEY, kind text, at timestamptz);
CREATE INDEX journal_kind_idx ON app.journal (kind);                        -- created from an old snapshot: judged like any index
COMMENT ON INDEX app.journal_kind_idx IS 'pgadvisor: created for indexes/workload_indexes/app.journal.journal_kind_idx from the snapshot of 2020-01-02T03:04:05.678Z';
CREATE INDEX journal_at_idx ON app.journal (at);                            -- near miss: created from a snapshot not yet 30 days old
COMMENT ON INDEX app.journal_at_idx IS 'pgadvisor: created for indexes/workload_indexes/app.journal.journal_at_idx from the snapshot of 2099-01-01T00:00:00Z';
