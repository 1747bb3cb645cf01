import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { errors, type ClientAuthMethod, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logging.js';
import { CLIENT_AUTHENTICATING_PATHS, parseBasic } from '../security/request-keys.js';

/** What this server can learn of a client's TLS certificate. */
export type ClientCertificates =
  /** No TLS here (plain HTTP, or TLS ended at a proxy): no certificate reaches us. */
  | 'none'
  /** TLS asks for a certificate but no CA is configured: only self-signed (registered) certificates can be checked. */
  | 'unverified'
  /** TLS asks for a certificate and verifies it against MCP_TLS_CLIENT_CA. */
  | 'verified';

/** Asymmetric algorithms only: no `none`, and no HMAC (which a public key could be abused as). */
export const CLIENT_ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'EdDSA'];
/** A client assertion is for one request: it may not live longer than this. */
const MAX_ASSERTION_LIFETIME_S = 300;

/**
 * The client authentication methods offered: `none` (public clients with PKCE) always, and those
 * of `authentication.client_auth_methods` this deployment can actually check. A listed method it
 * cannot check is left out with a warning, never advertised.
 */
export function enabledClientAuthMethods(config: Pick<Config, 'authentication'>, certificates: ClientCertificates, logger: Logger): ClientAuthMethod[] {
  const enabled = new Set<ClientAuthMethod>(['none']);
  for (const method of config.authentication.client_auth_methods) {
    if (method === 'tls_client_auth' && certificates !== 'verified') {
      logger.warn({ method }, 'tls_client_auth is not offered: it needs HTTPS here with MCP_TLS_CLIENT_CA (the CA that issues client certificates)');
    } else if (method === 'self_signed_tls_client_auth' && certificates === 'none') {
      logger.warn({ method }, 'self_signed_tls_client_auth is not offered: it needs HTTPS served by mcp-pa itself (MCP_TLS_CERT, MCP_TLS_KEY)');
    } else {
      enabled.add(method);
    }
  }
  return [...enabled];
}

const peerCertificate = (ctx: KoaContextWithOIDC): X509Certificate | undefined => {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  return cert?.raw ? new X509Certificate(cert.raw) : undefined;
};

/** `CN=svc, O=Example` and the certificate's `O=Example\nCN=svc` alike: the set of attribute=value pairs, types case-insensitive. */
function distinguishedNameParts(dn: string): string[] {
  return dn
    .split(/(?<!\\)[,\n+]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf('=');
      return `${part.slice(0, at).trim().toUpperCase()}=${part.slice(at + 1).trim()}`;
    })
    .sort();
}

const SAN_PREFIX: Record<string, string> = {
  tls_client_auth_san_dns: 'DNS:',
  tls_client_auth_san_ip: 'IP Address:',
  tls_client_auth_san_email: 'email:',
  tls_client_auth_san_uri: 'URI:',
};

/** RFC 8705 section 2.1.2: the registered subject DN, or one registered subjectAltName entry, must match. */
function certificateSubjectMatches(ctx: KoaContextWithOIDC, property: string, expected: string): boolean {
  const cert = peerCertificate(ctx);
  if (!cert) return false;
  if (property === 'tls_client_auth_subject_dn') return distinguishedNameParts(cert.subject).join(',') === distinguishedNameParts(expected).join(',');
  const prefix = SAN_PREFIX[property];
  const names = (cert.subjectAltName ?? '').split(/,\s*/);
  return prefix !== undefined && names.includes(`${prefix}${expected}`);
}

/** oidc-provider's mutual-TLS feature (RFC 8705) over the certificate this connection presented. */
export function mutualTls(methods: readonly ClientAuthMethod[]): NonNullable<Configuration['features']>['mTLS'] {
  const tlsClientAuth = methods.includes('tls_client_auth');
  const selfSignedTlsClientAuth = methods.includes('self_signed_tls_client_auth');
  return {
    enabled: tlsClientAuth || selfSignedTlsClientAuth,
    // Tokens of a client that authenticated with a certificate are bound to it (cnf.x5t#S256); the
    // resource server refuses them on a connection without that certificate.
    certificateBoundAccessTokens: tlsClientAuth || selfSignedTlsClientAuth,
    tlsClientAuth,
    selfSignedTlsClientAuth,
    getCertificate: (ctx) => peerCertificate(ctx) as never,
    certificateAuthorized: (ctx) => (ctx.req.socket as Partial<TLSSocket>).authorized === true,
    certificateSubjectMatches,
  };
}

/**
 * RFC 7523 section 3 beyond what oidc-provider checks (it requires exp, jti, iss = client_id, the
 * audience, and finds the client by sub): the assertion is short-lived.
 */
export function assertClientAssertion(clock: Clock): NonNullable<Configuration['assertJwtClientAuthClaimsAndHeader']> {
  return async (_ctx, claims) => {
    const now = Math.floor(clock.now() / 1000);
    if (typeof claims.exp === 'number' && claims.exp - now > MAX_ASSERTION_LIFETIME_S) {
      throw new errors.InvalidClientAuth(`the client assertion must expire within ${MAX_ASSERTION_LIFETIME_S} seconds`);
    }
  };
}

/**
 * RFC 6749 section 5.2: a client that tried to authenticate with the Authorization header and
 * failed gets 401 invalid_client with a Basic challenge. oidc-provider answers a malformed header
 * with 400 invalid_request; this answers it as the failed client authentication it is.
 */
export async function malformedBasicIsInvalidClient(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  const header = ctx.headers.authorization;
  if (header === undefined || ctx.method !== 'POST' || !CLIENT_AUTHENTICATING_PATHS.includes(ctx.path) || parseBasic(header)) return next();
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Basic realm="${ctx.origin}", error="invalid_client"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    error: 'invalid_client',
    error_description: 'the Authorization header must be Basic base64(url-encoded client_id ":" url-encoded client_secret)',
  };
}

const onAuthenticated = new WeakMap<IncomingMessage, (clientId: string) => Promise<void>>();

/**
 * Asks to be called (before the answer goes out) once the client of this request has proven who
 * it is, with a secret, an assertion or a certificate. A request that names a client but fails to
 * authenticate as it never calls: limits that only authenticated requests spend cannot be spent by
 * someone who merely knows a client's id.
 */
export function whenClientAuthenticates(req: IncomingMessage, then: (clientId: string) => Promise<void>): void {
  onAuthenticated.set(req, then);
}

/** Errors the token, revocation and introspection endpoints give only once the client has authenticated. */
const ERRORS_AFTER_CLIENT_AUTHENTICATION = new Set([
  'invalid_grant',
  'invalid_scope',
  'invalid_target',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_token_type',
]);

/**
 * Calls the `whenClientAuthenticates` hook of a request whose client authenticated: it got an
 * answer (2xx) or an error that comes after client authentication. oidc-provider identifies the
 * client before it checks the credential, so a known client alone proves nothing; clients without
 * a credential (`none`) never count as authenticated.
 */
export async function reportClientAuthentication(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const then = onAuthenticated.get(ctx.req);
  const client = ctx.oidc?.client;
  if (!then || !client || client.clientAuthMethod === 'none') return;
  const error = (ctx.body as { error?: unknown } | undefined)?.error;
  if (ctx.status < 400 || (typeof error === 'string' && ERRORS_AFTER_CLIENT_AUTHENTICATION.has(error))) await then(client.clientId);
}

/** A client secret is shown once, when it is issued: reading (route `client`) or updating (`client_update`) a registration (RFC 7592) does not repeat it. */
export async function secretShownOnce(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const body = ctx.body as Record<string, unknown> | undefined;
  // An update that gave a public client its first secret must show it (ctx.oidc.client is the registration before the update).
  const route = ctx.oidc?.route;
  const alreadyShown = route === 'client' || (route === 'client_update' && Boolean(ctx.oidc?.client?.clientSecret));
  if (alreadyShown && body && typeof body === 'object' && 'client_secret' in body) delete body.client_secret;
}
