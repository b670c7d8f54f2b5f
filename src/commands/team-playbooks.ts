// Team notebooks: the folders --playbooks names (repeatable) and those the config file's playbook_dirs
// lists, in that order. Shared by session, check and `pgadvisor playbooks`.
import { UsageError } from '../db/target.ts';
import { NotebookError, PlaybookDirError } from '../playbooks/loader.ts';
import type { Config } from '../config/schema.ts';

export interface TeamPlaybookArgs {
  /** --playbooks DIR (repeatable) */
  playbooks?: string[];
}

/** The team folders for this run: --playbooks first, then the config's playbook_dirs. */
export function teamDirs(args: TeamPlaybookArgs, config: Pick<Config, 'playbookDirs'> | null): string[] {
  return [...new Set([...(args.playbooks ?? []), ...(config?.playbookDirs ?? [])])];
}

/** The config file's team folders for commands that read no other setting (session, playbooks); none with --no-config. */
export async function configuredTeamDirs(): Promise<string[]> {
  const { loadConfig } = await import('../config/load.ts');
  return (await loadConfig(undefined)).playbookDirs;
}

/** A team notebook that does not load is the user's input: one line, as a usage error. */
export function asUsageError(err: unknown): unknown {
  return err instanceof NotebookError || err instanceof PlaybookDirError ? new UsageError(err.message) : err;
}
