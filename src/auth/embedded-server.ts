import { createLocalJWKSet, errors as joseErrors, type JWK, type JWTVerifyGetKey } from 'jose';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../security/audit.js';
import type { ClientCertificates } from './client-authentication.js';
import { OAuthStore } from './oauth-store.js';
import { auditProviderEvents } from './provider-audit.js';
import { createAuthorizationServer, OWNER_PROPERTY, type AuthorizationServerOptions } from './provider.js';
import { loadSigningKeys, signingKeysVersion } from './signing-keys.js';

/** How often an instance looks for keys another one (or `mcp-pa keys rotate`) changed. */
const KEY_POLL_MS = 30_000;
/** At most this often a token with an unknown kid makes the instance look before the next poll. */
const UNKNOWN_KID_COOLDOWN_MS = 5_000;

/** A client_id that is an https URL names a Client ID Metadata Document (the server picks every other id). */
const isMetadataDocumentClient = (clientId: string) => clientId.startsWith('https://');

/** What the embedded server is built from; the key-encryption key seals its signing keys, cookies and client secrets. */
export type EmbeddedServerDeps = Pick<AuthorizationServerOptions, 'engine' | 'config' | 'logger' | 'clock' | 'kek'> & { audit: AuditLog };

const publicPart = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }: JWK): JWK => rest;

/**
 * This server as its own authorization server: oidc-provider over the signing keys in the
 * database. The keys are opened before the server listens (a wrong or missing key-encryption key
 * stops the start), and followed while it runs: after `mcp-pa keys rotate` every instance signs
 * with the new keys within a poll, and a token signed by a key this instance has not seen yet
 * makes it look at once, so any instance verifies any instance's tokens.
 */
export class EmbeddedAuthorizationServer {
  #provider?: Provider;
  #callback?: ReturnType<Provider['callback']>;
  #verifyKeys: JWTVerifyGetKey;
  #version: string;
  #issuer?: string;
  #behindProxy = false;
  #clientCertificates: ClientCertificates = 'none';
  #timer?: NodeJS.Timeout;
  #lastLook = 0;
  #looking?: Promise<void>;

  private constructor(
    private readonly deps: EmbeddedServerDeps,
    private keys: JWK[],
    version: string,
  ) {
    this.#version = version;
    this.#verifyKeys = createLocalJWKSet({ keys: keys.map(publicPart) });
  }

  /** Opens (or creates) the signing keys: before listening, so a bad key-encryption key stops the start. */
  static async open(deps: EmbeddedServerDeps): Promise<EmbeddedAuthorizationServer> {
    const { keys } = await loadSigningKeys(deps.engine, deps.kek);
    return new EmbeddedAuthorizationServer(deps, keys, await signingKeysVersion(deps.engine));
  }

  /** Derives the CSRF tokens of the sign-in pages: every instance computes the same one. */
  get kek(): Buffer {
    return this.deps.kek;
  }

  /** Builds the authorization server for the issuer (the public origin, known once listening) and starts following the keys. */
  start(issuer: string, behindProxy: boolean, clientCertificates: ClientCertificates): void {
    this.#issuer = issuer;
    this.#behindProxy = behindProxy;
    this.#clientCertificates = clientCertificates;
    this.#build();
    this.#timer = setInterval(() => void this.#look(), KEY_POLL_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get provider(): Provider {
    if (!this.#provider) throw new Error('the authorization server is not started');
    return this.#provider;
  }

  /**
   * A token's client as it stands now, read from the database on every request so that removing
   * a client (on any instance) stops its tokens at once: undefined once it is removed. With it, the
   * account a service client acts for with its own tokens (client_credentials), as an
   * administrator set it. A client named by its Client ID Metadata Document is never stored (nor
   * removable): it stands as long as its tokens live.
   */
  async clientOfToken(clientId: string): Promise<{ owner?: string } | undefined> {
    if (isMetadataDocumentClient(clientId)) return {};
    const client = await new OAuthStore(this.deps.engine, 'Client').find(clientId);
    if (!client) return undefined;
    const owner = client[OWNER_PROPERTY];
    return { owner: typeof owner === 'string' ? owner : undefined };
  }

  /** oidc-provider's request handler, for the paths it answers. */
  get callback(): ReturnType<Provider['callback']> {
    return (this.#callback ??= this.provider.callback());
  }

  /** The public keys tokens of this issuer are verified with; an unknown kid makes it look for new keys once. */
  readonly verificationKeys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await this.#verifyKeys(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - this.#lastLook < UNKNOWN_KID_COOLDOWN_MS) throw err;
      await this.#look();
      return this.#verifyKeys(header, token);
    }
  };

  #build() {
    const resource = `${this.#issuer!}/mcp`;
    const provider = createAuthorizationServer({
      ...this.deps,
      issuer: this.#issuer!,
      resource,
      keys: { keys: this.keys },
      clientCertificates: this.#clientCertificates,
    });
    provider.proxy = this.#behindProxy;
    auditProviderEvents(provider, this.deps.audit);
    this.#provider = provider;
    this.#callback = undefined;
    this.#verifyKeys = createLocalJWKSet({ keys: this.keys.map(publicPart) });
  }

  /** Reloads the keys when the database holds another set than this instance uses. */
  #look(): Promise<void> {
    this.#looking ??= (async () => {
      this.#lastLook = Date.now();
      try {
        const version = await signingKeysVersion(this.deps.engine);
        if (version === this.#version) return;
        const { keys } = await loadSigningKeys(this.deps.engine, this.kek);
        this.keys = keys;
        this.#version = await signingKeysVersion(this.deps.engine);
        this.#build();
        this.deps.logger.info({ keys: keys.map((k) => k.kid) }, 'signing keys reloaded');
      } catch (err) {
        this.deps.logger.error({ err: (err as Error).message }, 'cannot reload the signing keys; still using the ones loaded before');
      } finally {
        this.#looking = undefined;
      }
    })();
    return this.#looking;
  }
}
