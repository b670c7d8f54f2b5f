// `sqitch`: changes appended to sqitch.plan (created when absent) with deploy/, revert/ and verify/ scripts.
// Sqitch runs the scripts through psql and the scripts carry their own BEGIN/COMMIT; a part that cannot run
// in a transaction simply has none. Plan lines: `name [deps] <UTC time> planner <email> # note`.
import type { Migration, MigrationPart } from '../build.ts';
import { commentText } from '../quote.ts';
import { comment, phaseNote, provenanceLines, rawNamesNote, renderPart } from '../render.ts';
import { isoSeconds, PHASE_SLUG, slotUnits, type Exporter } from './common.ts';
import { verifyChecks } from './verify.ts';
import { ExportError, type OutFile } from './write.ts';

const PLANNER = 'pgadvisor <pgadvisor@localhost>';

function deployOrRevert(m: Migration, part: MigrationPart, direction: 'up' | 'down', change: string): string {
  const body = part.statements.length ? renderPart(part, { explicitTransaction: true }) : '';
  const head = comment([...provenanceLines(m, direction), ...rawNamesNote(body), `${direction === 'up' ? 'deploy' : 'revert'} ${change}: ${phaseNote(part.phase)}`]);
  if (!part.statements.length) return `${head}\n-- nothing to ${direction === 'up' ? 'deploy' : 'revert'} in this change\n`;
  return `${head}\n\n${body}\n`;
}

function verify(m: Migration, part: MigrationPart, change: string): string {
  const checks = part.statements.flatMap((s) => [`-- ${commentText(s.findingId)}: ${commentText(s.title)}`, ...verifyChecks([s.sql])]).join('\n');
  const head = comment([...provenanceLines(m, 'up'), ...rawNamesNote(checks), `verify ${change}: each check divides by zero when the change is missing`]);
  return `${head}\n\nBEGIN;\n\n${checks}\n\nROLLBACK;\n`;
}

/** Change names already in a plan (change lines start with a name, optionally after + or -). */
function plannedChanges(plan: string): Set<string> {
  const out = new Set<string>();
  for (const line of plan.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('%') || t.startsWith('#') || t.startsWith('@')) continue;
    out.add(t.replace(/^[+-]/, '').split(/\s/)[0]);
  }
  return out;
}

export const exportSqitch: Exporter = async (m, ctx) => {
  const units = slotUnits(m);
  const existing = await ctx.existing('sqitch.plan');
  const planned = existing === null ? new Set<string>() : plannedChanges(existing);
  const files: OutFile[] = [];
  const lines: string[] = [];
  let previous: string | null = null;
  units.forEach((u, i) => {
    const change = `${ctx.slug}_${String(i + 1).padStart(2, '0')}_${PHASE_SLUG[u.slot]}`;
    if (planned.has(change)) throw new ExportError(`sqitch.plan already has a change named ${change}: export under another --name`);
    const note = `pgadvisor ${commentText(m.name)}, part ${i + 1} of ${units.length}: ${phaseNote(u.slot)}`.replace(/\s+/g, ' ');
    lines.push(`${change} ${previous ? `[${previous}] ` : ''}${isoSeconds(ctx.time, i)} ${PLANNER} # ${note}`);
    files.push({ path: `deploy/${change}.sql`, content: deployOrRevert(m, u.up, 'up', change) });
    files.push({ path: `revert/${change}.sql`, content: deployOrRevert(m, u.down, 'down', change) });
    files.push({ path: `verify/${change}.sql`, content: verify(m, u.up, change) });
    previous = change;
  });
  const base = existing === null ? `%syntax-version=1.0.0\n%project=${ctx.slug}\n\n` : existing.endsWith('\n') || existing === '' ? existing : `${existing}\n`;
  files.push({ path: 'sqitch.plan', content: base + lines.map((l) => `${l}\n`).join(''), replaces: true });
  return files;
};
