import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** An edge refusal in the JSON-RPC error shape MCP clients already parse; never a stack trace. */
export function refuse(res: Response, status: number, message: string, code = -32000) {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** The database restarting or out of reach: come back soon (what /readyz tells the load balancer too). */
export function refuseUntilDatabaseBack(res: Response) {
  refuse(res.set('Retry-After', '5'), 503, 'The database is unreachable at the moment; try again shortly.');
}

/**
 * Headers for an API that renders nothing: no sniffing, no framing, no referrer, a CSP that allows
 * nothing, and HSTS on every HTTPS response (a year, subdomains included).
 */
export function securityHeaders(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      xFrameOptions: { action: 'deny' },
    }),
    (req: Request, res: Response, next: NextFunction) => {
      if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      next();
    },
  ];
}

/**
 * DNS rebinding: a browser tricked into calling this server under another name sends that name in
 * Host. Only the public host (and, on a loopback bind, the loopback names) are served.
 */
export function hostGuard(allowedHosts: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(host)) return refuse(res, 403, `Invalid Host header: this server answers as ${[...allowedHosts][0]}`);
    next();
  };
}

/** A browser page from another site may not drive the MCP endpoint: its Origin must be one allowed. */
export function originGuard(allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return refuse(res, 403, 'Origin not allowed');
    next();
  };
}

/** Behind a TLS-terminating proxy: a request the proxy did not mark https is refused, not served in clear. */
export function httpsRequired(): RequestHandler {
  return (req, res, next) => {
    if (!req.secure) return refuse(res, 403, 'HTTPS required: this server is only served over HTTPS through its proxy');
    next();
  };
}

/** host:port as a URL writes it (an IPv6 address in brackets). */
export function hostWithPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
