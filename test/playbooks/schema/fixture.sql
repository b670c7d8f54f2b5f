-- Planted schema-integrity problems and their near misses. Every table that is not about primary keys has one.
CREATE SCHEMA app;
CREATE SCHEMA "Ödd Schéma";

-- primary keys: none and nothing to promote; a plain unique index on NOT NULL columns (promotable, twice, one
-- hostile with "id" taken); a UNIQUE constraint; a unique index on a nullable column; a DESC unique index; a
-- partitioned table (its partition is not reported); near miss: a table with a primary key
CREATE TABLE app.no_key (id int, b text);
CREATE TABLE app.promotable (code text NOT NULL, region int NOT NULL, note text);
CREATE UNIQUE INDEX promotable_code_region ON app.promotable (code, region);
CREATE TABLE "Ödd Schéma"."Kéy ""less""" ("Ïd" int NOT NULL, id int);
CREATE UNIQUE INDEX "Kéy Idx" ON "Ödd Schéma"."Kéy ""less""" ("Ïd");
CREATE TABLE app.uq_constraint (email text NOT NULL UNIQUE);
CREATE TABLE app.nullable_unique (email text UNIQUE);
CREATE TABLE app.desc_unique (k int NOT NULL);
CREATE UNIQUE INDEX desc_unique_k ON app.desc_unique (k DESC);
CREATE TABLE app.parted (id serial, at date) PARTITION BY RANGE (at);
CREATE TABLE app.parted_2024 PARTITION OF app.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.has_pk (id int PRIMARY KEY);
-- logical replication: a published table with nothing to identify its rows (critical: its UPDATE and DELETE fail
-- now); near miss: one set to REPLICA IDENTITY FULL (warning); one with a unique NOT NULL index (info)
CREATE TABLE app.pub_no_key (a int, b text);
CREATE TABLE app.pub_full (a int, b text);
ALTER TABLE app.pub_full REPLICA IDENTITY FULL;
CREATE TABLE app.pub_unique (a int NOT NULL, b text);
CREATE UNIQUE INDEX pub_unique_a ON app.pub_unique (a);
CREATE PUBLICATION pgadv_pub FOR TABLE app.pub_no_key, app.pub_full, app.pub_unique;

-- json: a small table (fixed by a migration), one a view uses and one over 10 MB (advice); near miss: jsonb
CREATE TABLE app.docs (id int PRIMARY KEY, body json DEFAULT '{}'::json, meta jsonb);
INSERT INTO app.docs SELECT g, '{"b": 1,  "a": 2}', '{}' FROM generate_series(1, 100) g;
CREATE TABLE app.docs_viewed (id int PRIMARY KEY, body json);
CREATE VIEW app.docs_view AS SELECT id, body FROM app.docs_viewed;
-- values jsonb rejects or changes (advice): a \u0000 escape; duplicate keys; a webhook payload kept verbatim
CREATE TABLE app.nul_docs (id int PRIMARY KEY, body json);
INSERT INTO app.nul_docs VALUES (1, '{"a": "x"}'), (2, '{"a": "\u0000"}');
CREATE TABLE app.dup_docs (id int PRIMARY KEY, body json);
INSERT INTO app.dup_docs VALUES (1, '{"a": 1}'), (2, '{"a": 1, "a": 2}');
CREATE TABLE app.webhook_events (id int PRIMARY KEY, payload json);
INSERT INTO app.webhook_events VALUES (1, '{"b": 1, "a": 2}');
CREATE TABLE app.big_docs (id int PRIMARY KEY, body json);
INSERT INTO app.big_docs SELECT g, json_build_object('payload', repeat('x', 150), 'n', g) FROM generate_series(1, 70000) g;

-- timestamp: two columns, one used by a view; near miss: timestamptz only
CREATE TABLE app.stamps (id int PRIMARY KEY, created timestamp, updated timestamp(3), done timestamptz);
CREATE VIEW app.stamps_view AS SELECT created FROM app.stamps;
CREATE TABLE app.stamps_ok (id int PRIMARY KEY, done timestamptz);

-- varchar(n): hostile names; near misses: varchar without a limit, text
CREATE TABLE "Ödd Schéma"."Wörds" (id int PRIMARY KEY, "Nämé" varchar(40), code varchar(3), free varchar, t text);
CREATE INDEX "Wörds nämé" ON "Ödd Schéma"."Wörds" ("Nämé");
INSERT INTO "Ödd Schéma"."Wörds" VALUES (1, 'Ädä', 'abc', 'x', 'y');

-- serial: an owned serial with rows; a hostile bigint column fed by a sequence it does not own, with a comment and
-- a grant; advice: a serial made nullable, two tables sharing one sequence, a partitioned table (app.parted above);
-- near miss: an identity column
CREATE TABLE app.serial_t (id serial PRIMARY KEY, v int);
INSERT INTO app.serial_t (v) VALUES (1), (2), (3);
CREATE SEQUENCE "Ödd Schéma"."Séq";
CREATE TABLE "Ödd Schéma"."Sérial" ("Ïd" bigint NOT NULL DEFAULT nextval('"Ödd Schéma"."Séq"') PRIMARY KEY);
COMMENT ON SEQUENCE "Ödd Schéma"."Séq" IS 'ids for Sérial';
GRANT USAGE, SELECT ON SEQUENCE "Ödd Schéma"."Séq" TO PUBLIC;
CREATE TABLE app.nullable_serial (k int PRIMARY KEY, id serial);
ALTER TABLE app.nullable_serial ALTER COLUMN id DROP NOT NULL;
CREATE SEQUENCE app.shared_seq;
CREATE TABLE app.shared_a (id int PRIMARY KEY DEFAULT nextval('app.shared_seq'));
CREATE TABLE app.shared_b (id int PRIMARY KEY DEFAULT nextval('app.shared_seq'));
CREATE TABLE app.ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
-- a bigint sequence (CREATE SEQUENCE's default) feeding an integer column, as in Pagila: offered, the identity
-- takes the column's type; one whose own MAXVALUE does not fit the column: advice
CREATE SEQUENCE app.bigseq_for_int;
CREATE TABLE app.int_from_bigseq (id int NOT NULL DEFAULT nextval('app.bigseq_for_int') PRIMARY KEY);
CREATE SEQUENCE app.too_wide MAXVALUE 5000000000;
CREATE TABLE app.too_wide_t (id int NOT NULL DEFAULT nextval('app.too_wide') PRIMARY KEY);

-- foreign keys: identifying without a rule (planted, one hostile and deferrable); near misses: not part of the
-- child's key, CASCADE, RESTRICT, self-reference
CREATE TABLE app.orders (id int PRIMARY KEY);
CREATE TABLE app.order_lines (order_id int REFERENCES app.orders, line int, PRIMARY KEY (order_id, line));
CREATE TABLE "Ödd Schéma"."Li nes" ("Ördér" int, n int, PRIMARY KEY ("Ördér", n),
  CONSTRAINT "fk Ördér" FOREIGN KEY ("Ördér") REFERENCES app.orders ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE app.order_notes (id int PRIMARY KEY, order_id int REFERENCES app.orders);
CREATE TABLE app.order_tags (order_id int REFERENCES app.orders ON DELETE CASCADE, tag text, PRIMARY KEY (order_id, tag));
CREATE TABLE app.order_audit (order_id int REFERENCES app.orders ON DELETE RESTRICT, at int, PRIMARY KEY (order_id, at));
CREATE TABLE app.tree (id int PRIMARY KEY REFERENCES app.tree);
-- ... and what the statistics show: order 1 deleted after its lines by hand (planted, both line tables); audit rows
-- never deleted (near miss: RESTRICT is a decision and nothing works around it)
INSERT INTO app.orders SELECT g FROM generate_series(1, 10) g;
INSERT INTO app.order_lines SELECT o, l FROM generate_series(1, 10) o, generate_series(1, 3) l;
INSERT INTO "Ödd Schéma"."Li nes" SELECT o, l FROM generate_series(1, 10) o, generate_series(1, 3) l;
INSERT INTO app.order_audit SELECT o, 1 FROM generate_series(2, 10) o;
DELETE FROM app.order_lines WHERE order_id = 1;
DELETE FROM "Ödd Schéma"."Li nes" WHERE "Ördér" = 1;
DELETE FROM app.orders WHERE id = 1;
-- a link table between an entity and a lookup table: items deleted after their links (planted); CASCADE is
-- offered for the item side only, never towards the lookup table
CREATE TABLE app.kinds (id int PRIMARY KEY, name text);
CREATE TABLE app.items (id int PRIMARY KEY);
CREATE TABLE app.item_kinds (item_id int REFERENCES app.items, kind_id int REFERENCES app.kinds, PRIMARY KEY (item_id, kind_id));
INSERT INTO app.kinds VALUES (1, 'a'), (2, 'b');
INSERT INTO app.items SELECT g FROM generate_series(1, 5) g;
INSERT INTO app.item_kinds SELECT i, k FROM generate_series(1, 5) i, generate_series(1, 2) k;
DELETE FROM app.item_kinds WHERE item_id = 1;
DELETE FROM app.items WHERE id = 1;
-- near miss: parents deleted only while childless, no child ever deleted
CREATE TABLE app.groups (id int PRIMARY KEY);
CREATE TABLE app.memberships (group_id int REFERENCES app.groups, user_id int, PRIMARY KEY (group_id, user_id));
INSERT INTO app.groups VALUES (1), (2), (3);
INSERT INTO app.memberships VALUES (2, 1), (2, 2);
DELETE FROM app.groups WHERE id = 1;

-- NOT VALID: a commented CHECK, a foreign key with a hostile name, a domain constraint; near miss: a validated CHECK
CREATE TABLE app.checked (id int PRIMARY KEY CHECK (id > 0), qty int);
INSERT INTO app.checked VALUES (1, 5);
ALTER TABLE app.checked ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
COMMENT ON CONSTRAINT qty_positive ON app.checked IS 'must be positive';
CREATE TABLE app.refs (id int PRIMARY KEY, order_id int);
ALTER TABLE app.refs ADD CONSTRAINT "refs Order" FOREIGN KEY (order_id) REFERENCES app.orders NOT VALID;
CREATE DOMAIN app.pos AS int;
ALTER DOMAIN app.pos ADD CONSTRAINT pos_check CHECK (VALUE > 0) NOT VALID;

-- money; near miss: numeric
CREATE TABLE app.prices (id int PRIMARY KEY, amount money, total numeric);

-- an extension's table, with every problem: never reported
CREATE EXTENSION pgstattuple;
CREATE TABLE app.ext_owned (id serial, doc json, at timestamp, price money, name varchar(10));
ALTER EXTENSION pgstattuple ADD TABLE app.ext_owned;
ALTER EXTENSION pgstattuple ADD SEQUENCE app.ext_owned_id_seq;

-- migration tools' bookkeeping tables, with no primary key, varchar(n) and timestamp: never reported
CREATE TABLE app.databasechangelog (id varchar(255) NOT NULL, author varchar(255) NOT NULL, dateexecuted timestamp NOT NULL);
CREATE TABLE app._prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz);

-- foreign key types: an integer column referencing a bigint key (fixed: rewrite of a small table); a varchar(50)
-- referencing a varchar(100) key and a varchar(20) referencing a text key (fixed: catalog only); a text column
-- referencing a varchar(10) key (advice: wider than its key); an integer one a view uses (advice); near miss: the
-- keys above whose types match
CREATE TABLE app.big_parents (id bigint PRIMARY KEY);
CREATE TABLE app.small_refs (id int PRIMARY KEY, parent_id int REFERENCES app.big_parents);
CREATE TABLE app.codes (code varchar(100) PRIMARY KEY);
CREATE TABLE app.code_refs (id int PRIMARY KEY, code varchar(50) REFERENCES app.codes);
CREATE TABLE app.named (name text PRIMARY KEY);
CREATE TABLE app.named_refs (id int PRIMARY KEY, name varchar(20) REFERENCES app.named);
CREATE TABLE app.short_keys (k varchar(10) PRIMARY KEY);
CREATE TABLE app.short_refs (id int PRIMARY KEY, k text REFERENCES app.short_keys);
CREATE TABLE app.viewed_refs (id int PRIMARY KEY, parent_id int REFERENCES app.big_parents);
CREATE VIEW app.viewed_refs_v AS SELECT parent_id FROM app.viewed_refs;

-- char(n): two columns in one table (advice); near miss: text
CREATE TABLE app.fixed (id int PRIMARY KEY, code char(3), flag char(1), note text);

-- nullable foreign keys: never NULL in 200 rows (advice); near miss: some NULLs
CREATE TABLE app.authors (id int PRIMARY KEY);
INSERT INTO app.authors SELECT generate_series(1, 10);
CREATE TABLE app.books (id int PRIMARY KEY, author_id int REFERENCES app.authors);
INSERT INTO app.books SELECT g, 1 + g % 10 FROM generate_series(1, 200) g;
CREATE TABLE app.reviews (id int PRIMARY KEY, author_id int REFERENCES app.authors);
INSERT INTO app.reviews SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE 1 + g % 10 END FROM generate_series(1, 200) g;
ANALYZE app.authors, app.books, app.reviews;

-- names: one cut at 63 bytes (planted), one of 62 bytes (near miss)
CREATE TABLE app.customer_subscription_renewal_reminder_notification_preferences_by_region (id int PRIMARY KEY);
CREATE TABLE app.customer_subscription_renewal_reminder_notification_preference (id int PRIMARY KEY);

-- UNIQUE on the primary key's columns: with a foreign key using its index (fixed in order), without (fixed), in
-- another order (advice); near miss: UNIQUE on a superset
CREATE TABLE app.plans (id int NOT NULL, name text, CONSTRAINT plans_id_key UNIQUE (id));
CREATE TABLE app.subscriptions (id int PRIMARY KEY, plan_id int REFERENCES app.plans (id));
ALTER TABLE app.plans ADD CONSTRAINT plans_pkey PRIMARY KEY (id);
CREATE TABLE app.labels (id int PRIMARY KEY, name text, CONSTRAINT labels_id_name_key UNIQUE (id, name));
COMMENT ON TABLE app.labels IS 'a UNIQUE on the key written in CREATE TABLE would be dropped there as a duplicate: added after';
ALTER TABLE app.labels ADD CONSTRAINT labels_id_uniq UNIQUE (id);
COMMENT ON CONSTRAINT labels_id_uniq ON app.labels IS 'kept by the rollback';
CREATE TABLE app.grid (a int, b int, PRIMARY KEY (a, b), CONSTRAINT grid_b_a_key UNIQUE (b, a));

-- undeclared references: same schema, same type (high); compatible types (medium); near misses: a polymorphic pair,
-- a name no table matches
CREATE TABLE app.customers (id int PRIMARY KEY);
CREATE TABLE app.categories (id int PRIMARY KEY);
CREATE TABLE app.invoices (id int PRIMARY KEY, customer_id int, category_id bigint, commentable_id int, commentable_type text, request_id uuid);
-- every partition declares the reference, the partitioned table does not (planted)
CREATE TABLE app.visits (id int, customer_id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.visits_2024 PARTITION OF app.visits FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.visits_2025 PARTITION OF app.visits FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE app.visits_2024 ADD FOREIGN KEY (customer_id) REFERENCES app.customers;
ALTER TABLE app.visits_2025 ADD FOREIGN KEY (customer_id) REFERENCES app.customers;
