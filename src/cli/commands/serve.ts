import type { Cli } from '../io.js';

const actions = () => import('../actions/serve.js');

/** The commands that serve (stdio, the default; serve, over HTTP) and the one that prepares the database. */
export function addServeCommands(cli: Cli): void {
  cli.program
    .command('stdio')
    .description('run the local MCP server over stdin/stdout (the default command)')
    .action(async () => (await actions()).runStdio(cli));

  cli.program
    .command('serve')
    .description('run the MCP server over Streamable HTTP (HTTPS, OAuth 2.1 protected resource)')
    .action(async () => (await actions()).runServe(cli));

  cli.program
    .command('migrate')
    .description('apply pending database migrations and report what was applied')
    .action(async () => (await actions()).runMigrate(cli));
}
