// Databases for the CI-output tests: planted findings (duplicate indexes on tables with enough writes to make them
// warnings, a foreign key without an index), one of them on a table whose name carries a terminal escape and a newline.
import { createDatabase, type TestDatabase } from '../support/db.ts';
import { emptyConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { fromUrl, type Target } from '../../src/db/target.ts';
import { runCheck, type CheckPlan } from '../../src/ci/run-check.ts';
import { selectNotebooks } from '../../src/playbooks/live.ts';

export const HOSTILE_TABLE = 'evil\u001b[31m\nname';

export const PLANTED = `
CREATE TABLE public.customers (id int PRIMARY KEY, email text);
CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int REFERENCES public.customers (id), note text);
CREATE INDEX orders_note_a ON public.orders (note);
CREATE INDEX orders_note_b ON public.orders (note);
CREATE TABLE public.${'U&"evil\\001B[31m\\000Aname"'} (id int PRIMARY KEY, v int);
CREATE INDEX dup_one ON public.${'U&"evil\\001B[31m\\000Aname"'} (v);
CREATE INDEX dup_two ON public.${'U&"evil\\001B[31m\\000Aname"'} (v);
-- 20,000 writes to each table within the statistics window (at least a day): the duplicates' cost makes them warnings
INSERT INTO public.orders (id, note) SELECT g, 'x' FROM generate_series(1, 10000) g;
DELETE FROM public.orders;
INSERT INTO public.${'U&"evil\\001B[31m\\000Aname"'} SELECT g, g FROM generate_series(1, 10000) g;
DELETE FROM public.${'U&"evil\\001B[31m\\000Aname"'};
-- counted at once: a backend flushes its counters at most once a second, and on PGlite the check runs in the same one
SELECT pg_stat_force_next_flush();
`;

export async function plantedDatabase(extra = ''): Promise<TestDatabase> {
  return createDatabase(PLANTED + extra);
}

/** A URL nothing listens on: the database that cannot be checked. */
export const UNREACHABLE = 'postgres://postgres:secret-password@127.0.0.1:9/nowhere';

export async function plan(urls: string[], over: Partial<CheckPlan> = {}, config: Config = emptyConfig()): Promise<CheckPlan> {
  const targets: Target[] = urls.map((u) => fromUrl(u, 'url'));
  return { targets, fleet: urls.length > 1, notebooks: await selectNotebooks(['indexes']), config, jobs: 2, failOn: null, baseline: null, save: null, ...over };
}

export async function check(urls: string[], over: Partial<CheckPlan> = {}, config?: Config) {
  return runCheck(await plan(urls, over, config));
}
