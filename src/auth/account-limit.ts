import { ConfigError, UserError } from '../errors.js';
import type { Engine } from '../storage/engine.js';
import { listAccounts, type AccountRecord } from './accounts.js';

/** `features.multi_tenant: false`: the deployment holds one account, whoever made it. */
const ONE_ACCOUNT = 'features.multi_tenant is false, which allows one account';

const nameOf = (account: AccountRecord) => account.email ?? account.subject;

/** `user add`: a second account is refused, with the key that allows more. */
export async function assertRoomForAnotherAccount(engine: Engine, multiTenant: boolean): Promise<void> {
  if (multiTenant) return;
  const [holder] = await listAccounts(engine);
  if (holder) {
    throw new UserError(
      `user add: ${ONE_ACCOUNT}, and ${nameOf(holder)} has it; nothing was created. To serve several people, set "features": { "multi_tenant": true }.`,
    );
  }
}

/** `serve`: a database already holding more accounts than the key allows is refused at start-up, not served. */
export async function assertAccountsWithinLimit(engine: Engine, multiTenant: boolean): Promise<void> {
  if (multiTenant) return;
  const accounts = await listAccounts(engine);
  if (accounts.length > 1) {
    throw new ConfigError(
      `${ONE_ACCOUNT}, but the database holds ${accounts.length} (${accounts.map(nameOf).join(', ')}). ` +
        'Delete the others (mcp-pa user delete), or set "features": { "multi_tenant": true }.',
    );
  }
}

/**
 * With an external issuer an account is made on a person's first request: with one account
 * allowed, the reason a second person is refused (undefined when the token's own account exists,
 * or none does yet).
 */
export async function secondAccountRefusal(engine: Engine, multiTenant: boolean, token: { issuer: string; subject: string }): Promise<string | undefined> {
  if (multiTenant) return undefined;
  const accounts = await listAccounts(engine);
  if (accounts.length === 0 || accounts.some((a) => a.issuer === token.issuer && a.subject === token.subject)) return undefined;
  return `this server serves one person (${ONE_ACCOUNT}), and it is not the one this token speaks for`;
}
