import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Engine } from './engine.js';
import type { Database } from './schema.js';

/** How a record of the authorization server is keyed: a hash of its id (of a code or token, its value). */
export const oauthIdHash = (id: string) => crypto.createHash('sha256').update(id).digest('base64url');

/** One record of the authorization server as stored (the columns its store reads back). */
export interface OAuthRecordRow {
  model: string;
  id_hash: string;
  payload: string;
  grant_id: string | null;
  consumed_at: string | null;
  expires_at: string | null;
}

/**
 * The three records a token request reads, in one statement: its client (by `clientHash`), the
 * code or refresh token it presents (`token`), and that token's grant when it has one. A grant row
 * is found by its own id in grant_id (migration 021, through the index of grant rows); a grant row
 * without it is simply not returned, and is read on its own.
 */
export async function readTokenRequestRecords(engine: Engine, clientHash: string, token: { model: string; idHash: string }): Promise<OAuthRecordRow[]> {
  const columns = sql`model, id_hash, payload, grant_id, consumed_at, expires_at`;
  // Three index lookups; the grant's model a literal, so that every planner (PostgreSQL's generic
  // plans, SQLite's) can use the partial index.
  const result = await sql<OAuthRecordRow>`
    SELECT ${columns} FROM oauth_records WHERE model = 'Client' AND id_hash = ${clientHash}
    UNION ALL
    SELECT ${columns} FROM oauth_records WHERE model = ${token.model} AND id_hash = ${token.idHash}
    UNION ALL
    SELECT ${columns} FROM oauth_records
    WHERE model = 'Grant' AND grant_id = (SELECT grant_id FROM oauth_records WHERE model = ${token.model} AND id_hash = ${token.idHash})`.execute(engine.db);
  return result.rows;
}

/** A record as the authorization server's store writes it: a whole row. */
type OAuthRecordValues = Database['oauth_records'];

/**
 * Spends `spent` (a refresh token: consumed_at set) and writes its successor, in one step: both or
 * neither. Returns false when `spent` was spent already, by a request a moment earlier on any
 * instance; then nothing is written. On PostgreSQL one statement (a data-modifying WITH, whose
 * UPDATE waits for a concurrent one and then sees its result); on SQLite, which runs in-process
 * and has no such WITH, two in one transaction.
 */
export async function spendAndWrite(engine: Engine, spent: { model: string; idHash: string }, at: string, successor: OAuthRecordValues): Promise<boolean> {
  const { model, id_hash, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at } = successor;
  if (engine.supportsBatching) {
    const written = await sql<{ id_hash: string }>`
      WITH spent AS (
        UPDATE oauth_records SET consumed_at = ${at}
        WHERE model = ${spent.model} AND id_hash = ${spent.idHash} AND consumed_at IS NULL
        RETURNING id_hash
      )
      INSERT INTO oauth_records (model, id_hash, payload, grant_id, uid, user_code, account_id, expires_at, consumed_at)
      SELECT ${model}, ${id_hash}, ${payload}, ${grant_id}, ${uid}, ${user_code}, ${account_id}, ${expires_at}, ${consumed_at} FROM spent
      ON CONFLICT (model, id_hash) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
        user_code = excluded.user_code, account_id = excluded.account_id, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at
      RETURNING id_hash`.execute(engine.db);
    return written.rows.length > 0;
  }
  return engine.db.transaction().execute(async (trx) => {
    const won = await trx
      .updateTable('oauth_records')
      .set({ consumed_at: at })
      .where('model', '=', spent.model)
      .where('id_hash', '=', spent.idHash)
      .where('consumed_at', 'is', null)
      .returning('id_hash')
      .executeTakeFirst();
    if (!won) return false;
    const { model: _model, id_hash: _idHash, ...rest } = successor;
    await trx
      .insertInto('oauth_records')
      .values(successor)
      .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(rest))
      .execute();
    return true;
  });
}

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
