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
-- low cardinality: judged by how the rows spread over the values (most_common_freqs)
CREATE TYPE app.priority AS ENUM ('normal', 'urgent', 'late');
CREATE TABLE app.flags (id int PRIMARY KEY, archived boolean, status text, tenant int, created date, visible boolean, prio app.priority, tier text);
INSERT INTO app.flags SELECT g, g % 100 = 0, (ARRAY['new','done','held'])[1 + g % 3], g % 500, date '2024-01-01' + g % 365,
                             g % 2 = 0, CASE WHEN g % 50 = 0 THEN 'urgent' WHEN g % 50 = 1 THEN 'late' ELSE 'normal' END::app.priority,
                             CASE WHEN g % 20 < 14 THEN 'a' WHEN g % 20 < 19 THEN 'b' ELSE 'c' END
                        FROM generate_series(1, 20000) g;
CREATE INDEX flags_archived ON app.flags (archived);                        -- FLAG skewed boolean (99/1): a partial index on the rare value
CREATE INDEX flags_visible ON app.flags (visible);                          -- FLAG flat boolean (50/50)
CREATE INDEX flags_status ON app.flags (status);                            -- FLAG flat (3 values, a third each)
CREATE INDEX flags_prio ON app.flags (prio);                                -- FLAG skewed enum (96/2/2)
CREATE INDEX flags_tier ON app.flags (tier);                                -- near miss: 70/25/5, the rare value is served
CREATE TABLE app.tiny (id int PRIMARY KEY, is_active boolean NOT NULL DEFAULT true);
CREATE INDEX tiny_is_active ON app.tiny (is_active);                        -- FLAG boolean on a table without statistics: advice without numbers
CREATE INDEX flags_status_created ON app.flags (status, created);           -- near miss: composite led by low-card column
CREATE INDEX flags_tenant ON app.flags (tenant);                            -- near miss: 500 values
CREATE INDEX flags_tenant_copy ON app.flags (tenant);                       -- FLAG duplicate, warning: 20,000 writes a day
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
-- foreign keys by the size of the child: a large child is a warning (the empty and small ones above are info)
INSERT INTO app.users (id, email) SELECT g, 'user' || g FROM generate_series(1, 2000) g;
CREATE TABLE app.visit_log (id bigint PRIMARY KEY, user_id bigint REFERENCES app.users (id));  -- FLAG fk, warning: 12,000 rows
INSERT INTO app.visit_log SELECT g, 1 + g % 2000 FROM generate_series(1, 12000) g;
-- partitioned, two levels deep: each partition's index concurrently, then ON ONLY + ATTACH
CREATE TABLE app.ledger (id bigint, user_id bigint REFERENCES app.users (id), kind text, at date) PARTITION BY RANGE (at); -- FLAG fk
CREATE TABLE app.ledger_2024 PARTITION OF app.ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.ledger_2025 PARTITION OF app.ledger FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (kind);
CREATE TABLE app.ledger_2025_a PARTITION OF app.ledger_2025 FOR VALUES IN ('a');
CREATE TABLE app.ledger_2025_b PARTITION OF app.ledger_2025 FOR VALUES IN ('b');
-- partitioned, one partition already indexed on its own: advice (a parent index would take it along when dropped)
CREATE TABLE app.audit (id bigint, user_id bigint REFERENCES app.users (id), at date) PARTITION BY RANGE (at); -- FLAG fk, advice
CREATE TABLE app.audit_2024 PARTITION OF app.audit FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.audit_2025 PARTITION OF app.audit FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX audit_2024_user ON app.audit_2024 (user_id);
-- near miss: every partition indexed on its own, one of them with other attribute numbers (a dropped column)
CREATE TABLE app.clicks (id bigint, user_id bigint REFERENCES app.users (id), at date) PARTITION BY RANGE (at);
CREATE TABLE app.clicks_2024 PARTITION OF app.clicks FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX clicks_2024_user ON app.clicks_2024 (user_id);
CREATE TABLE app.clicks_2025 (gone int, id bigint, user_id bigint, at date);
ALTER TABLE app.clicks_2025 DROP COLUMN gone;
CREATE INDEX clicks_2025_user ON app.clicks_2025 (user_id);
ALTER TABLE app.clicks ATTACH PARTITION app.clicks_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- a self-referencing foreign key without an index (flagged as such, not as a lookup table)
CREATE TABLE app.tree_nodes (id int PRIMARY KEY, parent_id int REFERENCES app.tree_nodes);
INSERT INTO app.tree_nodes SELECT g, CASE WHEN g > 1 THEN g / 2 END FROM generate_series(1, 500) g;
-- near miss: the same tree with its key indexed
CREATE TABLE app.tree_indexed (id int PRIMARY KEY, parent_id int REFERENCES app.tree_indexed);
CREATE INDEX tree_indexed_parent ON app.tree_indexed (parent_id);
INSERT INTO app.tree_indexed SELECT g, CASE WHEN g > 1 THEN g / 2 END FROM generate_series(1, 500) g;
-- unused on a partitioned table, two levels deep (planted); near miss: scanned on one partition (by the test)
CREATE TABLE app.metrics (id bigint, at date, kind text, v int) PARTITION BY RANGE (at);
CREATE TABLE app.metrics_2024 PARTITION OF app.metrics FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.metrics_2025 PARTITION OF app.metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (kind);
CREATE TABLE app.metrics_2025_a PARTITION OF app.metrics_2025 FOR VALUES IN ('a');
INSERT INTO app.metrics SELECT g, date '2024-06-01' + (g % 400), 'a', g FROM generate_series(1, 400) g;
CREATE INDEX metrics_v ON app.metrics (v);
CREATE INDEX metrics_kind ON app.metrics (kind);
-- index shapes: btree on an array (planted; near miss: gin), IS NOT NULL on a NOT NULL column (planted, whole and
-- in part; near miss: on a nullable column), a timestamp before the last key column (planted; near miss: last)
CREATE TABLE app.posts (id int PRIMARY KEY, tags text[], at timestamptz NOT NULL, author int NOT NULL, status text);
CREATE INDEX posts_tags ON app.posts (tags);
CREATE INDEX posts_tags_gin ON app.posts USING gin (tags);
CREATE INDEX posts_at_nn ON app.posts (at) WHERE at IS NOT NULL;
CREATE INDEX posts_author_live ON app.posts (author) WHERE author IS NOT NULL AND status = 'live';
CREATE INDEX posts_status_nn ON app.posts (status) WHERE status IS NOT NULL;
CREATE INDEX posts_author_at_status ON app.posts (author, at, status);
CREATE INDEX posts_author_status_at ON app.posts (author, status, at);
-- index bloat: an index that lost four fifths of its entries (the test deletes and vacuums); near miss: intact
CREATE TABLE app.bloaty (id int PRIMARY KEY, code text);
INSERT INTO app.bloaty SELECT g, 'code-' || lpad(g::text, 30, '0') FROM generate_series(1, 300000) g;
CREATE INDEX bloaty_code ON app.bloaty (code);
CREATE TABLE app.tidy (id int PRIMARY KEY, code text);
INSERT INTO app.tidy SELECT g, 'code-' || lpad(g::text, 30, '0') FROM generate_series(1, 300000) g;
CREATE INDEX tidy_code ON app.tidy (code);
-- a flat low-cardinality index that also serves a foreign key (flagged, saying so)
CREATE TABLE app.shipments (id int PRIMARY KEY, org_id int REFERENCES app.orgs (id));
INSERT INTO app.shipments SELECT g, 1 + g % 3 FROM generate_series(1, 3000) g;
CREATE INDEX shipments_org ON app.shipments (org_id);
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app, public', current_database()); END $$;
ANALYZE;
-- indexes a pgadvisor migration created: judged on the statistics since their snapshot
CREATE TABLE app.journal (id bigint PRIMARY KEY, kind text, at timestamptz);
CREATE INDEX journal_kind_idx ON app.journal (kind);                        -- created from an old snapshot: judged like any index
COMMENT ON INDEX app.journal_kind_idx IS 'pgadvisor: created for indexes/workload_indexes/app.journal.journal_kind_idx from the snapshot of 2020-01-02T03:04:05.678Z';
CREATE INDEX journal_at_idx ON app.journal (at);                            -- near miss: created from a snapshot not yet 30 days old
COMMENT ON INDEX app.journal_at_idx IS 'pgadvisor: created for indexes/workload_indexes/app.journal.journal_at_idx from the snapshot of 2099-01-01T00:00:00Z';
