import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../logging.js';
import { registry } from '../../metrics.js';
import { hostWithPort } from './guards.js';

export interface MetricsListener {
  /** Where Prometheus scrapes: `<scheme>://<host>:<port>/metrics`. */
  url: string;
  close(): Promise<void>;
}

const digest = (text: string) => crypto.createHash('sha256').update(text).digest();

/**
 * Prometheus metrics on a listener of their own (`metrics.port`), so the public port never shows
 * them: `GET /metrics` only, with the bearer token when one is set (compared in constant time),
 * over HTTPS with the server's own certificate when it has one.
 */
export async function listenMetrics(
  settings: ResolvedConfig['metrics'] & { port: number },
  tls: { cert: Buffer; key: Buffer } | undefined,
  logger: Logger,
): Promise<MetricsListener> {
  const expected = settings.token === undefined ? undefined : digest(`Bearer ${settings.token}`);
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    if (expected && !crypto.timingSafeEqual(digest(req.headers.authorization ?? ''), expected))
      return void res.writeHead(401, { 'www-authenticate': 'Bearer realm="mcp-pa metrics"', 'content-type': 'text/plain' }).end('Unauthorized\n');
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body);
    } catch (err) {
      logger.error({ err }, 'collecting metrics failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n');
    }
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void answer(req, res);
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`Port ${settings.port} on ${settings.host} is already in use (MCP_PA_METRICS_PORT).`) : err),
    );
    server.listen(settings.port, settings.host, () => resolve());
  });
  const url = `${tls ? 'https' : 'http'}://${hostWithPort(settings.host, (server.address() as AddressInfo).port)}/metrics`;
  logger.info({ url, bearerRequired: expected !== undefined }, 'serving Prometheus metrics');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
