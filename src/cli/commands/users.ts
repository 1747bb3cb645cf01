import type { Command } from 'commander';
import type { AccountOptions } from '../actions/users.js';
import type { Cli } from '../io.js';

const actions = () => import('../actions/users.js');

/** The options that pick one account. */
const withSelector = (command: Command) =>
  command
    .option('--email <email>', "the account's email")
    .option('--subject <subject>', 'the subject of its access tokens (external identity providers)')
    .option('--id <id>', "the account's id, from mcp-pa user list");

/** `user add|list|password|disable|delete`: the accounts of HTTP mode. */
export function addUserCommands(cli: Cli): void {
  const user = cli.program.command('user').description('manage the accounts of HTTP mode (one per person; each has its own data)');
  user
    .command('add')
    .description('add an account of the embedded authorization server (password from the terminal, or from stdin)')
    .requiredOption('--email <email>', 'its email, which it signs in with')
    .action(async (options: { email: string }) => (await actions()).runUserAdd(cli, options));
  user
    .command('list')
    .description('list the accounts: id, email or token subject, issuer, created, status')
    .option('--json', 'print JSON')
    .action(async (options: AccountOptions) => (await actions()).runUserList(cli, options));
  withSelector(user.command('password').description("set a new password (from the terminal, or from stdin); revokes the account's grants and tokens")).action(
    async (options: AccountOptions) => (await actions()).runUserPassword(cli, options),
  );
  withSelector(user.command('disable').description("refuse the account's tokens from now on and revoke its grants")).action(async (options: AccountOptions) =>
    (await actions()).runUserDisable(cli, options),
  );
  withSelector(user.command('delete').description('erase the account and all of its data, after confirmation'))
    .option('--yes', 'confirm without asking (for scripts)')
    .action(async (options: AccountOptions) => (await actions()).runUserDelete(cli, options));
}
