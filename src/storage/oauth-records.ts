import type { Engine } from './engine.js';

/** Every grant, session, code and token of an account (when it is disabled or deleted). */
export async function revokeAccountRecords(engine: Engine, accountId: string): Promise<number> {
  const result = await engine.db.deleteFrom('oauth_records').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes the authorization server's records past their expiry (on its clock, Date, which wrote them). */
export async function sweepExpiredOAuthRecords(engine: Engine): Promise<number> {
  const result = await engine.db.deleteFrom('oauth_records').where('expires_at', '<=', new Date().toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets failed sign-ins older than the throttle remembers (15 minutes), on the throttle's clock. */
export async function sweepOldLoginFailures(engine: Engine, now = Date.now()): Promise<number> {
  const result = await engine.db
    .deleteFrom('login_failures')
    .where('last_failure_at', '<', new Date(now - 15 * 60 * 1000).toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How long a successful sign-in makes its address known to the account. */
export const SIGN_IN_ADDRESS_MEMORY_MS = 30 * 24 * 3600 * 1000;

/** Forgets where accounts signed in, once that is older than the memory of it (30 days). */
export async function sweepOldSignInAddresses(engine: Engine, now = Date.now()): Promise<number> {
  const result = await engine.db
    .deleteFrom('sign_in_addresses')
    .where('last_success_at', '<', new Date(now - SIGN_IN_ADDRESS_MEMORY_MS).toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The id of the newest unexpired grant an account gave a client (a consent remembered across
 * sign-ins), if any. Grants are kept whole (their id is not a secret that works anywhere).
 */
export async function rememberedGrantId(engine: Engine, accountId: string, clientId: string): Promise<string | undefined> {
  const rows = await engine.db
    .selectFrom('oauth_records')
    .select(['payload', 'expires_at'])
    .where('model', '=', 'Grant')
    .where('account_id', '=', accountId)
    .execute();
  const now = new Date().toISOString();
  const grants = rows
    .filter((row) => row.expires_at === null || row.expires_at > now)
    .map((row) => JSON.parse(row.payload) as { jti?: string; clientId?: string; iat?: number })
    .filter((grant) => grant.clientId === clientId && grant.jti);
  grants.sort((a, b) => (b.iat ?? 0) - (a.iat ?? 0));
  return grants[0]?.jti;
}

/** Removes rate-limit counters whose window has passed, on the limiter's clock. */
export async function sweepRateLimits(engine: Engine, now = Date.now()): Promise<number> {
  const result = await engine.db.deleteFrom('rate_limits').where('expire', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
