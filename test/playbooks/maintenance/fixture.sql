-- Planted maintenance problems and their near misses, in three transactions (the test splits at the
-- "-- transaction" lines): rows, then ANALYZE, then the changes that follow it. ANALYZE in the transaction that
-- inserted the rows would count those inserts as changes made after it. VACUUM and the transaction-ID burn
-- run from the test.
CREATE SCHEMA app;
CREATE SCHEMA "Odd Mäint";

-- vacuum backlog: 10,000 dead of 20,000 (planted); 500 dead of 20,000 and 500 dead of 600 (near misses, under 1,000)
CREATE TABLE "Odd Mäint"."Dead ""Rows""" (id int, "Väl ue" text) WITH (autovacuum_enabled = false);
INSERT INTO "Odd Mäint"."Dead ""Rows""" SELECT g, 'x' || g FROM generate_series(1, 20000) g;
CREATE TABLE app.few_dead (id int) WITH (autovacuum_enabled = off);
INSERT INTO app.few_dead SELECT generate_series(1, 20000);
-- autovacuum enabled but kept off the table by a lock another session holds (planted: the test takes the lock,
-- then fills the table and deletes half of it)
CREATE TABLE app.locked_out (id int);
CREATE TABLE app.tiny_dirty (id int) WITH (autovacuum_enabled = false);
INSERT INTO app.tiny_dirty SELECT generate_series(1, 600);

-- statistics: never analyzed with 5,000 rows (planted), empty or 40 rows (near misses), fully rewritten since ANALYZE (planted),
-- 1,500 changes on 20,000 rows (near miss: under the 2,050 trigger), a partitioned parent never analyzed
-- (planted) and one analyzed (near miss)
CREATE TABLE app.never_analyzed (id int) WITH (autovacuum_enabled = false);
INSERT INTO app.never_analyzed SELECT generate_series(1, 5000);
CREATE TABLE app.empty_never (id int) WITH (autovacuum_enabled = false);
CREATE TABLE app.small_never (id int) WITH (autovacuum_enabled = false);
INSERT INTO app.small_never SELECT generate_series(1, 40);
CREATE TABLE app.stale (id int, v int) WITH (autovacuum_enabled = false);
INSERT INTO app.stale SELECT g, 0 FROM generate_series(1, 5000) g;
CREATE TABLE app.slightly_changed (id int, v int) WITH (autovacuum_enabled = false);
INSERT INTO app.slightly_changed SELECT g, 0 FROM generate_series(1, 20000) g;
CREATE TABLE app.events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') WITH (autovacuum_enabled = false);
INSERT INTO app.events SELECT g, date '2024-01-01' + g % 300 FROM generate_series(1, 3000) g;
CREATE TABLE app.events_ok (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE app.events_ok_2024 PARTITION OF app.events_ok FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') WITH (autovacuum_enabled = false);
INSERT INTO app.events_ok SELECT g, date '2024-01-01' + g % 300 FROM generate_series(1, 3000) g;

-- bloat: two thirds of a ~21 MB table deleted (planted); the same table intact, a small table mostly deleted, and a
-- table whose rows are mostly alignment padding (near misses: the last looks 36 % bloated if padding is ignored).
-- The test vacuums and analyzes these.
CREATE TABLE app.bloated (id bigint, body text);
INSERT INTO app.bloated SELECT g, repeat('b', 100) FROM generate_series(1, 150000) g;
CREATE TABLE app.compact (id bigint, body text);
INSERT INTO app.compact SELECT g, repeat('c', 100) FROM generate_series(1, 150000) g;
CREATE TABLE app.small_bloated (id bigint, body text);
INSERT INTO app.small_bloated SELECT g, repeat('s', 100) FROM generate_series(1, 8000) g;
CREATE TABLE app.padded (a1 bool, b1 int8, a2 bool, b2 int8, a3 bool, b3 int8, a4 bool, b4 int8,
                         a5 bool, b5 int8, a6 bool, b6 int8, a7 bool, b7 int8, a8 bool, b8 int8);
INSERT INTO app.padded SELECT true, g, true, g, true, g, true, g, true, g, true, g, true, g, true, g FROM generate_series(1, 200000) g;

-- autovacuum tuning: 120,000 rows each rewritten once, one with its own options (planted, rollback restores them),
-- one without (planted; the test vacuums it so it carries no dead rows); 1,000 updates on 120,000 rows, a small
-- table updated six times over, and a table already tuned to 0.01 (near misses)
CREATE TABLE app.churny (id int, v int) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.1, autovacuum_enabled = false);
INSERT INTO app.churny SELECT g, 0 FROM generate_series(1, 120000) g;
CREATE TABLE "Odd Mäint"."Churn Täble" (id int, v int);
INSERT INTO "Odd Mäint"."Churn Täble" SELECT g, 0 FROM generate_series(1, 120000) g;
CREATE TABLE app.big_quiet (id int, v int) WITH (autovacuum_enabled = false);
INSERT INTO app.big_quiet SELECT g, 0 FROM generate_series(1, 120000) g;
CREATE TABLE app.small_churn (id int, v int) WITH (autovacuum_enabled = false);
INSERT INTO app.small_churn SELECT g, 0 FROM generate_series(1, 1000) g;
CREATE TABLE app.tuned (id int, v int) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_enabled = false);
INSERT INTO app.tuned SELECT g, 0 FROM generate_series(1, 120000) g;

-- autovacuum switched off for a TOAST table only (planted, with the value spelled "off")
CREATE TABLE app.toast_off (id int, doc text) WITH (toast.autovacuum_enabled = off);

-- an extension's table with autovacuum off and dead rows: never reported
CREATE EXTENSION pgstattuple;
CREATE TABLE app.ext_owned (id int) WITH (autovacuum_enabled = false);
INSERT INTO app.ext_owned SELECT generate_series(1, 20000);
ALTER EXTENSION pgstattuple ADD TABLE app.ext_owned;

-- transaction-ID age: the table's own freeze limit at its minimum, 100,000 (planted once the test burns IDs);
-- a table without the option (near miss; the test adds one with the option after the burn)
CREATE TABLE app.old_xids (id int) WITH (autovacuum_freeze_max_age = 100000);
CREATE TABLE app.plain_xids (id int);

-- sequences: 93 % of a serial; a bigint sequence feeding an integer column (79 % of the column's range); an
-- integer serial whose column was widened to bigint (88 %, the sequence alone binds); counting down a smallint
-- (61 %); a smallint identity (95 %); near misses: a bigserial at 2 billion, a serial at 46.6 %, an unused sequence
CREATE TABLE app.serial_hot (id serial PRIMARY KEY);
SELECT setval('app.serial_hot_id_seq', 2000000000);
CREATE SEQUENCE app.big_seq AS bigint;
CREATE TABLE app.narrow (id int DEFAULT nextval('app.big_seq'));
ALTER SEQUENCE app.big_seq OWNED BY app.narrow.id;
SELECT setval('app.big_seq', 1700000000);
CREATE TABLE app.widened (id serial);
ALTER TABLE app.widened ALTER COLUMN id TYPE bigint;
SELECT setval('app.widened_id_seq', 1900000000);
CREATE SEQUENCE app.down_seq AS smallint INCREMENT BY -1;
CREATE TABLE app.counting_down (id smallint DEFAULT nextval('app.down_seq'));
SELECT setval('app.down_seq', -20000);
CREATE TABLE "Odd Mäint"."Idént" ("Ïd" smallint GENERATED ALWAYS AS IDENTITY);
SELECT setval(pg_get_serial_sequence('"Odd Mäint"."Idént"', 'Ïd'), 31000);
CREATE TABLE app.roomy (id bigserial);
SELECT setval('app.roomy_id_seq', 2000000000);
CREATE TABLE app.half (id serial);
SELECT setval('app.half_id_seq', 1000000000);
CREATE SEQUENCE app.unused_seq AS smallint;

-- transaction
ANALYZE "Odd Mäint"."Dead ""Rows""", app.ext_owned, app.few_dead, app.tiny_dirty, app.stale, app.slightly_changed, app.events_2024,
        app.events_ok, app.churny, app.big_quiet, app.small_churn, app.tuned;

-- transaction
DELETE FROM "Odd Mäint"."Dead ""Rows""" WHERE id % 2 = 0;
DELETE FROM app.few_dead WHERE id <= 500;
DELETE FROM app.ext_owned WHERE id % 2 = 0;
DELETE FROM app.tiny_dirty WHERE id <= 500;
UPDATE app.stale SET v = 1;
UPDATE app.slightly_changed SET v = 1 WHERE id <= 1500;
DELETE FROM app.bloated WHERE id % 3 <> 0;
DELETE FROM app.small_bloated WHERE id % 5 <> 0;
UPDATE app.churny SET v = 1;
UPDATE "Odd Mäint"."Churn Täble" SET v = 1;
UPDATE app.big_quiet SET v = 1 WHERE id <= 1000;
UPDATE app.small_churn SET v = v + 1; UPDATE app.small_churn SET v = v + 1; UPDATE app.small_churn SET v = v + 1;
UPDATE app.small_churn SET v = v + 1; UPDATE app.small_churn SET v = v + 1; UPDATE app.small_churn SET v = v + 1;
UPDATE app.tuned SET v = 1;
