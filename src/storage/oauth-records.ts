import type { Engine } from './engine.js';

/** Every grant, session, code and token of an account (when it is disabled or deleted). */
export async function revokeAccountRecords(engine: Engine, accountId: string): Promise<number> {
  const result = await engine.db.deleteFrom('oauth_records').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes the authorization server's records past their expiry. */
export async function sweepExpiredOAuthRecords(engine: Engine): Promise<number> {
  const result = await engine.db.deleteFrom('oauth_records').where('expires_at', '<=', new Date().toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets failed sign-ins older than the throttle remembers (15 minutes). */
export async function sweepOldLoginFailures(engine: Engine): Promise<number> {
  const result = await engine.db.deleteFrom('login_failures').where('last_failure_at', '<', new Date(Date.now() - 15 * 60 * 1000).toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
