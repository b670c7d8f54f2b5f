import './node20.ts';
import type { InferredOptionTypes } from 'yargs';
import { reportError } from './commands/fail.ts';
import { TOOL_VERSION } from './version.ts';

// `check` starts connecting to its database while the command loads (see db/prestart.ts).
const early = process.argv[2] === 'check' ? import('./db/prestart.ts').then((m) => (m.prestart(process.argv.slice(3)), m)) : null;
early?.catch(() => undefined);
const loadYargs = async () => {
  const [{ default: yargs }, { hideBin }] = await Promise.all([import('yargs'), import('yargs/helpers')]);
  return { yargs, args: hideBin(process.argv) };
};

class UsageErrorLine extends Error {}

// `pgadvisor report x | head`: the reader left; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// Commands are imported when chosen, so `check` never loads ink and the TUI never loads the exporters.
const run = (load: () => Promise<number>) => async () => {
  try {
    process.exitCode = await load();
  } catch (err) {
    process.exitCode = reportError(err);
  } finally {
    // a session opened early that the command did not take (it failed first, or checked a fleet)
    await (await early?.catch(() => null))?.releasePrestarted();
  }
};

const sessionOptions = {
  url: { type: 'string', describe: 'connection URL (else DATABASE_URL, else PG* variables, else the embedded demo)' },
  playbook: { type: 'string', array: true, describe: 'run only these playbooks (repeatable)' },
  out: { type: 'string', default: 'snapshots', describe: 'folder for the snapshot and migration written by w' },
  baseline: { type: 'string', describe: 'carry decisions forward from an earlier snapshot' },
  resume: { type: 'string', describe: 'restore decisions from an autosave or snapshot' },
  'app-role': { type: 'string', array: true, describe: 'a role the application connects as (repeatable; replaces app_roles of the config file): RLS coverage is judged for it' },
  config: { type: 'string', describe: 'config file (default: .pgadvisor.toml here or in a parent folder; --no-config for none)' },
  workload: { type: 'string', array: true, describe: "the application's statements: a server log, a .sql file or a pg_stat_statements export (repeatable)" },
  'workload-format': { type: 'string', describe: 'force the --workload format: stderr, csvlog, jsonlog, sql, csv or json (detected from the content otherwise)' },
  'workload-database': { type: 'string', describe: "read a log's entries of this database (default: the one inspected)" },
  playbooks: { type: 'string', array: true, describe: "a folder of your team's notebooks, run with the shipped ones (repeatable; also playbook_dirs in .pgadvisor.toml)" },
} as const;

const CHECK_DESCRIBE = 'run every playbook non-interactively and print the findings (one database, or many)';
const checkOptions = {
  url: { type: 'string', array: true, describe: 'connection URL; repeat for several databases (else DATABASE_URL, else PG* variables, else the embedded demo)' },
  'urls-file': { type: 'string', describe: 'check every database listed in FILE (one URL a line, # comments)' },
  'all-databases': { type: 'boolean', default: false, describe: 'check every database of the server(s) that the role can connect to' },
  jobs: { type: 'number', describe: 'databases checked at once (default: 2 per core)' },
  playbook: sessionOptions.playbook,
  format: { type: 'string', describe: 'text | json | sarif | junit | markdown (default text)' },
  json: { type: 'boolean', default: false, describe: 'same as --format json' },
  output: { type: 'string', array: true, describe: 'also write a report file, its format named by the extension: .sarif, .xml (JUnit), .json, .md, .txt (repeatable)' },
  'fail-on': { type: 'string', describe: 'exit 1 when a finding at or above this level exists (info, warn|warning, crit|critical)' },
  'fail-on-new': { type: 'string', describe: 'exit 1 only for findings not in this baseline (a snapshot or an earlier check --format json)' },
  config: sessionOptions.config,
  save: { type: 'string', describe: 'also write the snapshot and migration into this folder (one folder per database in a fleet run)' },
  accept: { type: 'string', describe: 'with --save: accept all, none, or findings at or above a level (info, warn, crit)' },
  baseline: sessionOptions.baseline,
  workload: sessionOptions.workload,
  'workload-format': sessionOptions['workload-format'],
  'workload-database': sessionOptions['workload-database'],
  'app-role': sessionOptions['app-role'],
  'allow-errors': { type: 'boolean', default: false, describe: 'exit 0/1 even when a cell failed (failed cells are still listed)' },
  playbooks: sessionOptions.playbooks,
} as const;

const checkHandler = (a: InferredOptionTypes<typeof checkOptions>) =>
  run(async () =>
    (await import('./commands/check.ts')).checkCommand({
      ...a,
      config: a.config as string | false | undefined,
      urlsFile: a['urls-file'],
      allDatabases: a['all-databases'],
      failOn: a['fail-on'],
      failOnNew: a['fail-on-new'],
      allowErrors: a['allow-errors'],
      workloadFormat: a['workload-format'],
      workloadDatabase: a['workload-database'],
      appRole: a['app-role'],
    }),
  )();

const fail = (msg: string, err: Error | undefined) => {
  process.exitCode = reportError(err ?? new UsageErrorLine(msg));
  process.stderr.write(`run "pgadvisor --help" for usage\n`);
  process.exit();
};

const plain = process.argv[2] === 'check' ? (await import('./commands/plain-args.ts')).plainArgs(process.argv.slice(3), checkOptions) : null;
if (plain) await checkHandler(plain as InferredOptionTypes<typeof checkOptions>);
else if (process.argv[2] === 'check') {
  // check's options alone: after running a command's handler yargs renders that command's whole help text
  // (kept in case the command fails later), tens of milliseconds a CI run would wait for and never see.
  const { yargs, args } = await loadYargs();
  const a = await yargs(args.slice(1))
    .scriptName('pgadvisor check')
    .usage(`$0 [options] — ${CHECK_DESCRIBE}`)
    .options(checkOptions)
    .version(false)
    .strict()
    .help()
    .alias('h', 'help')
    .fail(fail)
    .parseAsync();
  await checkHandler(a);
} else {
  const { yargs, args } = await loadYargs();
  await yargs(args)
  .scriptName('pgadvisor')
  .version(TOOL_VERSION)
  .usage('$0 [command] — an interactive PostgreSQL health check')
  .command(['session', '$0'], 'interactive session (the default)', sessionOptions, (a) =>
    run(async () =>
      (await import('./commands/session.ts')).sessionCommand({ ...a, config: a.config as string | false | undefined, appRole: a['app-role'], workloadFormat: a['workload-format'], workloadDatabase: a['workload-database'] }),
    )(),
  )
  .command('replay <file>', 'the session TUI over a saved snapshot, offline', { out: sessionOptions.out }, (a) =>
    run(async () => (await import('./commands/replay.ts')).replayCommand({ file: a.file as string, out: a.out }))(),
  )
  .command('check', CHECK_DESCRIBE, checkOptions, checkHandler)
  .command(
    'export <file>',
    'write the accepted migration of a snapshot for a migration tool',
    {
      format: { type: 'string', demandOption: true, describe: 'sql | node-pg-migrate | prisma | flyway | golang-migrate | sqitch' },
      out: { type: 'string', default: '.', describe: 'output folder' },
    },
    (a) => run(async () => (await import('./commands/export.ts')).exportCommand({ file: a.file as string, format: a.format, out: a.out }))(),
  )
  .command('diff <old> <new>', 'what was fixed, what is new, what changed between two snapshots (decisions and notes too)', { json: { type: 'boolean', default: false, describe: 'print one JSON object instead of text' } }, (a) =>
    run(async () => (await import('./commands/diff.ts')).diffCommand({ old: a.old as string, new: a.new as string, json: a.json }))(),
  )
  .command(
    'report <file>',
    'the health-check report of a snapshot: Markdown, or one self-contained HTML page',
    {
      format: { type: 'string', default: 'markdown', describe: 'markdown | html' },
      out: { type: 'string', describe: 'write to this file instead of stdout' },
    },
    (a) => run(async () => (await import('./commands/report.ts')).reportCommand({ file: a.file as string, out: a.out, format: a.format }))(),
  )
  .command('playbooks', 'list playbooks and their checks with their requirements', { playbooks: sessionOptions.playbooks }, (a) =>
    run(async () => (await import('./commands/playbooks.ts')).playbooksCommand({ playbooks: a.playbooks }))(),
  )
  .strict()
  .help()
  .alias('h', 'help')
  .alias('v', 'version')
  .fail(fail)
  .parseAsync();
}
