// The engineer's own cells of a section (scratch cells) in the report, under "Engineer's notes": each
// statement as typed, when it last ran and how it ended, and its result as a table like the evidence's.
import type { Snapshot } from '../snapshot/schema.ts';
import type { Block } from './doc.ts';
import { resultBlocks } from './result-table.ts';
import { stamp } from './summary.ts';

type Note = NonNullable<Snapshot['notes']>[number];

export function notesOf(s: Snapshot, playbook: string): Note[] {
  return (s.notes ?? []).filter((c) => c.playbook === playbook);
}

function ranText(c: Note): string {
  const r = c.run;
  if (!r) return 'Not run.';
  const when = `Ran ${stamp(r.ranAt)} in ${Math.round(r.durationMs)} ms`;
  if (r.status === 'ok') return `${when}: ${r.rowCount} row${r.rowCount === 1 ? '' : 's'}.`;
  return `${when}: ${r.status}.`;
}

export function notesBlocks(notes: Note[]): Block[] {
  const out: Block[] = [];
  notes.forEach((c, i) => {
    out.push({ t: 'heading', level: 4, text: `Note ${i + 1}` }, { t: 'code', lang: 'sql', text: c.sql }, { t: 'para', text: { em: ranText(c) } });
    const r = c.run;
    if (r) out.push(...resultBlocks(r));
  });
  return out;
}
