// Structure checks of a report against its snapshot, computed independently of the report code where it
// matters: the sections, each section's verdict from the findings, the ranking of the key findings, the
// projection's counts and bytes against the migration's own statements, a risk row for every statement.
import { expect } from 'vitest';
import { loadModule, parseSync } from 'libpg-query';
import { buildMigration } from '../../src/migration/build.ts';
import { severityRank } from '../../src/playbooks/types.ts';
import { snapshotBaseName } from '../../src/snapshot/io.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import { formatBytes } from '../../src/report/units.ts';

await loadModule();

/** The text between a `## ` heading starting with `title` (after its number) and the next `## ` heading. */
export function section(md: string, title: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## ') && l.replace(/^## (\d+\. )?/, '').startsWith(title));
  expect(start, `section ${title}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const VERDICT = { critical: '🔴 Critical', attention: '🟠 Needs attention', good: '✅ Good', unknown: '⚪ Not assessed' };

/** What each section's verdict must be, from the snapshot alone. */
export function expectedVerdict(s: Snapshot, playbook: string): keyof typeof VERDICT {
  const p = s.playbooks.find((x) => x.id === playbook)!;
  const live = s.findings.filter((f) => f.playbook === playbook && s.decisions[f.id]?.state !== 'rejected');
  const checks = p.runs.filter((r) => r.kind !== 'probe');
  const failed = checks.some((r) => ['error', 'timeout', 'cancelled'].includes(r.status));
  if (live.some((f) => f.severity === 'critical')) return 'critical';
  if (live.some((f) => f.severity === 'warning') || failed) return 'attention';
  if (!checks.some((r) => r.status === 'ok')) return 'unknown';
  return 'good';
}

function statementsOf(s: Snapshot) {
  const m = buildMigration(s, { name: snapshotBaseName(s) });
  return { m, stmts: m.parts.flatMap((p) => p.statements.map((st) => ({ ...st, // parse trees are untyped
      node: parseSync(st.sql).stmts![0].stmt as Record<string, any> }))) };
}

export function expectReportStructure(s: Snapshot, md: string): void {
  // every section, in order
  const heads = md.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));
  const tail = ['Impact projection', 'Risk matrix', 'Rollout plan', 'Rollback plan', 'Rejected recommendations', 'Pending recommendations', 'Skipped checks', 'Monitoring checklist'];
  expect(heads).toEqual([
    'Executive summary',
    'Database facts',
    ...s.playbooks.map((p, i) => `${i + 1}. ${p.title}`),
    ...tail.map((t, i) => expect.stringMatching(new RegExp(`^${s.playbooks.length + i + 1}\\. ${t}`))),
  ]);

  // a verdict per section, the same in the summary table and in the section
  const summary = section(md, 'Executive summary');
  s.playbooks.forEach((p, i) => {
    const v = VERDICT[expectedVerdict(s, p.id)];
    expect(summary, p.id).toMatch(new RegExp(`^\\| ${i + 1}\\. [^|]+ \\| ${v} \\|`, 'm'));
    expect(section(md, p.title)).toContain(`**Verdict**: ${v} — `);
  });

  // key findings: at most 10, severity never rises down the list, a check with 3+ findings appears once as a pattern
  const keys = summary
    .split('### Key findings, ranked by impact')[1]
    ?.split('\n###')[0]
    .split('\n')
    .filter((l) => /^\d+\. /.test(l)) ?? [];
  const live = s.findings.filter((f) => s.decisions[f.id]?.state !== 'rejected');
  expect(keys.length).toBe(Math.min(10, new Set(live.map((f) => (liveCount(live, f) >= 3 ? `${f.playbook}/${f.check}` : f.id))).size));
  const sev = keys.map((k) => (k.includes('🔴 Critical') ? 2 : k.includes('🟠 Warning') ? 1 : 0));
  for (let i = 1; i < sev.length; i++) expect(sev[i], keys[i]).toBeLessThanOrEqual(sev[i - 1]);
  const top = Math.max(-1, ...live.map((f) => severityRank(f.severity)));
  if (keys.length) expect(sev[0]).toBe(top);

  const { m, stmts } = statementsOf(s);
  // the projection counts what the migration does
  const impact = section(md, 'Impact projection');
  const created = new Set(stmts.filter((x) => x.node.IndexStmt).map((x) => `${x.node.IndexStmt.relation.schemaname}.${x.node.IndexStmt.idxname}`));
  const drops = stmts.filter((x) => x.node.DropStmt?.removeType === 'OBJECT_INDEX');
  expect(impact).toMatch(new RegExp(`- Added: ${created.size} index(es)?,`));
  expect(impact).toMatch(new RegExp(`- Freed: ${drops.length} index(es)?,`));
  const dropFindings = new Set(drops.map((d) => d.findingId));
  const freed = s.findings.filter((f) => dropFindings.has(f.id)).reduce((a, f) => a + (typeof f.evidence.drop_bytes === 'number' ? f.evidence.drop_bytes : 0), 0);
  if (drops.length && s.findings.filter((f) => dropFindings.has(f.id)).every((f) => typeof f.evidence.drop_bytes === 'number')) {
    expect(impact).toContain(`- Freed: ${drops.length} index${drops.length === 1 ? '' : 'es'}, ${formatBytes(freed)} (`);
  }
  const totals = /\| Indexes \| ([\d,]+) \| ([\d,]+) \| ([+-]?\d+) \|/.exec(impact);
  if (totals) {
    const [before, after] = [totals[1], totals[2]].map((x) => Number(x.replace(/,/g, '')));
    expect(after - before).toBe(created.size - drops.length);
  }

  // a risk row for every accepted statement, in migration order
  const risk = section(md, 'Risk matrix');
  if (!stmts.length) expect(risk).toContain('No accepted statement changes the database.');
  else {
    expect(risk).toContain(`<details><summary>Every accepted statement (${stmts.length})</summary>`);
    const table = risk.split(`Every accepted statement (${stmts.length})</summary>`)[1];
    const rows = table.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows.map((r) => Number(/^\| (\d+) \|/.exec(r)![1]))).toEqual(stmts.map((_, i) => i + 1));
    const phaseOf = m.parts.flatMap((p) => p.statements.map(() => p.phase));
    rows.forEach((r, i) => expect(r).toContain(`| ${i + 1} | ${phaseOf[i]} | `));
  }

  // rollout: a phase per migration phase used, each with its verification and rollback
  const rollout = section(md, 'Rollout plan');
  const phases = new Set(m.parts.map((p) => p.phase));
  if (phases.has('concurrent-create')) expect(rollout).toMatch(/### Phase 1: Non-blocking index creates[^]*\*\*Verify after phase 1\*\*[^]*\*\*Rollback of phase 1\*\*/);
  if (phases.has('change')) expect(rollout).toMatch(/### Phase 2: Transactional changes[^]*\*\*Verify after phase 2\*\*[^]*\*\*Rollback of phase 2\*\*/);
  if (phases.has('concurrent-drop')) expect(rollout).toMatch(/### Phase 3: Drops after a monitoring window[^]*\*\*Verify after phase 3\*\*[^]*\*\*Rollback of phase 3\*\*/);

  // patterns, not walls: a check with many findings is one pattern (three examples shown, the list folded)
  const perCheck = new Map<string, number>();
  for (const f of s.findings) perCheck.set(`${f.playbook}/${f.check}`, (perCheck.get(`${f.playbook}/${f.check}`) ?? 0) + 1);
  const lines = md.split('\n');
  expect(lines.filter((l) => /^#### [\d.]+ (🔴|🟠|🔵) \S+ pattern: /.test(l)).length).toBe([...perCheck.values()].filter((n) => n >= 3).length);
  expect(lines.filter((l) => /^#{4,5} [\d.]+ (🔴|🟠|🔵) \S+: /.test(l)).length).toBe([...perCheck.values()].reduce((a, n) => a + (n >= 3 ? 3 : n), 0));
  for (const p of s.playbooks) {
    const byCheck = new Map<string, number>();
    for (const f of s.findings.filter((x) => x.playbook === p.id)) byCheck.set(f.check, (byCheck.get(f.check) ?? 0) + 1);
    const text = section(md, p.title);
    for (const [check, n] of byCheck) {
      if (n < 3) continue;
      const title = p.runs.find((r) => r.cell === check)?.title ?? check;
      expect(text, check).toContain(` pattern: ${title} (${n} findings)`);
      expect(text, check).toContain(`<details><summary>All ${n} findings of this pattern</summary>`);
    }
  }
}

function liveCount(live: Snapshot['findings'], f: Snapshot['findings'][number]): number {
  return live.filter((x) => x.playbook === f.playbook && x.check === f.check).length;
}
