import crypto from 'node:crypto';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { TokenRejected, TokenUnverifiable } from '../../errors.js';
import { isThisResource } from '../../resource-uri.js';
import type { IssuerConnection } from './issuer.js';

/** Asymmetric algorithms only: never `none`, never an HMAC that a public key could be abused as. */
const ACCEPTED_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'];
const CLOCK_SKEW_S = 30;
/** MCP access tokens live at most an hour; one meant to live longer is refused. */
const MAX_LIFETIME_S = 3600;
const INTROSPECTION_CACHE_MS = 30_000;
const CACHE_SIZE = 10_000;

/** Entries that expire, at most CACHE_SIZE of them (the oldest goes first), keyed by a token's hash. */
class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until > Date.now()) return entry.value;
    if (entry) this.entries.delete(key);
    return undefined;
  }
  set(key: string, value: V, until: number) {
    if (this.entries.size >= CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until });
  }
}

const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('base64url');

/** What a verified token says: who (issuer + subject), through which client, allowed to do what. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Seconds since the epoch, when the token says. */
  issuedAt?: number;
}

export interface TokenVerifierOptions {
  issuer: IssuerConnection;
  /** The canonical URI of this MCP server: the only audience accepted. */
  resource: string;
  introspection?: { clientId: string; clientSecret: string };
}

/** The client certificate of the connection the token came on, when there is one (DER). */
export type PeerCertificate = () => Buffer | undefined;

function scopesOf(claims: Record<string, unknown>): string[] {
  const raw = claims.scope ?? claims.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
  return [...new Set(list.filter((s) => s !== ''))];
}

/**
 * A token bound to a key or certificate (RFC 8705 / RFC 9449) is accepted only when the binding is
 * proven: a certificate-bound one on a connection presenting that very certificate. DPoP is not
 * offered by this server, so a DPoP-bound token is refused.
 */
function checkBinding(cnf: unknown, peerCertificate: PeerCertificate): void {
  if (cnf === undefined) return;
  const thumbprint = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>)['x5t#S256'] : undefined;
  if (typeof thumbprint !== 'string')
    throw new TokenRejected('the token is bound to a key this server cannot check (only certificate-bound tokens are accepted)');
  const cert = peerCertificate();
  if (!cert) throw new TokenRejected('the token is bound to a client certificate, and this connection presented none');
  const presented = crypto.createHash('sha256').update(cert).digest('base64url');
  if (presented !== thumbprint) throw new TokenRejected('the token is bound to another client certificate');
}

function checkClaims(claims: Record<string, unknown>, options: TokenVerifierOptions, peerCertificate: PeerCertificate): VerifiedToken {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((aud) => isThisResource(aud, options.resource))) {
    throw new TokenRejected(`the token is not meant for this server (its audience must be ${options.resource})`);
  }
  const exp = claims.exp;
  if (typeof exp !== 'number') throw new TokenRejected('the token has no expiry');
  const now = Math.floor(Date.now() / 1000);
  if (exp + CLOCK_SKEW_S <= now) throw new TokenRejected('the token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_S > now) throw new TokenRejected('the token is not valid yet');
  if (typeof claims.iat === 'number' && exp - claims.iat > MAX_LIFETIME_S) throw new TokenRejected('the token lives longer than one hour');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejected('the token names no subject');
  checkBinding(claims.cnf, peerCertificate);
  const clientId = claims.client_id ?? claims.azp;
  return {
    issuer: options.issuer.issuer,
    subject: claims.sub,
    clientId: typeof clientId === 'string' ? clientId : '',
    scopes: scopesOf(claims),
    expiresAt: exp,
    issuedAt: typeof claims.iat === 'number' ? claims.iat : undefined,
  };
}

const CLAIM_PROBLEMS: Record<string, string> = {
  iss: 'the token was issued by another authorization server',
  typ: 'the token is not an access token (its typ must be at+jwt)',
  nbf: 'the token is not valid yet',
};

/** jose's reasons, in words a client developer can act on. */
function rejectionFor(err: unknown): TokenRejected {
  if (err instanceof TokenRejected) return err;
  if (err instanceof errors.JWTExpired) return new TokenRejected('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed)
    return new TokenRejected(CLAIM_PROBLEMS[err.claim] ?? `the token's ${err.claim} claim is not acceptable (${err.reason.replace(/_/g, ' ')})`);
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return new TokenRejected('the token is signed with an algorithm this server does not accept');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return new TokenRejected('the token is signed with a key the issuer does not publish');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected('the token signature does not verify');
  if (err instanceof errors.JOSEError) return new TokenRejected('the token is malformed');
  throw err;
}

const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/**
 * Verifies access tokens for this resource: JWTs (RFC 9068) against the issuer's published keys,
 * opaque tokens by introspection (RFC 7662) when the issuer offers it and credentials are set.
 */
export function createTokenVerifier(options: TokenVerifierOptions) {
  const introspected = new ExpiringCache<VerifiedToken>();
  // A client sends the same token with every request for up to an hour: its signature is checked
  // once; the claims (expiry, audience, binding to this connection) are checked every time.
  const signatureChecked = new ExpiringCache<JWTPayload>();

  async function verifyJwt(token: string, peerCertificate: PeerCertificate): Promise<VerifiedToken> {
    const key = hashOf(token);
    const known = signatureChecked.get(key);
    if (known) return checkClaims(known, options, peerCertificate);
    const issuer = await options.issuer.current();
    if (!issuer?.keys)
      throw new TokenUnverifiable(
        issuer ? 'the issuer publishes no signing keys' : `the issuer's metadata could not be loaded: ${options.issuer.lastError ?? 'unknown error'}`,
      );
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: options.issuer.issuer,
        typ: 'at+jwt',
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp', 'iat', 'sub', 'aud'],
      }));
    } catch (err) {
      throw rejectionFor(err);
    }
    const verified = checkClaims(payload, options, peerCertificate);
    signatureChecked.set(key, payload, verified.expiresAt * 1000);
    return verified;
  }

  async function introspect(token: string, peerCertificate: PeerCertificate): Promise<VerifiedToken> {
    const issuer = await options.issuer.current();
    const endpoint = issuer?.metadata.introspection_endpoint;
    if (!endpoint || !options.introspection) throw new TokenRejected('the token is not a JWT, and this server cannot introspect opaque tokens');
    const key = hashOf(token);
    const cached = introspected.get(key);
    if (cached) return cached;
    const { clientId, clientSecret } = options.introspection;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      redirect: 'error',
      signal: AbortSignal.timeout(5_000),
    }).catch((err: Error) => {
      throw new TokenUnverifiable(`the introspection endpoint could not be reached: ${err.message}`);
    });
    if (!response.ok) throw new TokenUnverifiable(`the introspection endpoint answered ${response.status}`);
    const claims = (await response.json()) as Record<string, unknown>;
    if (claims.active !== true) throw new TokenRejected('the token is not active');
    if (claims.iss !== undefined && claims.iss !== options.issuer.issuer) throw new TokenRejected('the token was issued by another issuer');
    const verified = checkClaims(claims, options, peerCertificate);
    if (claims.cnf === undefined) introspected.set(key, verified, Math.min(verified.expiresAt * 1000, Date.now() + INTROSPECTION_CACHE_MS));
    return verified;
  }

  return {
    verify(token: string, peerCertificate: PeerCertificate = () => undefined): Promise<VerifiedToken> {
      return looksLikeJwt(token) ? verifyJwt(token, peerCertificate) : introspect(token, peerCertificate);
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
