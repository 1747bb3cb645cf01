import crypto from 'node:crypto';
import Provider, { errors, type Configuration, type JWKS } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import type { AuditLog } from '../security/audit.js';
import type { Engine } from '../storage/engine.js';
import { EVERY_SCOPE, SCOPES } from '../scopes.js';
import { isThisResource } from '../resource-uri.js';
import { embeddedAccount } from './accounts.js';
import { OAuthStore, withinRequest } from './oauth-store.js';
import { advertiseUsableScopes, forgetDeletedClients, postOnly } from './provider-routes.js';
import { checkRedirectUris } from './redirect-uris.js';
import { createSafeFetch } from '../net/safe-fetch.js';
import { rememberedGrantId } from '../storage/oauth-records.js';
import {
  assertClientAssertion,
  CLIENT_ASSERTION_ALGORITHMS,
  enabledClientAuthMethods,
  malformedBasicIsInvalidClient,
  mutualTls,
  reportClientAuthentication,
  secretShownOnce,
  type ClientCertificates,
} from './client-authentication.js';

export interface AuthorizationServerOptions {
  /** Where clients, grants and tokens are kept, and accounts looked up. */
  engine: Engine;
  config: Pick<ResolvedConfig, 'authentication' | 'features'>;
  logger: Logger;
  clock: Clock;
  /** Records refused fetches of client-named URLs; absent when the server only checks metadata (`client add`). */
  audit?: Pick<AuditLog, 'record'>;
  /** The public origin: the issuer identifier (RFC 8414), the same string everywhere. */
  issuer: string;
  /** The canonical MCP URI: the only resource tokens are issued for. */
  resource: string;
  /** Private signing keys (the active key of each algorithm first). */
  keys: JWKS;
  /** Seals cookies (every instance signs them alike) and client secrets. */
  kek: Buffer;
  /** What the server learns of a client's TLS certificate: decides whether mutual-TLS client authentication is offered. */
  clientCertificates: ClientCertificates;
}

/** Client metadata only an administrator sets (`mcp-pa client add --owner`): the account a service client acts for. */
export const OWNER_PROPERTY = 'mcp_pa_owner';

const REFRESH_TOKEN_TTL_S = 14 * 24 * 3600;

/** Every endpoint under /oauth/, where the HTTP layer hands requests to oidc-provider. */
const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  jwks: '/oauth/jwks',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
};

/**
 * Anyone may register a client, but only an administrator says which account a client acts for
 * on its own (the client_credentials grant): a registration naming an owner is refused, and so is
 * the client_credentials grant without one.
 */
function checkOwner(ctx: Parameters<NonNullable<NonNullable<Configuration['extraClientMetadata']>['validator']>>[0], owner: unknown, grantTypes: unknown) {
  const route = ctx?.oidc?.route;
  // oidc-provider's route names: registration (POST), client_update (RFC 7592 PUT).
  const registering = route === 'registration' || route === 'client_update';
  if (registering && owner !== undefined)
    throw new errors.InvalidClientMetadata(`${OWNER_PROPERTY} is set by an administrator (mcp-pa client add --owner), not at registration`);
  if (Array.isArray(grantTypes) && grantTypes.includes('client_credentials') && typeof owner !== 'string') {
    throw new errors.InvalidClientMetadata(
      'the client_credentials grant is for service clients an administrator adds with an owner account (mcp-pa client add --owner)',
    );
  }
}

/**
 * The embedded OAuth 2.1 authorization server: oidc-provider with the defaults MCP needs changed
 * (ARCHITECTURE section 2). Authorization code with PKCE (S256) for every client, nothing else at
 * the authorization endpoint; JWT access tokens (RFC 9068) for the one MCP resource; refresh tokens
 * for clients registered with that grant, rotated on every use; storage in the server's database.
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): Provider {
  const { engine, config, logger, issuer, resource } = options;
  const { authentication, features } = config;
  const secure = issuer.startsWith('https:');
  const cookieKey = crypto.createHmac('sha256', options.kek).update('mcp-pa cookie signing').digest('base64url');
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure };
  const safeFetch = createSafeFetch({
    allowPrivateTargets: authentication.allow_private_fetch,
    onBlocked: (host) => {
      logger.warn({ event: 'ssrf.blocked', host }, 'refused to fetch a client-named URL from a non-public address');
      void options.audit?.record({ type: 'ssrf.blocked', details: { host } });
    },
  });

  const clientAuthMethods = enabledClientAuthMethods(config, options.clientCertificates, logger);

  const configuration: Configuration = {
    adapter: OAuthStore.factory(engine, options.kek),
    jwks: options.keys,
    // pa:* are listed here too: registration refuses client `scope` metadata with scopes it does not know.
    scopes: [SCOPES.read, SCOPES.write],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods,
    // Seconds of clock difference allowed on assertions, secret expiry and tokens (default 15).
    clockTolerance: 5,
    enabledJWA: { clientAuthSigningAlgValues: CLIENT_ASSERTION_ALGORITHMS as never },
    assertJwtClientAuthClaimsAndHeader: assertClientAssertion(options.clock),
    routes: ROUTES,
    features: {
      devInteractions: { enabled: false },
      // The resource server does not check DPoP proofs, so DPoP is neither offered nor advertised.
      dPoP: { enabled: false },
      // Pushed authorization requests (RFC 9126) are not part of MCP authorization, and no MCP
      // client sends them: off, so the metadata names no endpoint for them.
      pushedAuthorizationRequests: { enabled: false },
      mTLS: mutualTls(clientAuthMethods),
      // For confidential service clients an administrator added with an owner account.
      clientCredentials: { enabled: true },
      registration: { enabled: features.dynamic_client_registration, initialAccessToken: false },
      registrationManagement: { enabled: features.dynamic_client_registration },
      // A client may revoke and introspect its own tokens only; another's token is answered as if
      // unknown (revocation: 200 without effect; introspection: active false), revealing nothing.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      // A client_id that is an https URL names its own metadata (the 2026-07-28 way to meet a
      // server without registering); fetched through the SSRF-safe fetch, cached per its headers.
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02', cacheDuration: { min: 60, max: 24 * 3600 } },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator, client) => {
          if (!isThisResource(indicator, resource)) throw new errors.InvalidTarget(`this server issues tokens for ${resource} only`);
          // RFC 6749 3.3: a service client that names no scope gets the scopes it was given (its
          // scope is read from these parameters after the resource is resolved).
          const params = ctx.oidc.params as { grant_type?: string; scope?: string } | undefined;
          if (params?.grant_type === 'client_credentials' && !params.scope) params.scope = client.scope ?? EVERY_SCOPE;
          return {
            audience: resource,
            scope: EVERY_SCOPE,
            accessTokenTTL: authentication.token_expiry,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    extraClientMetadata: {
      properties: ['redirect_uris', OWNER_PROPERTY],
      validator: (ctx, key, value, metadata) => {
        if (key === 'redirect_uris') checkRedirectUris(value);
        if (key === OWNER_PROPERTY) checkOwner(ctx, value, metadata.grant_types);
      },
    },
    // Consent is remembered per account and client across sign-ins: a grant that already covers
    // the requested scopes skips the consent page; one that does not asks for what is missing.
    loadExistingGrant: async (ctx) => {
      const { session, client, result } = ctx.oidc;
      const grantId =
        result?.consent?.grantId ??
        session?.grantIdFor(client!.clientId) ??
        (session?.accountId ? await rememberedGrantId(engine, session.accountId, client!.clientId) : undefined);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    // Refresh tokens for clients that registered the grant, without needing offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: authentication.token_expiry,
      AuthorizationCode: 60,
      RefreshToken: REFRESH_TOKEN_TTL_S,
      Grant: REFRESH_TOKEN_TTL_S,
      Interaction: 600,
      Session: 24 * 3600,
      IdToken: 3600,
      ClientCredentials: authentication.token_expiry,
    },
    // Over HTTPS the session and interaction cookies carry the __Host- prefix: Secure, Path=/, no
    // Domain, so neither a sibling subdomain nor plain HTTP can plant or overwrite them. The
    // resume cookie is scoped by oidc-provider to its one authorization path, which __Host- forbids.
    cookies: {
      keys: [cookieKey],
      long: cookie,
      short: { ...cookie, path: '/' },
      names: secure ? { session: '__Host-mcp-pa.session', interaction: '__Host-mcp-pa.interaction', resume: '__Secure-mcp-pa.resume' } : undefined,
    },
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const account = await embeddedAccount(engine, sub);
      return account && !account.disabled ? { accountId: sub, claims: async () => ({ sub }) } : undefined;
    },
    fetch: safeFetch as Configuration['fetch'],
    fetchResponseBodyLimits: { 'client_id metadata document': 5 * 1024, jwks_uri: 64 * 1024 },
    renderError: async (ctx, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  // First: every later step of a request, oidc-provider's included, shares the store's scope of it.
  provider.use(withinRequest);
  provider.use(malformedBasicIsInvalidClient);
  provider.use(secretShownOnce);
  provider.use(reportClientAuthentication);
  provider.use(advertiseUsableScopes);
  provider.use(postOnly([ROUTES.token, ROUTES.registration, ROUTES.revocation, ROUTES.introspection]));
  provider.use(forgetDeletedClients(engine));
  return provider;
}
