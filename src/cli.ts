import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { reportError } from './commands/fail.ts';
import { TOOL_VERSION } from './version.ts';

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
  }
};

const sessionOptions = {
  url: { type: 'string', describe: 'connection URL (else DATABASE_URL, else PG* variables, else the embedded demo)' },
  playbook: { type: 'string', array: true, describe: 'run only these playbooks (repeatable)' },
  out: { type: 'string', default: 'snapshots', describe: 'folder for the snapshot and migration written by w' },
  baseline: { type: 'string', describe: 'carry decisions forward from an earlier snapshot' },
  resume: { type: 'string', describe: 'restore decisions from an autosave or snapshot' },
  'app-role': { type: 'string', array: true, describe: 'a role the application connects as (repeatable): RLS coverage is judged for it' },
} as const;

await yargs(hideBin(process.argv))
  .scriptName('pgadvisor')
  .version(TOOL_VERSION)
  .usage('$0 [command] — an interactive PostgreSQL health check')
  .command(['session', '$0'], 'interactive session (the default)', sessionOptions, (a) =>
    run(async () => (await import('./commands/session.ts')).sessionCommand({ ...a, appRole: a['app-role'] }))(),
  )
  .command('replay <file>', 'the session TUI over a saved snapshot, offline', { out: sessionOptions.out }, (a) =>
    run(async () => (await import('./commands/replay.ts')).replayCommand({ file: a.file as string, out: a.out }))(),
  )
  .command(
    'check',
    'run every playbook non-interactively and print the findings',
    {
      url: sessionOptions.url,
      playbook: sessionOptions.playbook,
      json: { type: 'boolean', default: false, describe: 'print one JSON object' },
      'fail-on': { type: 'string', describe: 'exit 1 when a finding at or above this level exists (info|warning|critical)' },
      save: { type: 'string', describe: 'also write the snapshot and migration into this folder' },
      accept: { type: 'string', describe: 'with --save: accept all, none, or findings at or above a level' },
      baseline: sessionOptions.baseline,
      'app-role': sessionOptions['app-role'],
      'allow-errors': { type: 'boolean', default: false, describe: 'exit 0/1 even when a cell failed (failed cells are still listed)' },
    },
    (a) => run(async () => (await import('./commands/check.ts')).checkCommand({ ...a, failOn: a['fail-on'], allowErrors: a['allow-errors'], appRole: a['app-role'] }))(),
  )
  .command(
    'export <file>',
    'write the accepted migration of a snapshot for a migration tool',
    {
      format: { type: 'string', demandOption: true, describe: 'sql | node-pg-migrate | prisma | flyway | golang-migrate | sqitch' },
      out: { type: 'string', default: '.', describe: 'output folder' },
    },
    (a) => run(async () => (await import('./commands/export.ts')).exportCommand({ file: a.file as string, format: a.format, out: a.out }))(),
  )
  .command('diff <old> <new>', 'what was fixed, what is new, what changed between two snapshots', { json: { type: 'boolean', default: false } }, (a) =>
    run(async () => (await import('./commands/diff.ts')).diffCommand({ old: a.old as string, new: a.new as string, json: a.json }))(),
  )
  .command('report <file>', 'a Markdown report from a snapshot', { out: { type: 'string', describe: 'write to this file instead of stdout' } }, (a) =>
    run(async () => (await import('./commands/report.ts')).reportCommand({ file: a.file as string, out: a.out }))(),
  )
  .command('playbooks', 'list playbooks and their checks with their requirements', {}, () =>
    run(async () => (await import('./commands/playbooks.ts')).playbooksCommand())(),
  )
  .strict()
  .help()
  .fail((msg, err) => {
    process.exitCode = reportError(err ?? new UsageErrorLine(msg));
    process.stderr.write(`run "pgadvisor --help" for usage\n`);
    process.exit();
  })
  .parseAsync();
