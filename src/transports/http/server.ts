import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import { isLoopbackHost } from '../../config/schema.js';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import type { ServerExtension } from '../../mcp/server.js';
import { createHttpApp, type HttpParts } from './app.js';
import type { Readiness } from './health.js';
import { IssuerConnection } from './issuer.js';
import type { ClientCertificates } from '../../auth/client-authentication.js';
import { hostWithPort } from './guards.js';
import { BalancerDrain } from './balancer-drain.js';
import { listenMetrics, type MetricsListener } from './metrics-listener.js';
import { metrics } from '../../metrics.js';

/** TLS 1.2 at least, and only forward-secret AEAD suites (TLS 1.3's are always on). */
const TLS_OPTIONS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const;

const DRAIN_TIMEOUT_MS = 25_000;

/** How the server will listen, decided from the configuration before anything is opened. */
export interface ListenPlan {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  /** Plain HTTP behind a TLS-terminating proxy named in trust_proxy. */
  behindProxy: boolean;
  /** off: loopback development only (the configuration check guarantees it); embedded: this server is its own issuer. */
  auth: 'off' | 'external' | 'embedded';
  /** The external issuer. */
  issuer?: string;
}

function readPem(file: string, what: string, variable: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(`Cannot read the TLS ${what} ${file} (${variable}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
}

/**
 * Refuses, before opening anything, a deployment that would serve plain HTTP to the network or
 * trust tokens from nobody in particular; each refusal says how to fix it.
 */
export function planListen(config: ResolvedConfig): ListenPlan {
  const { server, authentication } = config;
  const loopback = isLoopbackHost(server.host);
  const tls =
    server.tls_cert && server.tls_key
      ? {
          cert: readPem(server.tls_cert, 'certificate', 'MCP_TLS_CERT'),
          key: readPem(server.tls_key, 'private key', 'MCP_TLS_KEY'),
          ...(server.tls_client_ca ? { ca: readPem(server.tls_client_ca, 'client CA certificate', 'MCP_TLS_CLIENT_CA') } : {}),
        }
      : undefined;
  const behindProxy = !tls && (server.trust_proxy?.length ?? 0) > 0;
  if (!tls && server.tls_required && !loopback && !behindProxy) {
    throw new ConfigError(
      `Refusing to serve plain HTTP on ${server.host}:${server.port}: access tokens and personal data would cross the network in clear.\n` +
        'Fix one of these ways:\n' +
        '- give the server a certificate: MCP_TLS_CERT=/path/cert.pem MCP_TLS_KEY=/path/key.pem;\n' +
        '- or terminate TLS at a reverse proxy and name it: MCP_TRUST_PROXY=<its address or CIDR> (requests it does not mark https are then refused);\n' +
        '- or, for development on this machine only, bind a loopback address: MCP_HOST=127.0.0.1.',
    );
  }
  if (!server.public_url && !loopback) {
    throw new ConfigError(
      `Set MCP_PUBLIC_URL (server.public_url) to the https:// origin clients use to reach this server: it names the MCP resource (<public_url>/mcp) that tokens must be meant for.`,
    );
  }
  const auth = !authentication.enabled ? 'off' : authentication.issuer ? 'external' : 'embedded';
  return { host: server.host, port: server.port, tls, behindProxy, auth, issuer: auth === 'external' ? authentication.issuer : undefined };
}

/**
 * A client certificate is asked for (never required: browsers and public clients have none) when
 * a CA for them is configured, or when self-signed certificates may authenticate clients.
 */
function clientCertificates(tls: ListenPlan['tls'], config: Pick<ResolvedConfig, 'authentication'>): ClientCertificates {
  if (!tls) return 'none';
  if (tls.ca) return 'verified';
  return config.authentication.client_auth_methods.includes('self_signed_tls_client_auth') ? 'unverified' : 'none';
}

function clientCertificateRequest(tls: NonNullable<ListenPlan['tls']>, config: Pick<ResolvedConfig, 'authentication'>): https.ServerOptions {
  const asked = clientCertificates(tls, config);
  if (asked === 'none') return {};
  return { requestCert: true, rejectUnauthorized: false, ...(tls.ca ? { ca: tls.ca } : {}) };
}

/**
 * Slow clients (slow-loris): headers must arrive within 20 s and a whole request within 120 s,
 * checked every second (Node checks every 30 s by default, so a stalled connection could hold on
 * for 50 s).
 */
const SLOW_CLIENT_OPTIONS = { headersTimeout: 20_000, requestTimeout: 120_000, connectionsCheckingInterval: 1_000 };

export interface HttpServerHandle {
  /** The public base URL (an origin). */
  url: string;
  /** Stops taking requests, lets those in flight finish (up to a deadline), then closes. */
  close(): Promise<void>;
  /** Publishes list changes to clients listening on this instance. */
  notify: McpHttpHandler['notify'];
  /** Node's server underneath (its deadlines: headersTimeout, requestTimeout), for tests that read or shorten them. */
  listener: http.Server;
  /** Where Prometheus scrapes, when `metrics.port` is set. */
  metricsUrl?: string;
}

/**
 * Listens with the parts the composition root built (its audit trail ready, its authorization
 * server's keys open); resolves once it listens.
 */
export async function listenHttp(parts: HttpParts, plan: ListenPlan, extension?: ServerExtension): Promise<HttpServerHandle> {
  const { config, logger, authorizationServer, audit } = parts;
  let issuer = plan.issuer ? new IssuerConnection(plan.issuer) : undefined;
  const { recall } = parts.mcp;
  const drain = new BalancerDrain();
  const readiness: Readiness = {
    issuer,
    draining: false,
    answered: (ready) => drain.answered(ready),
    embeddings: () => ({ enabled: recall.enabled, warning: recall.warning() }),
  };
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = plan.tls
    ? https.createServer(
        { ...TLS_OPTIONS, ...SLOW_CLIENT_OPTIONS, cert: plan.tls.cert, key: plan.tls.key, ...clientCertificateRequest(plan.tls, config) },
        (req, res) => handler(req, res),
      )
    : http.createServer(SLOW_CLIENT_OPTIONS, (req, res) => handler(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`Port ${plan.port} on ${plan.host} is already in use (MCP_PORT).`) : err),
    );
    server.listen(plan.port, plan.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = plan.tls ? 'https' : 'http';
  const publicUrl = config.server.public_url ?? `${scheme}://${hostWithPort(plan.host, port)}`;
  const publicHost = new URL(publicUrl);
  const allowedHosts = new Set([publicHost.host, hostWithPort(publicHost.hostname, Number(publicHost.port || (publicHost.protocol === 'https:' ? 443 : 80)))]);
  if (isLoopbackHost(plan.host)) for (const name of ['127.0.0.1', 'localhost', '::1']) allowedHosts.add(hostWithPort(name, port));
  if (authorizationServer) {
    authorizationServer.start(publicUrl, plan.behindProxy, clientCertificates(plan.tls, config));
    readiness.issuer = issuer = IssuerConnection.embedded(publicUrl, authorizationServer.verificationKeys);
  }
  const { app, mcp } = createHttpApp({ parts, publicUrl, allowedHosts, issuer, requireProxiedHttps: plan.behindProxy, readiness, extension });
  handler = app;
  const metricsListener = await startMetrics(parts, plan, recall.enabled).catch((err: unknown) => {
    server.close();
    throw err;
  });
  // A refused TLS handshake (an old protocol, a weak cipher, garbage) never reaches the app: audit it here.
  server.on(
    'tlsClientError',
    (err: NodeJS.ErrnoException, socket: { remoteAddress?: string }) =>
      void audit.record({ type: 'tls.refused', address: socket.remoteAddress, details: { reason: err.code ?? err.message } }),
  );
  void issuer?.load().then(() => {
    if (!issuer.ready)
      logger.error(
        { issuer: issuer.issuer, err: issuer.lastError },
        'cannot load the authorization server metadata yet; /readyz reports not ready until it loads',
      );
  });
  if (!plan.tls) {
    logger.warn(
      plan.behindProxy ? { trustProxy: config.server.trust_proxy } : {},
      plan.behindProxy ? 'serving plain HTTP behind a TLS-terminating proxy' : 'serving plain HTTP on a loopback address (development only)',
    );
  }
  if (plan.auth === 'off') logger.warn('authentication is OFF: anyone who can reach this loopback address acts as the local user');
  logger.info({ url: `${publicUrl}/mcp`, listen: `${scheme}://${hostWithPort(plan.host, port)}`, issuer: issuer?.issuer ?? null }, 'serving MCP over HTTP');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      readiness.draining = true;
      // Served on while a load balancer that watches /readyz takes this instance out.
      await drain.takenOut();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections close as soon as they are idle; requests in flight finish first.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        logger.warn('requests still running at the shutdown deadline were cut off');
        server.closeAllConnections();
      }, DRAIN_TIMEOUT_MS);
      await closed;
      clearInterval(sweep);
      clearTimeout(deadline);
      authorizationServer?.stop();
      await metricsListener?.close();
      await mcp.close();
      // Events of the last requests are still being written: nothing of the trail is lost on shutdown,
      // and a last checkpoint of it goes to the log.
      await audit.close();
    })());
  return { url: publicUrl, close, notify: mcp.notify, listener: server, ...(metricsListener ? { metricsUrl: metricsListener.url } : {}) };
}

/** The metrics listener, when configured, reading its levels from this instance's parts. */
async function startMetrics(parts: HttpParts, plan: ListenPlan, embeddings: boolean): Promise<MetricsListener | undefined> {
  const { config, engine, audit, logger } = parts;
  const { port } = config.metrics;
  if (port === undefined) return undefined;
  metrics.collectProcessMetrics();
  metrics.watch({
    ...(engine.poolStats ? { pool: engine.poolStats } : {}),
    auditQueue: () => audit.queued,
    ...(embeddings ? { embeddingBacklog: () => engine.transaction('read', '', (trx) => engine.embeddingBacklog(trx)) } : {}),
  });
  return listenMetrics({ ...config.metrics, port }, plan.tls, logger);
}
