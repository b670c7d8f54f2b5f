// Renders bench results as Markdown, with the change against the previous run of the same mode.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench results are free-form JSON
type Json = Record<string, any>;

const pct = (now: number, before: number | undefined) =>
  before ? ` (${now >= before ? '+' : ''}${Math.round(((now - before) / before) * 100)} %)` : '';

export function renderBenchmarks(r: Json, prev: Json | null): string {
  const out: string[] = [];
  out.push(`Run ${r.date.slice(0, 10)} (${r.mode}) on ${r.machine}.`, '');
  const mb = r.musicbrainz;
  const sp = mb.splinter;
  out.push('| musicbrainz (516 tables, 1,096 indexes, 895 FKs) | median |', '|---|---|');
  out.push(`| pgadvisor check, in-process (connect, the checks of every playbook, close) | ${Math.round(mb.check.ms)} ms${pct(mb.check.ms, prev?.musicbrainz?.check?.ms)} |`);
  out.push(`| pgadvisor check --json, whole CLI process | ${mb.cliMs} ms${pct(mb.cliMs, prev?.musicbrainz?.cliMs)} |`);
  if (mb.session) out.push(`| full session in-process (every probe too, as the TUI and --save run) | ${Math.round(mb.session.ms)} ms${pct(mb.session.ms, prev?.musicbrainz?.session?.ms)} |`);
  out.push(sp.skipped ? `| splinter (all lints, psql -f) | skipped: ${sp.skipped} |` : `| splinter (all lints, psql -f), ${sp.rows} rows | ${Math.round(sp.ms)} ms |`);
  const cpu = (ms: number | null | undefined) => (ms == null ? 'n/a (server not on this machine)' : `${ms} ms`);
  out.push(`| server CPU per run: pgadvisor check (all its backends) | ${cpu(mb.check.serverCpuMs)}${mb.check.serverCpuMs == null ? '' : pct(mb.check.serverCpuMs, prev?.musicbrainz?.check?.serverCpuMs)} |`);
  if (mb.session) out.push(`| server CPU per run: pgadvisor full session | ${cpu(mb.session.serverCpuMs)} |`);
  if (!sp.skipped) out.push(`| server CPU per run: splinter | ${cpu(sp.serverCpuMs)} |`);
  out.push(`| findings / statements sent / peak RSS | ${mb.check.findings} / ${mb.check.statements} / ${mb.check.peakRssMb} MiB |`, '');
  const rt = r.roundTrips;
  out.push('| statements per check run | pagila | musicbrainz |', '|---|---|---|');
  out.push(`| sent by pgadvisor (client count) | ${rt.pagila.client} | ${rt.musicbrainz.client} |`);
  out.push(`| seen by the server (pg_stat_statements calls) | ${rt.pagila.server ?? 'n/a'} | ${rt.musicbrainz.server ?? 'n/a'} |`, '');
  out.push('| synthetic tables | indexes | policies | check | per table | findings | statements | peak RSS |', '|---|---|---|---|---|---|---|---|');
  for (const s of r.synthetic) {
    const before = prev?.synthetic?.find((p: Json) => p.tables === s.tables)?.ms;
    out.push(`| ${s.tables} | ${s.indexes} | ${s.policies} | ${s.ms} ms${pct(s.ms, before)} | ${s.msPerTable} ms | ${s.findings} | ${s.statements} | ${s.peakRssMb} MiB |`);
  }
  out.push('');
  const runs: Json[] | undefined = r.tuiRuns?.runs;
  if (runs) {
    const t = runs[0];
    out.push(`| TUI with ${t.findings} findings, ${t.frameLines} lines a frame${r.tuiRuns.measuredAt ? ` (measured ${r.tuiRuns.measuredAt.slice(0, 16).replace('T', ' ')} UTC)` : ''} | ${runs.map((_, i) => `run ${i + 1}`).join(' | ')} |`, `|---|${runs.map(() => '---|').join('')}`);
    out.push(`| load average (1 min) | ${runs.map((x) => x.load).join(' | ')} |`);
    out.push(`| keypress → frame, median of ${t.presses} | ${runs.map((x) => `${x.keyMedianMs} ms`).join(' | ')} |`);
    out.push(`| keypress → frame, p95 | ${runs.map((x) => `${x.keyP95Ms} ms`).join(' | ')} |`);
    out.push(`| keypress → frame, slowest | ${runs.map((x) => `${x.keyMaxMs} ms`).join(' | ')} |`);
    if (t.keyCpuMedianMs !== undefined) out.push(`| CPU per keypress (process, median) | ${runs.map((x) => `${x.keyCpuMedianMs} ms`).join(' | ')} |`);
    out.push(`| first frame / complete screen | ${runs.map((x) => `${x.firstFrameMs} / ${x.readyMs} ms`).join(' | ')} |`, '');
  } else if (r.tui) {
    const t = r.tui;
    out.push(`| TUI with ${t.findings} findings | |`, '|---|---|');
    out.push(`| first frame | ${t.firstFrameMs} ms${pct(t.firstFrameMs, prev?.tui?.firstFrameMs)} |`);
    out.push(`| keypress → frame (median / p95 of ${t.presses}) | ${t.keyMedianMs} / ${t.keyP95Ms} ms |`);
    out.push(`| lines rendered per frame | ${t.frameLines} |`, '');
  }
  const w = r.workload;
  if (w) {
    const when = r.workloadDate ? ` (measured ${r.workloadDate.slice(0, 16).replace('T', ' ')} UTC${w.load != null ? `, load average ${w.load}` : ''})` : '';
    out.push(`| workload input${when} | time | peak RSS |`, '|---|---|---|');
    out.push(`| pg_stat_statements, ${w.pgss.statements} statements: the feeding probe / the Workload built (fingerprints, relations resolved) | ${w.pgss.feedMs} ms / ${w.pgss.buildMs} ms | ${w.pgss.peakRssMb} MiB |`);
    for (const l of w.logs) {
      const runs = l.runsMs ? `median of ${l.runsMs.length} (${l.runsMs.join(', ')}), CPU ${l.cpuMs} ms, ` : '';
      const window = l.windowHours != null ? `, window ${Math.round(l.windowHours * 60)} min` : '';
      out.push(`| ${l.format ?? 'stderr'} log of ${l.sizeMb} MB, ${l.entries.toLocaleString('en-US')} entries → ${l.statements} statements${window} | ${l.ms} ms (${runs}${l.mbPerS} MB/s) | ${l.peakRssMb} MiB |`);
    }
    out.push('');
  }
  const s = r.snapshot;
  if (s) out.push(`| snapshot with ${s.findings} findings | write ${s.writeMs} ms, load ${s.loadMs} ms, ${s.sizeMb} MB |`, '|---|---|', '');
  const st = r.startup;
  out.push(`| start-up${st.measuredAt ? ` (measured ${st.measuredAt.slice(0, 16).replace('T', ' ')} UTC, load average ${st.load} on this machine)` : ''} | |`, '|---|---|');
  out.push(`| \`pgadvisor --version\` | ${st.cliVersionMs} ms |`);
  out.push(`| \`pgadvisor check --json\` on the embedded demo (start PGlite from cache, run, stop) | ${st.checkDemoMs} ms |`);
  if (st.demoStart) {
    const d = st.demoStart;
    out.push(`| demo start from its cache, PGlite time (median of ${d.runs}): copy + open the data directory / ANALYZE + workload | ${d.totalMs} ms (${d.loadMs} / ${d.workloadMs} ms) |`);
    if (d.cpuMs !== undefined) out.push(`| … its CPU time (user + system of the demo's process over that start) | ${d.cpuMs} ms |`);
    out.push(`| … the demo's whole child process until it serves (Node, PGlite's modules, the start above) | ${d.processMs} ms |`);
  }
  if (st.firstScreen) {
    out.push(`| \`pgadvisor\` on the demo, in tmux: first frame (DEMO banner, start-up status) | ${st.firstScreen.firstFrameMs} ms |`);
    out.push(`| … until the notebook is on screen (demo started, every cell run on PGlite) | ${st.firstScreen.notebookMs} ms |`);
  }
  out.push('', ...startupVsSplinter(r.startupVsSplinter, prev?.startupVsSplinter));
  out.push('', ...fleet(r.fleet, prev?.fleet));
  return out.join('\n') + '\n';
}

function startupVsSplinter(s: Json | undefined, prev: Json | undefined): string[] {
  if (!s) return [];
  if (s.skipped) return [`Whole processes against splinter: skipped (${s.skipped}).`];
  const first = (s as Json[])[0];
  const when = first?.measuredAt ? `, measured ${first.measuredAt.slice(0, 16).replace('T', ' ')} UTC, load average ${first.load}` : '';
  const out = [
    `| musicbrainz, whole process (median of ${(s as Json[])[0]?.runs}${when}) | pgadvisor check --json | splinter via psql | ratio | client CPU (ours / psql) | peak memory (ours) | findings / rows |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of s as Json[]) {
    const before = (prev as Json[] | undefined)?.find?.((p: Json) => p.pgStatStatements === c.pgStatStatements)?.pgadvisor?.ms;
    out.push(
      `| ${c.pgStatStatements ? 'with' : 'without'} pg_stat_statements | ${c.pgadvisor.ms} ms${pct(c.pgadvisor.ms, before)} | ${c.splinter.ms} ms | ${c.ratio}× | ${c.pgadvisor.cpuMs} / ${c.splinter.cpuMs} ms | ${c.pgadvisor.peakRssMb} MiB | ${c.pgadvisor.findings} / ${c.splinter.rows} |`,
    );
  }
  return out;
}

function fleet(f: Json | undefined, prev: Json | undefined): string[] {
  if (!f) return [];
  if (f.skipped) return [`Fleet: skipped (${f.skipped}).`];
  const when = f.measuredAt ? `, measured ${f.measuredAt.slice(0, 16).replace('T', ' ')} UTC, load average ${f.load}` : '';
  const out = [`| fleet (pagila copies + musicbrainz), --jobs ${f.defaultJobs} (default here)${when} | wall | per database | client CPU | peak memory | findings | failed |`, '|---|---|---|---|---|---|---|'];
  for (const r of f.sizes) {
    const before = prev?.sizes?.find((p: Json) => p.databases === r.databases)?.ms;
    out.push(`| ${r.databases} database${r.databases === 1 ? '' : 's'} | ${r.ms} ms${pct(r.ms, before)} | ${r.msPerDatabase} ms | ${r.cpuMs} ms | ${r.peakRssMb} MiB | ${r.findings} | ${r.failed} |`);
  }
  out.push('', '| 50 databases by --jobs | wall | client CPU | peak memory |', '|---|---|---|---|');
  for (const r of f.widths) out.push(`| ${r.jobs}${r.jobs === f.defaultJobs ? ' (default)' : ''} | ${r.ms} ms | ${r.cpuMs} ms | ${r.peakRssMb} MiB |`);
  return out;
}
