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
  const t = r.tui;
  if (t) {
    out.push(`| TUI with ${t.findings} findings | |`, '|---|---|');
    out.push(`| first frame | ${t.firstFrameMs} ms${pct(t.firstFrameMs, prev?.tui?.firstFrameMs)} |`);
    out.push(`| keypress → frame (median / p95 of ${t.presses}) | ${t.keyMedianMs} / ${t.keyP95Ms} ms |`);
    out.push(`| lines rendered per frame | ${t.frameLines} |`, '');
  }
  const w = r.workload;
  if (w) {
    out.push(`| workload input${r.workloadDate ? ` (measured ${r.workloadDate.slice(0, 10)})` : ''} | time | peak RSS |`, '|---|---|---|');
    out.push(`| pg_stat_statements, ${w.pgss.statements} statements: the feeding probe / the Workload built (fingerprints, relations resolved) | ${w.pgss.feedMs} ms / ${w.pgss.buildMs} ms | ${w.pgss.peakRssMb} MiB |`);
    for (const l of w.logs) {
      out.push(`| stderr log of ${l.sizeMb} MB, ${l.entries.toLocaleString('en-US')} entries → ${l.statements} statements | ${l.ms} ms (${l.mbPerS} MB/s) | ${l.peakRssMb} MiB |`);
    }
    out.push('');
  }
  const s = r.snapshot;
  if (s) out.push(`| snapshot with ${s.findings} findings | write ${s.writeMs} ms, load ${s.loadMs} ms, ${s.sizeMb} MB |`, '|---|---|', '');
  const st = r.startup;
  out.push('| start-up | |', '|---|---|');
  out.push(`| \`pgadvisor --version\` | ${st.cliVersionMs} ms |`);
  out.push(`| \`pgadvisor check --json\` on the embedded demo (start PGlite from cache, run, stop) | ${st.checkDemoMs} ms |`);
  if (st.firstScreen) {
    out.push(`| \`pgadvisor\` on the demo, in tmux: first frame (DEMO banner, start-up status) | ${st.firstScreen.firstFrameMs} ms |`);
    out.push(`| … until the notebook is on screen (demo started, every cell run on PGlite) | ${st.firstScreen.notebookMs} ms |`);
  }
  return out.join('\n') + '\n';
}
