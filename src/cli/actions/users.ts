import type { Cli } from '../io.js';
import { assertRoomForAnotherAccount } from '../../auth/account-limit.js';
import { addLocalAccount, changePassword, deleteAccount, disableAccount, listAccounts, selectAccount, type AccountSelector } from '../../auth/accounts.js';
import { hashPassword } from '../../auth/passwords.js';
import { UserError } from '../../errors.js';
import { adminEvent, withAdminRuntime } from '../admin.js';
import { ask, printJson, printTable, readNewPassword } from '../terminal.js';

/** The options of the commands that pick one account. */
export interface AccountOptions extends AccountSelector {
  yes?: boolean;
  json?: boolean;
}

const selectorOf = ({ email, subject, id }: AccountOptions): AccountSelector => ({ email, subject, id });

export async function runUserList(cli: Cli, options: AccountOptions) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const accounts = await listAccounts(runtime.engine);
    if (options.json) return printJson(cli.io.stdout, accounts);
    if (accounts.length === 0) return void cli.io.stdout.write('no accounts yet\n');
    const statusOf = (a: (typeof accounts)[number]) => (a.disabled_at ? `disabled ${a.disabled_at.slice(0, 10)}` : 'active');
    const rows = accounts.map((a) => [a.id, a.email ?? a.subject, a.issuer, a.created_at.slice(0, 10), statusOf(a)]);
    printTable(cli.io.stdout, ['id', 'email or subject', 'issuer', 'created', 'status'], rows);
  });
}

export async function runUserAdd(cli: Cli, options: { email: string }) {
  const password = await readNewPassword(cli.io, 'Password for the new account: ', 'user add', 'nothing was created');
  // Hashed before the database opens: scrypt's 32 MiB are given back before embedded PostgreSQL grows.
  const passwordHash = await hashPassword(password);
  await withAdminRuntime(cli, 'http', async (runtime) => {
    await assertRoomForAnotherAccount(runtime.engine, runtime.config.features.multi_tenant);
    const account = await addLocalAccount(runtime.engine, options.email, passwordHash);
    await adminEvent(runtime, { type: 'admin.user.added', actor: account.subject, details: { account: account.id } });
    cli.io.stdout.write(`added ${account.email} (${account.id}): it signs in at the embedded authorization server\n`);
  });
}

export async function runUserPassword(cli: Cli, options: AccountOptions) {
  const password = await readNewPassword(cli.io, 'New password: ', 'user password', 'nothing was changed');
  const passwordHash = await hashPassword(password); // before the database opens, as for user add
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const account = await selectAccount(runtime.engine, selectorOf(options));
    const revoked = await changePassword(runtime.engine, account, passwordHash);
    await adminEvent(runtime, { type: 'admin.user.password_changed', actor: account.subject, details: { account: account.id, revoked } });
    cli.io.stdout.write(
      `changed the password of ${account.email ?? account.subject} (${account.id}): its access tokens are refused from now on; ` +
        `${revoked} grants, sessions and tokens revoked\n`,
    );
  });
}

export async function runUserDisable(cli: Cli, options: AccountOptions) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const account = await selectAccount(runtime.engine, selectorOf(options));
    const revoked = await disableAccount(runtime.engine, account);
    await adminEvent(runtime, { type: 'admin.user.disabled', actor: account.subject, details: { account: account.id, revoked } });
    cli.io.stdout.write(
      `disabled ${account.email ?? account.subject} (${account.id}): its tokens are refused from now on; ${revoked} grants, sessions and tokens revoked\n`,
    );
  });
}

export async function runUserDelete(cli: Cli, options: AccountOptions) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const account = await selectAccount(runtime.engine, selectorOf(options));
    const name = account.email ?? account.subject;
    if (!options.yes) {
      if (!cli.io.stdin.isTTY) throw new UserError('user delete erases the account and all its data: pass --yes to confirm when not at a terminal.');
      const typed = await ask(cli.io, `This erases ${name} (${account.id}) and ALL of its data, for good. Type ${name} to confirm: `);
      if (typed !== name) throw new UserError('not confirmed: nothing was deleted.');
    }
    await deleteAccount(runtime.engine, runtime, account);
    await adminEvent(runtime, { type: 'admin.user.deleted', actor: account.subject, details: { account: account.id } });
    cli.io.stdout.write(`deleted ${name} (${account.id}) and all of its data\n`);
  });
}
