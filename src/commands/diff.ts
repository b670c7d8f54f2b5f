// `pgadvisor diff OLD NEW`: what was fixed, what is new, what changed between two snapshots.
import { readSnapshot } from '../snapshot/io.ts';
import { diffSnapshots, type ChangedFinding, type DecisionChange, type FindingSummary, type SnapshotDiff, type ValueChange } from '../snapshot/diff.ts';
import { jsonText, terminalText } from '../util/untrusted-text.ts';

export interface DiffArgs {
  old: string;
  new: string;
  json?: boolean;
}

export interface Output {
  write(text: string): unknown;
}

/** Prints the diff (text, or JSON with `json`); exit code 0. Unreadable snapshots throw SnapshotError. */
export async function diffCommand(args: DiffArgs, out: Output = process.stdout): Promise<number> {
  const [a, b] = await Promise.all([readSnapshot(args.old), readSnapshot(args.new)]);
  const diff = diffSnapshots(a, b);
  out.write(args.json ? jsonText(diff, 2) + '\n' : formatDiff(diff, args.old, args.new));
  return 0;
}

/** Every string in a snapshot is untrusted (it may come from anyone): one terminal line, escapes visible. */
function flat(v: unknown): string {
  const s = typeof v === 'string' ? v : v === null || v === undefined ? 'null' : JSON.stringify(v);
  return terminalText(s);
}

/** At most `max` characters, never cutting an escape such as `\x1b` in two. */
function clip(s: string, max = 120): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  return cut.replace(/\\(x[0-9a-f]?|u\{?[0-9a-f]{0,5})?$/, '') + '…';
}

function entry(f: FindingSummary): string[] {
  return [`  ${f.severity.padEnd(8)} ${flat(f.title)}`, `           target ${flat(f.target)} · id ${flat(f.id)}`];
}

function changedEntry(f: ChangedFinding): string[] {
  const lines = entry(f);
  for (const c of f.fields) lines.push(`           ${flat(c.field)}: ${clip(flat(c.before))} → ${clip(flat(c.after))}`);
  return lines;
}

function decisionEntry(c: DecisionChange): string[] {
  const d = (x: DecisionChange['before']) => `${x.state}${x.note ? ` “${flat(x.note)}”` : ''}`;
  return [...entry(c), `           decision: ${clip(d(c.before))} → ${clip(d(c.after))}`];
}

function valueChange(c: ValueChange): string {
  if (c.before === null) return `+ ${flat(c.name)} ${flat(c.after)}`;
  if (c.after === null) return `- ${flat(c.name)} ${flat(c.before)}`;
  return `${flat(c.name)} ${flat(c.before)} → ${flat(c.after)}`;
}

export function formatDiff(d: SnapshotDiff, oldName: string, newName: string): string {
  const lines: string[] = [
    `pgadvisor diff`,
    `  old: ${flat(oldName)} (${flat(d.from.database)}, PostgreSQL ${flat(d.from.version)}, ${flat(d.from.takenAt)})`,
    `  new: ${flat(newName)} (${flat(d.to.database)}, PostgreSQL ${flat(d.to.version)}, ${flat(d.to.takenAt)})`,
    '',
  ];
  const s = d.server;
  if (s.database || s.version || s.settings.length || s.extensions.length) {
    lines.push('Server');
    if (s.database) lines.push(`  database: ${flat(s.database.before)} → ${flat(s.database.after)} (different databases)`);
    if (s.version) lines.push(`  version: ${flat(s.version.before)} → ${flat(s.version.after)}`);
    for (const c of s.settings) lines.push(`  setting ${valueChange(c)}`);
    for (const c of s.extensions) lines.push(`  extension ${valueChange(c)}`);
    lines.push('');
  }
  const section = (title: string, entries: string[][]) => {
    lines.push(`${title} (${entries.length})`);
    if (!entries.length) lines.push('  none');
    for (const e of entries) lines.push(...e);
    lines.push('');
  };
  section('Fixed', d.fixed.map(entry));
  section('New', d.new.map(entry));
  section('Changed', d.changed.map(changedEntry));
  section('Decisions changed', d.decisions.map(decisionEntry));
  lines.push(`${d.fixed.length} fixed, ${d.new.length} new, ${d.changed.length} changed, ${d.unchanged.length} unchanged, ${d.decisions.length} decision${d.decisions.length === 1 ? '' : 's'} changed`);
  return lines.join('\n') + '\n';
}
