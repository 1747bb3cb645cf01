#!/usr/bin/env node
import { Command, Option } from 'commander';
import type { Kysely } from 'kysely';
import { ConfigError, loadConfig, type ConfigFlags, type ResolvedConfig } from './config/load.js';
import { createLogger } from './logging.js';
import { SERVER_VERSION } from './mcp/server.js';
import { openLocalRuntime } from './runtime.js';
import { StorageError, openSqlite } from './storage/database.js';
import { migrate } from './storage/migrations/index.js';
import { serveLocalStdio } from './transports/stdio.js';

/** Exit codes: 2 = the configuration or the command line is wrong; 1 = it failed at run time. */
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

function fail(err: unknown): never {
  const known = err instanceof ConfigError || err instanceof StorageError;
  console.error(`mcp-pa: ${known ? err.message : err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE);
}

function configFrom(program: Command): ResolvedConfig {
  return loadConfig(program.opts<ConfigFlags>());
}

async function runStdio(program: Command) {
  const config = configFrom(program);
  if (config.mode === 'http') {
    throw new ConfigError('The configuration is for HTTP mode ("mode": "http"); `mcp-pa stdio` serves local mode only.');
  }
  const logger = createLogger(config.logging.level);
  const runtime = await openLocalRuntime(config, logger);
  await serveLocalStdio(runtime);
}

async function runMigrate(program: Command) {
  const config = configFrom(program);
  const db = openSqlite({ path: config.database.path, encryptionKey: config.encryption.key });
  try {
    const applied = await migrate(db as Kysely<unknown>, 'sqlite');
    process.stdout.write(
      applied.length === 0
        ? `${config.database.path}: up to date.\n`
        : applied.map((m) => `${config.database.path}: applied migration ${m.version} (${m.name})\n`).join(''),
    );
  } finally {
    await db.destroy();
  }
}

const program = new Command()
  .name('mcp-pa')
  .description('A personal-assistant MCP server: status, projects, tasks, todos, calendar and documents.')
  .version(SERVER_VERSION, '-V, --version', 'print the version and exit')
  .helpOption('-h, --help', 'show this help')
  .addOption(new Option('--config <file>', 'JSON configuration file (also MCP_PA_CONFIG)'))
  .addOption(new Option('--db-path <file>', 'SQLite database file (also MCP_PA_DB_PATH)'))
  .addOption(new Option('--docs-dir <dir>', 'directory for document files (also MCP_PA_DOCS_DIR)'))
  .addOption(new Option('--max-file-size-mb <mb>', 'largest document accepted, in MB (also MCP_PA_MAX_FILE_SIZE_MB; default 25)'))
  .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (also MCP_PA_LOG_LEVEL; default info)'))
  .showHelpAfterError('(run mcp-pa --help for the commands and options)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE))
  .addHelpText(
    'after',
    '\nLogs go to stderr; in stdio mode stdout carries only MCP messages.\nDocumentation: README.md and docs/ in the package.',
  );

// With no command, mcp-pa serves stdio; an unknown word is an error, not an argument to stdio.
program.allowExcessArguments(true).action(() => {
  if (program.args.length > 0) program.error(`error: unknown command '${program.args[0]}'`, { exitCode: EXIT_USAGE });
  return runStdio(program);
});

program
  .command('stdio')
  .description('run the local MCP server over stdin/stdout (the default command)')
  .action(() => runStdio(program));

program
  .command('migrate')
  .description('apply pending database migrations and report what was applied')
  .action(() => runMigrate(program));

program.parseAsync(process.argv).catch(fail);
