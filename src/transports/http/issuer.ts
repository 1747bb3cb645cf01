import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

type KeySet = JWTVerifyGetKey;

/** The parts of an authorization server's metadata (RFC 8414) the resource server uses. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
}

const FETCH_TIMEOUT_MS = 5_000;

/**
 * RFC 8414 section 3: the well-known path is inserted between host and the issuer's path; OpenID
 * Connect appends it instead. Both are tried, in that order.
 */
function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const issuerPath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [`${url.origin}/.well-known/oauth-authorization-server${issuerPath}`, `${url.origin}${issuerPath}/.well-known/openid-configuration`];
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

/** Fetches and checks the issuer's metadata: its `issuer` must be exactly the configured one (RFC 8414 3.3). */
async function fetchIssuerMetadata(issuer: string): Promise<IssuerMetadata> {
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let body: unknown;
    try {
      body = await fetchJson(url);
    } catch (err) {
      failures.push((err as Error).message);
      continue;
    }
    const metadata = body as Partial<IssuerMetadata>;
    if (metadata.issuer !== issuer) throw new Error(`${url} names the issuer "${String(metadata.issuer)}", not "${issuer}"`);
    if (!metadata.jwks_uri && !metadata.introspection_endpoint) {
      throw new Error(`${url} offers neither jwks_uri nor introspection_endpoint: tokens could not be verified`);
    }
    return metadata as IssuerMetadata;
  }
  throw new Error(`no authorization server metadata for ${issuer}: ${failures.join('; ')}`);
}

/** The issuer's metadata and signing keys, loaded once and retried (at most every few seconds) until loaded. */
export class IssuerConnection {
  private metadata?: IssuerMetadata;
  private keys?: KeySet;
  private loading?: Promise<void>;
  private lastAttempt = 0;
  lastError?: string;

  constructor(
    readonly issuer: string,
    private readonly retryMs = 5_000,
  ) {}

  /** This server's own authorization server: its metadata and public keys are known, nothing to fetch. */
  static embedded(issuer: string, keys: KeySet): IssuerConnection {
    const connection = new IssuerConnection(issuer);
    connection.metadata = { issuer, jwks_uri: `${issuer}/oauth/jwks`, introspection_endpoint: `${issuer}/oauth/introspect` };
    connection.keys = keys;
    return connection;
  }

  get ready(): boolean {
    return this.metadata !== undefined;
  }

  /** Loads the metadata (and the key set when there is one); resolves whether or not it worked. */
  load(): Promise<void> {
    if (this.metadata) return Promise.resolve();
    if (this.loading) return this.loading;
    if (Date.now() - this.lastAttempt < this.retryMs) return Promise.resolve();
    this.lastAttempt = Date.now();
    this.loading = (async () => {
      try {
        const metadata = await fetchIssuerMetadata(this.issuer);
        if (metadata.jwks_uri) {
          // jose caches the set and refetches it on an unknown kid, at most once per cooldown.
          const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
            timeoutDuration: FETCH_TIMEOUT_MS,
            cooldownDuration: 30_000,
            cacheMaxAge: 10 * 60_000,
          });
          await keys.reload();
          this.keys = keys;
        }
        this.metadata = metadata;
        this.lastError = undefined;
      } catch (err) {
        this.lastError = (err as Error).message;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  async current(): Promise<{ metadata: IssuerMetadata; keys?: KeySet } | undefined> {
    await this.load();
    return this.metadata && { metadata: this.metadata, keys: this.keys };
  }
}
