import { z } from 'zod';

// pgadvisor.snapshot/v1 — the document a session saves and replay/export/report/diff read.
// Minor versions add optional fields only; a reader accepts any v1.x it knows the major of.

export const SNAPSHOT_FORMAT = 'pgadvisor.snapshot/v1';
export const SNAPSHOT_MINOR = 3;

const severity = z.enum(['info', 'warning', 'critical']);
const row = z.record(z.string(), z.unknown());

export const cellRunSchema = z.object({
  playbook: z.string(),
  cell: z.string(),
  kind: z.enum(['probe', 'check', 'analyzer']),
  title: z.string(),
  sql: z.string().nullable(),
  status: z.enum(['ok', 'error', 'skipped', 'timeout', 'cancelled']),
  reason: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  columns: z.array(z.string()),
  rows: z.array(row),
  rowCount: z.number().int().nonnegative(),
  truncated: z.boolean(),
});

export const findingSchema = z.object({
  id: z.string().min(1),
  playbook: z.string(),
  check: z.string(),
  severity,
  target: z.string(),
  title: z.string(),
  rationale: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  up: z.string().nullable(),
  down: z.string().nullable(),
  drops: z.array(z.string()).default([]),
  keeps: z.array(z.string()).default([]),
});

/** v1.3: a cell the engineer wrote in a section (a scratch cell) and its last run */
export const scratchCellSchema = z.object({
  id: z.string().min(1),
  playbook: z.string(),
  sql: z.string(),
  createdAt: z.string(),
  editedAt: z.string(),
  run: z
    .object({
      status: z.enum(['ok', 'error', 'timeout', 'cancelled']),
      reason: z.string().nullable(),
      ranAt: z.string(),
      durationMs: z.number().nonnegative(),
      columns: z.array(z.string()),
      rows: z.array(row),
      rowCount: z.number().int().nonnegative(),
      truncated: z.boolean(),
    })
    .nullable(),
});

export const decisionSchema = z.object({
  state: z.enum(['accepted', 'rejected', 'pending']),
  note: z.string().default(''),
  at: z.string(),
});

const findingSummary = z.object({ id: z.string(), playbook: z.string(), check: z.string(), severity, target: z.string(), title: z.string() });
const valueChange = z.object({ name: z.string(), before: z.string().nullable(), after: z.string().nullable() });
const fromTo = z.object({ before: z.string(), after: z.string() }).nullable();

export const baselineChanges = z.object({
  fixed: z.array(findingSummary),
  new: z.array(findingSummary),
  changed: z.array(findingSummary.extend({ fields: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })) })),
  unchanged: z.number().int().nonnegative(),
  server: z.object({ database: fromTo, version: fromTo, settings: z.array(valueChange), extensions: z.array(valueChange) }),
});

const block = z.discriminatedUnion('type', [
  z.object({ type: z.literal('prose'), text: z.string() }),
  z.object({ type: z.literal('cell'), cellId: z.string() }),
]);

export const serverSchema = z.object({
  version: z.string(),
  versionNum: z.number().int(),
  database: z.string(),
  user: z.string(),
  product: z.string(),
  inRecovery: z.boolean(),
  extensions: z.array(z.object({ name: z.string(), version: z.string(), schema: z.string() })),
  availableExtensions: z.array(z.string()),
  privileges: z.object({
    superuser: z.boolean(),
    pg_read_all_stats: z.boolean(),
    pg_monitor: z.boolean(),
    pg_read_all_settings: z.boolean(),
  }),
  settings: z.record(z.string(), z.string()),
  statsReset: z.string().nullable(),
  postmasterStart: z.string().nullable(),
  managedSchemas: z.array(z.string()).default([]),
  /** v1.2: the managed provider detected (null: none); absent from older snapshots */
  provider: z.object({ id: z.string(), name: z.string(), evidence: z.array(z.string()) }).nullable().optional(),
});

export const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  minor: z.number().int().nonnegative().default(0),
  tool: z.object({ name: z.literal('pgadvisor'), version: z.string() }),
  takenAt: z.string(),
  /** set when this snapshot was saved from a replay of another one */
  derivedFrom: z.string().nullable().default(null),
  /** v1.1: when a replay saved this derived snapshot (takenAt stays the time the data was read) */
  savedAt: z.string().nullable().default(null),
  demo: z.boolean().default(false),
  server: serverSchema,
  playbooks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      summary: z.string().default(''),
      blocks: z.array(block),
      runs: z.array(cellRunSchema),
    }),
  ),
  findings: z.array(findingSchema),
  skipped: z.array(z.object({ playbook: z.string(), check: z.string(), reason: z.string() })),
  decisions: z.record(z.string(), decisionSchema),
  /** v1.3: the engineer's own cells (scratch cells), by section; absent when there are none */
  notes: z.array(scratchCellSchema).optional(),
  /** decisions carried from a baseline snapshot (by finding id), shown as "decided before" */
  baseline: z
    .object({
      file: z.string(),
      takenAt: z.string(),
      decisions: z.record(z.string(), decisionSchema),
      /** v1.2: what changed since the baseline (diffSnapshots), so a report can say it without the baseline file */
      changes: baselineChanges.nullable().optional(),
    })
    .nullable()
    .default(null),
});

export type Snapshot = z.infer<typeof snapshotSchema>;
