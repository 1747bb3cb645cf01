import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { errors, type Adapter, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { decrypt, encrypt } from '../storage/crypto.js';
import type { Engine } from '../storage/engine.js';
import { oauthIdHash as hashOf, readTokenRequestRecords, spendAndWrite, type OAuthRecordRow } from '../storage/oauth-records.js';

/** The models whose records belong to a grant, and go when it is revoked. */
const GRANT_MEMBERS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const SEALED = 'sealed:';
const clientSecretKey = (kek: Buffer) => crypto.createHmac('sha256', kek).update('mcp-pa client secrets').digest();

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * What the store keeps for one request (oidc-provider's, `withinRequest`), and for it alone:
 * - records read ahead, by model and id hash (null: looked for, not there), each given out once and
 *   forgotten when the request writes it (see `OAuthStore.find`);
 * - the refresh token the request spends, until the statement that writes its successor spends it
 *   (see `OAuthStore.consume`).
 */
interface RequestScope {
  ctx: KoaContextWithOIDC;
  rows: Map<string, OAuthRecordRow | null>;
  spending?: { store: OAuthStore; idHash: string };
}
const requestScope = new AsyncLocalStorage<RequestScope>();
const readAheadKey = (model: string, idHash: string) => `${model}\0${idHash}`;

/**
 * oidc-provider middleware, first of all: every later step of a request, oidc-provider's own
 * included, shares its scope. A refresh token still waiting to be spent when the request is done
 * (no successor was written) is spent before the answer leaves, and if another request spent it
 * first the answer is that refusal, never tokens.
 */
export async function withinRequest(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  const scope: RequestScope = { ctx, rows: new Map() };
  try {
    await requestScope.run(scope, next);
  } catch (err) {
    // The request failed on its way: a token it presented for rotation is spent all the same, and
    // the failure, not this, is what is answered.
    if (scope.spending) await requestScope.run(scope, settleSpending).catch(() => undefined);
    throw err;
  }
  if (scope.spending) await requestScope.run(scope, () => spendOrRefuse(ctx));
}

async function spendOrRefuse(ctx: KoaContextWithOIDC): Promise<void> {
  try {
    await settleSpending();
  } catch (err) {
    if (!(err instanceof errors.InvalidGrant)) throw err;
    ctx.status = err.statusCode;
    ctx.body = { error: err.error, error_description: err.error_description };
  }
}

/** The code or token each grant type presents at the token endpoint, by parameter. */
const PRESENTED: Record<string, { model: string; param: string }> = {
  refresh_token: { model: 'RefreshToken', param: 'refresh_token' },
  authorization_code: { model: 'AuthorizationCode', param: 'code' },
};

/** At the token endpoint, the code or refresh token the request presents (known before its client is looked up). */
function presentedToken(ctx: KoaContextWithOIDC): { model: string; value: string } | undefined {
  if (ctx.oidc?.route !== 'token') return undefined;
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  const grantType = params?.grant_type;
  const presented = typeof grantType === 'string' ? PRESENTED[grantType] : undefined;
  const value = presented && params?.[presented.param];
  return presented && typeof value === 'string' && value ? { model: presented.model, value } : undefined;
}

/** A spend that waits for its successor's write is done now, before anything else this request asks of the store. */
async function settleSpending(): Promise<void> {
  const scope = requestScope.getStore();
  const spending = scope?.spending;
  if (!scope || !spending) return;
  scope.spending = undefined;
  await spending.store.spendNow(spending.idHash);
}

/**
 * oidc-provider's storage (its Adapter interface) on the server's own database, so any instance
 * can continue what another began. A record is keyed by its model and the hash of its id; the id
 * of a code or token (`jti` in the payload) is dropped and given back on read, so a stolen table
 * holds no working code or token. Spending (`consume`) is atomic: of two redemptions of one code or
 * refresh token at once, exactly one wins; the other is treated as the replay it is, and revokes
 * the whole grant.
 *
 * A refresh request costs the database three statements, where oidc-provider asks five times:
 * - its three reads (the client, to authenticate it; the refresh token it presents; that token's
 *   grant) are one statement: when the client is looked up, the other two are read with it and
 *   kept for this request alone, each given out once;
 * - the refresh token is spent in the statement that writes its successor (rotation): both happen
 *   or neither, and of two requests presenting the same token only one writes a successor.
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
    const scope = requestScope.getStore();
    const spending = scope?.spending;
    if (!spending || spending.store.model !== this.model) await settleSpending();
    if (this.model === 'ReplayDetection') return this.insertOnce(id, payload, expiresIn);
    // Codes and tokens are only ever looked up by their value: it need not be kept. (A session is
    // also found by its uid, and must come back whole.)
    const { jti: _jti, ...withoutId } = payload;
    const stored = GRANT_MEMBERS.has(this.model) ? withoutId : this.model === 'Client' ? this.sealSecret(payload) : payload;
    this.forgetReadAhead(id);
    const row = {
      payload: JSON.stringify(stored),
      // A grant's codes and tokens name it; a grant names itself, so it is found with them (readTokenRequestRecords).
      grant_id: GRANT_MEMBERS.has(this.model) ? (payload.grantId ?? null) : this.model === 'Grant' ? id : null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      account_id: payload.accountId ?? null,
      expires_at: typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
      consumed_at: null,
    };
    if (scope && spending && spending.store.model === this.model) {
      // The successor of the refresh token this request spends: written only if the spend wins.
      scope.spending = undefined;
      const won = await spendAndWrite(this.engine, { model: this.model, idHash: spending.idHash }, new Date().toISOString(), {
        model: this.model,
        id_hash: hashOf(id),
        ...row,
      });
      if (!won) await this.spentAlready(spending.idHash);
      return;
    }
    await this.engine.db
      .insertInto('oauth_records')
      .values({ model: this.model, id_hash: hashOf(id), ...row })
      .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(row))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    await settleSpending();
    const idHash = hashOf(id);
    const scope = requestScope.getStore();
    const key = readAheadKey(this.model, idHash);
    if (scope?.rows.has(key)) {
      const row = scope.rows.get(key);
      scope.rows.delete(key);
      return this.decode(row ?? undefined, id);
    }
    const presented = this.model === 'Client' && scope ? presentedToken(scope.ctx) : undefined;
    if (!scope || !presented) return this.findWhere('id_hash', idHash, id);
    // A token request: its client, the code or refresh token it presents and that token's grant in one statement.
    const token = { model: presented.model, idHash: hashOf(presented.value) };
    const rows = await readTokenRequestRecords(this.engine, idHash, token);
    const rowOf = (model: string, hash: string) => rows.find((r) => r.model === model && r.id_hash === hash);
    const tokenRow = rowOf(token.model, token.idHash);
    scope.rows.set(readAheadKey(token.model, token.idHash), tokenRow ?? null);
    // Only a grant found: one that is not (expired and swept, or revoked meanwhile) is looked for again on its own.
    const grantRow = tokenRow?.grant_id ? rowOf('Grant', hashOf(tokenRow.grant_id)) : undefined;
    if (grantRow) scope.rows.set(readAheadKey('Grant', grantRow.id_hash), grantRow);
    return this.decode(rowOf('Client', idHash), id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    await settleSpending();
    return this.findWhere('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    await settleSpending();
    return this.findWhere('user_code', userCode);
  }

  private async findWhere(column: 'id_hash' | 'uid' | 'user_code', value: string, id?: string): Promise<AdapterPayload | undefined> {
    const row = await this.engine.db
      .selectFrom('oauth_records')
      .select(['payload', 'consumed_at', 'expires_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .executeTakeFirst();
    return this.decode(row, id);
  }

  /** A stored row as oidc-provider wants it: none once expired, the id of a code or token given back, its spending as a time. */
  private decode(row: Pick<OAuthRecordRow, 'payload' | 'consumed_at' | 'expires_at'> | undefined, id?: string): AdapterPayload | undefined {
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

  /** This request's own write of a record makes what it read ahead of it stale. */
  private forgetReadAhead(id: string): void {
    requestScope.getStore()?.rows.delete(readAheadKey(this.model, hashOf(id)));
  }

  /**
   * Spends a code or token. The refresh token a refresh request presents is spent in the statement
   * that writes its successor, which oidc-provider asks for next (`upsert`); anything else the
   * request asks of the store first, or the end of the request, spends it on its own.
   */
  async consume(id: string): Promise<void> {
    await settleSpending();
    this.forgetReadAhead(id);
    const scope = requestScope.getStore();
    const presented = scope && this.model === 'RefreshToken' ? presentedToken(scope.ctx) : undefined;
    if (scope && presented?.model === this.model && presented.value === id) {
      scope.spending = { store: this, idHash: hashOf(id) };
      return;
    }
    await this.spendNow(hashOf(id));
  }

  /** Spends the record with this id hash now, or finds it spent already (`spentAlready`). */
  async spendNow(idHash: string): Promise<void> {
    const won = await this.engine.db
      .updateTable('oauth_records')
      .set({ consumed_at: new Date().toISOString() })
      .where('model', '=', this.model)
      .where('id_hash', '=', idHash)
      .where('consumed_at', 'is', null)
      .returning('grant_id')
      .executeTakeFirst();
    if (!won) await this.spentAlready(idHash);
  }

  /** Someone redeemed it first, a moment ago: the same as a replay. Its grant is revoked, and this request refused. */
  private async spentAlready(idHash: string): Promise<never> {
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
    await settleSpending();
    this.forgetReadAhead(id);
    await this.engine.db.deleteFrom('oauth_records').where('model', '=', this.model).where('id_hash', '=', hashOf(id)).execute();
  }

  /** Every code and token of the grant, and the grant itself. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await settleSpending();
    requestScope.getStore()?.rows.clear();
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
