import crypto from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Engine } from '../storage/engine.js';

/** The models whose records belong to a grant, and go when it is revoked. */
const GRANT_MEMBERS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Ids are the token values themselves: only their hash is stored. */
const hashOf = (id: string) => crypto.createHash('sha256').update(id).digest('base64url');
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * oidc-provider's storage (its Adapter interface) on the server's own database, so any instance
 * can continue what another began. A record is keyed by its model and the hash of its id; the id
 * of a code or token (`jti` in the payload) is dropped and given back on read, so a stolen table
 * holds no working code or token. `consume` is atomic: of two redemptions of one code or refresh token at once,
 * exactly one wins; the other is treated as the replay it is, and revokes the whole grant.
 */
export class OAuthStore implements Adapter {
  constructor(
    private readonly engine: Engine,
    private readonly model: string,
  ) {}

  /** oidc-provider's adapter factory for this engine. */
  static factory(engine: Engine) {
    return (model: string) => new OAuthStore(engine, model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // Codes and tokens are only ever looked up by their value: it need not be kept. (A session is
    // also found by its uid, and must come back whole.)
    const { jti: _jti, ...withoutId } = payload;
    const stored = GRANT_MEMBERS.has(this.model) ? withoutId : payload;
    const row = {
      payload: JSON.stringify(stored),
      grant_id: GRANT_MEMBERS.has(this.model) ? (payload.grantId ?? null) : null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      account_id: payload.accountId ?? null,
      expires_at: typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
      consumed_at: null,
    };
    await this.engine.db
      .insertInto('oauth_records')
      .values({ model: this.model, id_hash: hashOf(id), ...row })
      .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(row))
      .execute();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id_hash', hashOf(id), id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  private async findWhere(column: 'id_hash' | 'uid' | 'user_code', value: string, id?: string): Promise<AdapterPayload | undefined> {
    const row = await this.engine.db
      .selectFrom('oauth_records')
      .select(['payload', 'consumed_at', 'expires_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= new Date().toISOString())) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return { ...payload, ...(id !== undefined && GRANT_MEMBERS.has(this.model) ? { jti: id } : {}), ...(row.consumed_at ? { consumed: epochSeconds(row.consumed_at) } : {}) };
  }

  async consume(id: string): Promise<void> {
    const idHash = hashOf(id);
    const won = await this.engine.db
      .updateTable('oauth_records')
      .set({ consumed_at: new Date().toISOString() })
      .where('model', '=', this.model)
      .where('id_hash', '=', idHash)
      .where('consumed_at', 'is', null)
      .returning('grant_id')
      .executeTakeFirst();
    if (won) return;
    // Someone redeemed it first, a moment ago: the same as a replay.
    const lost = await this.engine.db.selectFrom('oauth_records').select('grant_id').where('model', '=', this.model).where('id_hash', '=', idHash).executeTakeFirst();
    if (lost?.grant_id) await this.revokeByGrantId(lost.grant_id);
    throw new errors.InvalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'grant'} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.engine.db.deleteFrom('oauth_records').where('model', '=', this.model).where('id_hash', '=', hashOf(id)).execute();
  }

  /** Every code and token of the grant, and the grant itself. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.engine.db
      .deleteFrom('oauth_records')
      .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id_hash', '=', hashOf(grantId))])]))
      .execute();
  }
}
