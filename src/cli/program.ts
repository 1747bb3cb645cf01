import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { CONFIG_FLAGS, describeFlag } from '../config/load.js';
import { addAuditCommands } from './commands/audit.js';
import { addClientCommands } from './commands/clients.js';
import { addKeysCommands } from './commands/keys.js';
import { addServeCommands } from './commands/serve.js';
import { addTransferCommands } from './commands/transfer.js';
import { addReindexCommands } from './commands/reindex.js';
import { addDoctorCommands } from './commands/doctor.js';
import { addBackupCommands } from './commands/backup.js';
import { addIcsCommands } from './commands/ics.js';
import { addFeedCommands } from './commands/feeds.js';
import { addUserCommands } from './commands/users.js';
import type { CliIo } from './io.js';

/** Exit codes: 2 = the configuration or the command line is wrong; 1 = it failed at run time. */
export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

/** The package's version, from package.json (as the MCP server's is), without loading the server and its tools. */
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * The whole command tree: the global flags (from the configuration's list), then each command
 * group, reading and writing through `io`. Each group (cli/commands/) declares its commands and
 * loads what runs them (cli/actions/) only when one of them runs: a command loads its own modules,
 * not every group's. A usage error, --help and --version throw a CommanderError (its exit code
 * says which) instead of exiting.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name('mcp-pa')
    .description('A personal-assistant MCP server: status, projects, tasks, todos, calendar and documents.')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help');
  for (const flag of CONFIG_FLAGS) program.addOption(new Option(flag.spec, describeFlag(flag)));
  program
    .showHelpAfterError('(run mcp-pa --help for the commands and options)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', '\nLogs go to stderr; in stdio mode stdout carries only MCP messages.\nDocumentation: README.md and docs/ in the package.');

  // With no command, mcp-pa serves stdio; an unknown word is an error, not an argument to stdio.
  program.allowExcessArguments(true).action(async () => {
    if (program.args.length > 0) program.error(`error: unknown command '${program.args[0]}'`, { exitCode: EXIT_USAGE });
    return (await import('./actions/serve.js')).runStdio(cli);
  });

  const cli = { program, io };
  for (const addCommands of [
    addServeCommands,
    addTransferCommands,
    addKeysCommands,
    addClientCommands,
    addAuditCommands,
    addUserCommands,
    addIcsCommands,
    addFeedCommands,
    addReindexCommands,
    addDoctorCommands,
    addBackupCommands,
  ])
    addCommands(cli);
  return program;
}
