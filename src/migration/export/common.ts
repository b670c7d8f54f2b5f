// Shared by the exporters: names, version stamps from the snapshot's time, and the units files are made of.
import type { Migration, MigrationPart, MigrationStatement } from '../build.ts';
import { comment, phaseNote, provenanceLines, rawNamesNote, renderPart, renderStatement } from '../render.ts';
import { MIRROR } from '../build.ts';
import { MigrationError, PHASES, isTransactional, type Phase } from '../statements.ts';
import type { OutFile } from './write.ts';

export interface ExportContext {
  /** file-name-safe migration name: [A-Za-z0-9_] */
  slug: string;
  /** the snapshot's takenAt */
  time: Date;
  /** existing content of a file under the output dir, or null */
  existing(rel: string): Promise<string | null>;
}

export type Exporter = (m: Migration, ctx: ExportContext) => Promise<OutFile[]>;

export function slugOf(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  if (!s) throw new MigrationError(`migration name ${JSON.stringify(name)} has no letters or digits to name files with`);
  return s;
}

export function snapshotTime(takenAt: string): Date {
  const t = new Date(takenAt);
  if (Number.isNaN(t.getTime())) throw new MigrationError(`snapshot has an invalid takenAt time: ${JSON.stringify(takenAt.slice(0, 60))}`);
  return t;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** YYYYMMDDHHMMSS in UTC, `offset` seconds after `t`: consecutive versions for consecutive files. */
export function stamp14(t: Date, offset = 0): string {
  const d = new Date(Math.floor(t.getTime() / 1000) * 1000 + offset * 1000);
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}`;
}

/** ISO 8601 in UTC without fractions (sqitch.plan timestamps). */
export function isoSeconds(t: Date, offset = 0): string {
  return new Date(Math.floor(t.getTime() / 1000) * 1000 + offset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** For files that must hold one CONCURRENTLY statement and nothing else (the rule is knowingly accepted). */
export const ALONE_IGNORE =
  '-- squawk-ignore require-lock-timeout, require-statement-timeout\n';

export function aloneNote(tool: string): string {
  return (
    `-- Alone in this file on purpose: ${tool} sends the file as one query string, and Postgres runs such a string\n` +
    `-- as one implicit transaction, where CONCURRENTLY fails. lock_timeout cannot be SET here: set it for the\n` +
    `-- migrating role (ALTER ROLE … SET lock_timeout = '5s') or in the connection options.`
  );
}

export const PHASE_SLUG: Record<Phase, string> = {
  extension: 'extensions',
  'concurrent-create': 'concurrent_creates',
  change: 'changes',
  validate: 'validations',
  'concurrent-drop': 'concurrent_drops',
  maintenance: 'maintenance',
};

/** One slot of the migration as a version: its `up` part and the `down` part that undoes it. */
export interface SlotUnit {
  slot: Phase;
  transactional: boolean;
  up: MigrationPart;
  down: MigrationPart;
}

function part(phase: Phase, slot: Phase, statements: MigrationStatement[]): MigrationPart {
  return { phase, transactional: isTransactional(slot), statements };
}

/** Slots that have any statement, in `up` order; running the downs in reverse order gives `m.downParts`. */
export function slotUnits(m: Migration): SlotUnit[] {
  const out: SlotUnit[] = [];
  for (const slot of PHASES) {
    const steps = m.steps.filter((s) => s.slot === slot);
    if (!steps.length) continue;
    out.push({
      slot,
      transactional: isTransactional(slot),
      up: part(slot, slot, steps.flatMap((s) => s.up)),
      down: part(MIRROR[slot], slot, [...steps].reverse().flatMap((s) => s.down)),
    });
  }
  return out;
}

/**
 * Like slotUnits, but a non-transactional slot becomes one unit per statement: for tools that send a whole
 * file as one query string, which Postgres runs as one implicit transaction (prisma, golang-migrate).
 * Each finding's statements stay paired with its own rollback.
 */
export function singleStatementUnits(m: Migration): SlotUnit[] {
  const out: SlotUnit[] = [];
  for (const unit of slotUnits(m)) {
    if (unit.transactional) {
      out.push(unit);
      continue;
    }
    for (const step of m.steps.filter((s) => s.slot === unit.slot)) {
      const n = Math.max(step.up.length, step.down.length);
      for (let i = 0; i < n; i++) {
        // versions roll back last-first, so the i-th of n gets the (n-1-i)-th rollback statement
        const down = step.down[n - 1 - i];
        out.push({
          slot: unit.slot,
          transactional: false,
          up: part(unit.slot, unit.slot, step.up[i] ? [step.up[i]] : []),
          down: part(MIRROR[unit.slot], unit.slot, down ? [down] : []),
        });
      }
    }
  }
  return out;
}

/** A version file for tools that run a file as one query string (see singleStatementUnits). */
export function singleStatementFile(m: Migration, unit: SlotUnit, direction: 'up' | 'down', index: number, total: number, tool: string): string {
  const part = direction === 'up' ? unit.up : unit.down;
  const body = !part.statements.length ? '' : unit.transactional ? renderPart(part, { explicitTransaction: true }) : renderStatement(part.statements[0], ALONE_IGNORE);
  const head = comment([...provenanceLines(m, direction), ...rawNamesNote(body), `version ${index + 1} of ${total}: ${phaseNote(part.phase)}`]);
  if (!part.statements.length) return `${head}\n-- nothing to ${direction === 'up' ? 'apply' : 'undo'} in this version\n`;
  if (unit.transactional) return `${head}\n\n${body}\n`;
  return `${head}\n${aloneNote(tool)}\n\n${body}\n`;
}
