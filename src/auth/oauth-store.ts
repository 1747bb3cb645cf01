import crypto from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { decrypt, encrypt } from '../storage/crypto.js';
import type { Engine } from '../storage/engine.js';

/** The models whose records belong to a grant, and go when it is revoked. */
const GRANT_MEMBERS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const SEALED = 'sealed:';
const clientSecretKey = (kek: Buffer) => crypto.createHmac('sha256', kek).update('mcp-pa client secrets').digest();

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
    /** Seals client secrets (derived from the key-encryption key). */
    private readonly secretKey?: Buffer,
  ) {}

  /** oidc-provider's adapter factory for this engine; client secrets are sealed with a key derived from the key-encryption key. */
  static factory(engine: Engine, kek?: Buffer) {
    const secretKey = kek && clientSecretKey(kek);
    return (model: string) => new OAuthStore(engine, model, secretKey);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.model === 'ReplayDetection') return this.insertOnce(id, payload, expiresIn);
    // Codes and tokens are only ever looked up by their value: it need not be kept. (A session is
    // also found by its uid, and must come back whole.)
    const { jti: _jti, ...withoutId } = payload;
    const stored = GRANT_MEMBERS.has(this.model) ? withoutId : this.model === 'Client' ? this.sealSecret(payload) : payload;
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
    const payload = this.openSecret(JSON.parse(row.payload) as AdapterPayload);
    return {
      ...payload,
      ...(id !== undefined && GRANT_MEMBERS.has(this.model) ? { jti: id } : {}),
      ...(row.consumed_at ? { consumed: epochSeconds(row.consumed_at) } : {}),
    };
  }

  /** A client's secret never rests in plain text: sealed with AES-GCM, bound to its client_id. */
  private sealSecret(payload: AdapterPayload): AdapterPayload {
    const secret = payload.client_secret;
    if (typeof secret !== 'string') return payload;
    if (!this.secretKey) throw new Error('client secrets need the key-encryption key');
    return { ...payload, client_secret: `${SEALED}${encrypt(this.secretKey, Buffer.from(secret), String(payload.client_id)).toString('base64')}` };
  }

  private openSecret(payload: AdapterPayload): AdapterPayload {
    const secret = payload.client_secret;
    if (this.model !== 'Client' || typeof secret !== 'string' || !secret.startsWith(SEALED) || !this.secretKey) return payload;
    return {
      ...payload,
      client_secret: decrypt(this.secretKey, Buffer.from(secret.slice(SEALED.length), 'base64'), String(payload.client_id)).toString('utf8'),
    };
  }

  /**
   * A client assertion's jti, remembered until it expires: the insert is the check, so two uses at
   * the same moment, on any instances, cannot both pass (oidc-provider's own check reads first).
   */
  private async insertOnce(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const inserted = await this.engine.db
      .insertInto('oauth_records')
      .values({
        model: this.model,
        id_hash: hashOf(id),
        payload: JSON.stringify(payload),
        grant_id: null,
        uid: null,
        user_code: null,
        account_id: null,
        expires_at: new Date(Date.now() + (expiresIn ?? 600) * 1000).toISOString(),
        consumed_at: null,
      })
      .onConflict((oc) => oc.columns(['model', 'id_hash']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new errors.InvalidClientAuth('client assertion tokens must only be used once');
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
    const lost = await this.engine.db
      .selectFrom('oauth_records')
      .select('grant_id')
      .where('model', '=', this.model)
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
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

/** The models a client owns besides its grants: its own tokens (client_credentials) and its registration token (RFC 7592). */
const CLIENT_MEMBERS = ['ClientCredentials', 'RegistrationAccessToken'];

/**
 * Everything a client held: its grants (with their codes and refresh tokens), its own tokens and
 * its registration token; returns how many records went. The client's record itself is its
 * remover's business (`mcp-pa client remove`, or oidc-provider for RFC 7592 DELETE).
 */
export async function revokeClientRecords(engine: Engine, clientId: string): Promise<number> {
  const rows = await engine.db
    .selectFrom('oauth_records')
    .select(['model', 'id_hash', 'payload'])
    .where('model', 'in', ['Grant', ...CLIENT_MEMBERS])
    .execute();
  const owned = rows.filter((row) => (JSON.parse(row.payload) as { clientId?: string }).clientId === clientId);
  const grants = new OAuthStore(engine, 'Grant');
  for (const row of owned) {
    if (row.model === 'Grant') await grants.revokeByGrantId((JSON.parse(row.payload) as { jti: string }).jti);
    else await engine.db.deleteFrom('oauth_records').where('model', '=', row.model).where('id_hash', '=', row.id_hash).execute();
  }
  return owned.length;
}
