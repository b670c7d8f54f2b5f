// What each view lists: the overview (every finding, a check's many findings folded into a pattern), and
// each section's cells and findings; both narrowed by the filter.
import { groupFindings, type Pattern } from '../findings/patterns.ts';
import type { CellRun, Finding, RunResult } from '../playbooks/types.ts';
import type { Section } from './state.ts';
import type { ScratchCell } from '../notebook/scratch.ts';

export type Item =
  /** a notebook's cell, or (scratch set) one the engineer wrote, its last run shown as a cell's */
  | { kind: 'cell'; key: string; run: CellRun; scratch?: ScratchCell }
  /** depth 1: a finding listed under its unfolded pattern */
  | { kind: 'finding'; key: string; finding: Finding; depth: 0 | 1 }
  | { kind: 'pattern'; key: string; pattern: Pattern; title: string; open: boolean };

/** Case-insensitive: the target, the title, the check and the severity's name. */
export function findingMatches(f: Finding, filter: string): boolean {
  const q = filter.toLowerCase();
  return f.target.toLowerCase().includes(q) || f.title.toLowerCase().includes(q) || f.check.toLowerCase().includes(q) || f.severity.startsWith(q);
}

function cellMatches(run: CellRun, filter: string): boolean {
  const q = filter.toLowerCase();
  return run.title.toLowerCase().includes(q) || run.cell.toLowerCase().includes(q);
}

/** Titles of the checks, by `playbook/check`, from the cells that ran them. */
function checkTitles(data: RunResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of data.playbooks) for (const r of p.runs) out.set(`${p.id}/${r.cell}`, r.title);
  return out;
}

// Recomputed only when the data, the filter or the folding changes: with 10,000 findings a key press that
// moves the cursor must not regroup them.
const overviewCache = new WeakMap<RunResult, { filter: string; unfolded: Record<string, true>; items: Item[] }>();
const groupCache = new WeakMap<RunResult, Map<string, { entries: ReturnType<typeof groupFindings>; titles: Map<string, string> }>>();

function grouped(data: RunResult, filter: string) {
  let byFilter = groupCache.get(data);
  if (!byFilter) groupCache.set(data, (byFilter = new Map()));
  let g = byFilter.get(filter);
  if (!g) {
    const findings = filter ? data.findings.filter((f) => findingMatches(f, filter)) : data.findings;
    g = { entries: groupFindings(findings), titles: checkTitles(data) };
    if (byFilter.size > 8) byFilter.clear();
    byFilter.set(filter, g);
  }
  return g;
}

export function overviewItems(data: RunResult, unfolded: Record<string, true>, filter: string): Item[] {
  const cached = overviewCache.get(data);
  if (cached && cached.filter === filter && cached.unfolded === unfolded) return cached.items;
  const { entries, titles } = grouped(data, filter);
  const items: Item[] = [];
  for (const e of entries) {
    if (e.kind === 'finding') {
      items.push({ kind: 'finding', key: `finding:${e.finding.id}`, finding: e.finding, depth: 0 });
      continue;
    }
    const open = Boolean(unfolded[`pattern:${e.key}`]);
    items.push({ kind: 'pattern', key: `pattern:${e.key}`, pattern: e, title: titles.get(e.key) ?? e.check, open });
    if (open) for (const f of e.findings) items.push({ kind: 'finding', key: `finding:${f.id}`, finding: f, depth: 1 });
  }
  overviewCache.set(data, { filter, unfolded, items });
  return items;
}

const sectionCache = new WeakMap<Section, { filter: string; items: Item[] }>();

export function sectionItems(section: Section, filter: string): Item[] {
  if (!filter) return section.items;
  const cached = sectionCache.get(section);
  if (cached && cached.filter === filter) return cached.items;
  const items = section.items.filter((i) => (i.kind === 'finding' ? findingMatches(i.finding, filter) : i.kind === 'cell' ? cellMatches(i.run, filter) : false));
  sectionCache.set(section, { filter, items });
  return items;
}

/** A scratch cell as a cell run: its last run, or "not run yet". */
export function scratchRun(cell: ScratchCell, running = false): CellRun {
  const base = { playbook: cell.playbook, cell: cell.id, kind: 'probe' as const, title: firstLine(cell.sql), sql: cell.sql };
  if (running) return { ...base, status: 'skipped', reason: 'running… (Esc cancels it)', durationMs: 0, columns: [], rows: [], rowCount: 0, truncated: false };
  if (!cell.run) return { ...base, status: 'skipped', reason: 'not run yet: ctrl-r runs it', durationMs: 0, columns: [], rows: [], rowCount: 0, truncated: false };
  const { status, reason, durationMs, columns, rows, rowCount, truncated } = cell.run;
  return { ...base, status, reason, durationMs, columns, rows, rowCount, truncated };
}

function firstLine(sql: string): string {
  const line = sql.split('\n').find((l) => l.trim() && !/^\s*--/.test(l)) ?? sql.split('\n')[0];
  return line.trim();
}

const scratchCache = new WeakMap<Item[], WeakMap<readonly ScratchCell[], Map<string, Item[]>>>();
const scratchItemCache = new WeakMap<ScratchCell, Item>();

/** A section's items with its scratch cells after them (the filter applies to their SQL too). */
export function withScratch(base: Item[], playbook: string, scratch: readonly ScratchCell[], filter: string, running: string | null = null): Item[] {
  if (!scratch.length) return base;
  let byScratch = scratchCache.get(base);
  if (!byScratch) scratchCache.set(base, (byScratch = new WeakMap()));
  let bySection = byScratch.get(scratch);
  if (!bySection) byScratch.set(scratch, (bySection = new Map()));
  const key = `${playbook}\0${running ?? ''}`;
  const hit = bySection.get(key);
  if (hit) return hit;
  const mine = scratch.filter((c) => c.playbook === playbook && (!filter || c.sql.toLowerCase().includes(filter.toLowerCase())));
  const items = mine.length
    ? [
        ...base,
        ...mine.map((c) => {
          if (c.id === running) return { kind: 'cell' as const, key: `scratch:${c.id}`, run: scratchRun(c, true), scratch: c };
          let item = scratchItemCache.get(c);
          if (!item) scratchItemCache.set(c, (item = { kind: 'cell', key: `scratch:${c.id}`, run: scratchRun(c), scratch: c }));
          return item;
        }),
      ]
    : base;
  bySection.set(key, items);
  return items;
}
