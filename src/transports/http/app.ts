import express, { type NextFunction, type Request, type Response } from 'express';
import cors from 'cors';
import { createMcpHandler, type AuthInfo, type McpHttpHandler } from '@modelcontextprotocol/server';
import { bodyBudgetOf } from '../../config/schema.js';
import { accountFor, embeddedAccount } from '../../auth/accounts.js';
import { clientName } from '../../auth/client-names.js';
import { secondAccountRefusal } from '../../auth/account-limit.js';
import { whenClientAuthenticates } from '../../auth/client-authentication.js';
import type { EmbeddedAuthorizationServer } from '../../auth/embedded-server.js';
import type { Clock } from '../../clock.js';
import type { ResolvedConfig } from '../../config/load.js';
import { TokenRejected } from '../../errors.js';
import type { Logger } from '../../logging.js';
import type { McpDeps } from '../../mcp/errors.js';
import { maxMessageBytes } from '../../config/message-size.js';
import { createRequestServer, type ServerExtension } from '../../mcp/server.js';
import { LOCAL_TENANT } from '../../runtime.js';
import type { Engine } from '../../storage/engine.js';
import { bearerAuth, tenantOf } from './bearer.js';
import { defaultScope } from './default-scope.js';
import { interactionRoutes } from './interactions.js';
import { admitBody, BodyBudget } from './body-budget.js';
import { createMemoryReducer } from '../memory-reducer.js';
import { hostGuard, httpsRequired, originGuard, refuse, refuseUntilDatabaseBack, securityHeaders } from './guards.js';
import { healthRoutes, type Readiness } from './health.js';
import { feedRoutes } from './feeds.js';
import type { Secrets } from '../../domain/secrets.js';
import { jsonRpcBody, jsonRpcBodyErrors } from './json-body.js';
import type { IssuerConnection } from './issuer.js';
import { metadataRoutes, resourceMetadataUrl } from './metadata.js';
import { parsedBodyOf, serveWebHandler } from './web-handler.js';
import { createTokenVerifier, type VerifiedToken } from './token-verifier.js';
import { addressKey, basicClientId, CLIENT_AUTHENTICATING_PATHS } from '../../security/request-keys.js';
import { limitPolicies, type RateLimits } from '../../security/rate-limits.js';
import type { AuditLog } from '../../security/audit.js';
import { blockedByRefusals, countedIfProven, limited } from './rate-limit-middleware.js';
import { requestMetrics } from './request-metrics.js';
import { contextFrom, withContext } from '../../tracing.js';
import { databaseUnreachable } from '../../storage/unreachable.js';

/** The parts the HTTP edge is built from, each built once by the composition root (src/compose/http.ts). */
export interface HttpParts {
  config: ResolvedConfig;
  logger: Logger;
  clock: Clock;
  /** Accounts, the sign-in pages' records, and the readiness check. */
  engine: Engine;
  /** What each request's MCP server acts through. */
  mcp: McpDeps;
  audit: AuditLog;
  limits: RateLimits;
  /** The embedded authorization server, when this server is its own issuer. */
  authorizationServer?: EmbeddedAuthorizationServer;
  /** Secrets sealed under the key-encryption key: calendar feeds are found by them. */
  secrets: Secrets;
}

export interface HttpAppOptions {
  parts: HttpParts;
  /** The public base URL (an origin); the MCP endpoint is `<publicUrl>/mcp`. */
  publicUrl: string;
  /** Host header values served: the public host, plus loopback names on a loopback bind. */
  allowedHosts: ReadonlySet<string>;
  /** Absent when authentication is off (loopback development only). */
  issuer?: IssuerConnection;
  /** Plain HTTP behind a TLS-terminating proxy: refuse what the proxy did not mark https. */
  requireProxiedHttps: boolean;
  readiness: Readiness;
  extension?: ServerExtension;
}

/** The paths oidc-provider answers itself (the login and consent pages are ours). */
const isAuthorizationServerPath = (path: string) =>
  (path.startsWith('/oauth/') && !path.startsWith('/oauth/interaction/') && !path.startsWith('/oauth/assets/')) ||
  path === '/.well-known/oauth-authorization-server' ||
  path === '/.well-known/openid-configuration';

/**
 * The account a token of the embedded authorization server speaks for: one `mcp-pa user add`
 * made, never a new one. A service client's own token (client_credentials: its subject is the
 * client) acts for the owner an administrator gave that client. The client is looked up on every
 * request, so a removed client's tokens, a person's or its own, stop at once.
 */
async function existingEmbeddedAccount(engine: Engine, server: EmbeddedAuthorizationServer, token: VerifiedToken) {
  const serviceToken = token.subject === token.clientId;
  // Both looked up at once; a service client's own token needs its client's owner first.
  const [client, person] = await Promise.all([server.clientOfToken(token.clientId), serviceToken ? undefined : embeddedAccount(engine, token.subject)]);
  if (!client) throw new TokenRejected('the client this token was issued to has been removed');
  const account = !serviceToken ? person : client.owner === undefined ? undefined : await embeddedAccount(engine, client.owner);
  if (!account) throw new TokenRejected('the token speaks for an account that does not exist (any more)');
  if (account.tokensValidAfter !== undefined && (token.issuedAt ?? 0) < account.tokensValidAfter)
    throw new TokenRejected("the token was issued before the account's password changed");
  return account;
}

/** Bodies of this size or more leave garbage worth collecting as soon as their request is done. */
const LARGE_BODY = 1024 * 1024;

/** Headers a browser-based MCP client sends and must read back. */
const MCP_CORS = {
  allowedHeaders: ['authorization', 'content-type', 'accept', 'mcp-protocol-version', 'mcp-session-id', 'mcp-method', 'mcp-name', 'last-event-id'],
  exposedHeaders: ['www-authenticate', 'mcp-session-id', 'mcp-protocol-version'],
  methods: ['POST', 'GET', 'DELETE'],
};

/**
 * The HTTP application: security headers, health, Protected Resource Metadata, and the MCP
 * endpoint behind Host, Origin and bearer-token checks. Nothing a request needs is kept between
 * requests: a fresh MCP server is built for each one, so any instance can serve any request.
 */
/**
 * How the history names an OAuth client: its registered name and its id ("Claude (abc123)"), or
 * its id alone (an external issuer's client, or one without a name). Names are looked up once.
 */
function clientActor(engine: Engine): (clientId: string | undefined) => Promise<string> {
  const names = new Map<string, Promise<string>>();
  return (clientId) => {
    if (!clientId) return Promise.resolve('unknown client');
    let label = names.get(clientId);
    if (!label) {
      if (names.size > 1000) names.clear();
      label = clientName(engine, clientId).then(
        (name) => (name ? `${name} (${clientId})` : clientId),
        () => clientId,
      );
      names.set(clientId, label);
    }
    return label;
  };
}

export function createHttpApp(options: HttpAppOptions): { app: express.Express; mcp: McpHttpHandler } {
  const { parts, publicUrl, issuer } = options;
  const { config, logger, engine, audit, limits, authorizationServer } = parts;
  const resource = `${publicUrl}/mcp`;
  const allowedOrigins = new Set([new URL(publicUrl).origin, ...(config.server.allowed_origins ?? [])]);
  const maxBytes = maxMessageBytes(config.documents.max_file_size_mb);
  const actorOf = clientActor(engine);

  const policy = limitPolicies(config);
  const byAddress = (req: Request) => addressKey(req.ip);

  // After each response, garbage is collected once the heap has grown by 24 MB since the last
  // collection: left to V8, which sizes its heap to the machine, an instance under steady load
  // kept growing its resident memory for many minutes (the fault tests' soak), and after a big
  // body its copies piled up before the next upload.
  const reduceMemory = createMemoryReducer();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.server.trust_proxy ?? false);
  app.use(requestMetrics());
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.once('finish', reduceMemory);
    next();
  });
  app.use(securityHeaders());
  app.use(healthRoutes(engine, options.readiness));
  if (options.requireProxiedHttps) app.use(httpsRequired());
  app.use(hostGuard(options.allowedHosts));
  app.use(metadataRoutes({ resource, publicUrl, issuer: issuer?.issuer }));
  app.use(feedRoutes({ engine, run: parts.mcp.run, secrets: parts.secrets, logger, limits, policy: policy.feedsPerAddress }));
  if (authorizationServer) {
    app.use('/oauth/interaction', limited(limits, policy.pagesPerAddress, byAddress));
    app.use(
      '/oauth',
      interactionRoutes({
        authorizationServer,
        engine,
        kek: authorizationServer.kek,
        origin: new URL(publicUrl).origin,
        resource,
        limits,
        policy,
        audit,
        clock: parts.clock,
      }),
    );
    // Clients register from anywhere, browsers included (oidc-provider sends no CORS headers there).
    app.use('/oauth/register', cors());
    app.post('/oauth/register', limited(limits, policy.registerPerAddress, byAddress));
    // Every request counts against its address; only requests that authenticated as the client
    // count against the client's own allowance, so naming a client with a wrong secret (its id is
    // no secret) spends the sender's allowance, never the client's.
    app.post(
      CLIENT_AUTHENTICATING_PATHS,
      limited(limits, policy.tokenPerAddress, byAddress),
      countedIfProven(limits, policy.tokenPerClient, (req) => basicClientId(req.headers.authorization), whenClientAuthenticates),
    );
    app.use(defaultScope);
    app.use((req: Request, res: Response, next: NextFunction) => (isAuthorizationServerPath(req.path) ? void authorizationServer.callback(req, res) : next()));
  }

  const mcp = createMcpHandler(
    // Built for what the request asks: a tool call gets its one tool (src/mcp/server.ts).
    (ctx) =>
      createRequestServer(parts.mcp, tenantOf(ctx.authInfo) ?? LOCAL_TENANT, parsedBodyOf(ctx.requestInfo), options.extension, () =>
        actorOf(ctx.authInfo?.clientId),
      ),
    {
      maxRequestBodySize: maxBytes,
      onerror: (err) => logger.debug({ err: err.message }, 'MCP request refused or failed'),
    },
  );
  // A client that hangs up mid-request is not a server failure.
  const serveMcp = serveWebHandler(mcp, (err) =>
    (err.message === 'aborted' ? logger.debug : logger.warn).call(logger, { err: err.message }, 'MCP request failed'),
  );
  const gate = issuer
    ? bearerAuth({
        verifier: createTokenVerifier({
          issuer,
          resource,
          introspection: config.authentication.introspection_client_id
            ? { clientId: config.authentication.introspection_client_id, clientSecret: config.authentication.introspection_client_secret! }
            : undefined,
        }),
        // Tokens of the embedded server speak for its own accounts (made by `mcp-pa user add`), never a new one.
        accountFor: authorizationServer
          ? (token) => existingEmbeddedAccount(engine, authorizationServer, token)
          : async (token) => {
              const refused = await secondAccountRefusal(engine, config.features.multi_tenant, token);
              if (refused) throw new TokenRejected(refused);
              return accountFor(engine, token.issuer, token.subject);
            },
        resource,
        resourceMetadataUrl: resourceMetadataUrl(resource),
        logger,
        audit,
        onRefused: (req) => limits.countRefusal(policy.mcpRefusalsPerAddress, byAddress(req), req.ip),
      })
    : (_req: Request, _res: Response, next: NextFunction) => next();
  const allowCors = cors({ ...MCP_CORS, origin: (origin, done) => done(null, origin !== undefined && allowedOrigins.has(origin.toLowerCase())) });
  const byTenant = (req: Request) => tenantOf((req as Request & { auth?: AuthInfo }).auth);
  const budget = new BodyBudget(bodyBudgetOf(config));
  const admit = admitBody({
    budget,
    tenantOf: (req) => byTenant(req) ?? LOCAL_TENANT,
    maxBytes,
    audit,
    onReleased: (bytes) => bytes >= LARGE_BODY && reduceMemory(),
  });
  app.all(
    '/mcp',
    originGuard(allowedOrigins),
    allowCors,
    // Only refusals are counted per address (a database write each); a blocked address is refused
    // here from memory, so a request with a good token costs one count, its tenant's.
    blockedByRefusals(limits, policy.mcpRefusalsPerAddress, byAddress),
    gate,
    limited(limits, policy.mcpPerTenant, byTenant),
    admit,
    jsonRpcBody(maxBytes),
    // The caller's trace (W3C traceparent), for the spans the request makes.
    (req: Request, res: Response) => withContext(contextFrom(req.headers), () => void serveMcp(req, res, req.body)),
  );
  app.use('/mcp', jsonRpcBodyErrors(maxBytes, audit));

  app.use((_req: Request, res: Response) => refuse(res, 404, 'Not found'));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    // The database restarting or out of reach (the token's account, a rate-limit count).
    if (databaseUnreachable(err)) {
      logger.warn({ code: (err as { code?: unknown }).code, message: err.message }, 'the database is unreachable');
      if (!res.headersSent) refuseUntilDatabaseBack(res);
      return;
    }
    logger.error({ err }, 'unexpected error in the HTTP layer');
    if (!res.headersSent) refuse(res, 500, 'Internal error');
  });
  return { app, mcp };
}
