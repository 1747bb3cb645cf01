import type { TLSSocket } from 'node:tls';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Account } from '../../auth/accounts.js';
import type { Logger } from '../../logging.js';
import type { AuditLog } from '../../security/audit.js';
import { EVERY_SCOPE, SCOPES } from '../../scopes.js';
import { TokenRejected, TokenUnverifiable } from '../../errors.js';
import type { TokenVerifier, VerifiedToken } from './token-verifier.js';
import { metrics } from '../../metrics.js';

export interface BearerOptions {
  verifier: TokenVerifier;
  /** The account (and tenant) a verified token speaks for. */
  accountFor(token: VerifiedToken): Promise<Account>;
  resource: string;
  resourceMetadataUrl: string;
  logger: Logger;
  audit: AuditLog;
  /** Called for every refused request before it is answered (to count refusals per address). */
  onRefused?(req: Request): Promise<void>;
}

/** The tenant a request acts for, as the bearer gate resolved it. */
export const tenantOf = (auth: AuthInfo | undefined): string | undefined => auth?.extra?.tenantId as string | undefined;

/** A quoted-string for an auth-param (RFC 9110 5.6.4). */
const quoted = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** write implies read: a pa:write token may do whatever a pa:read one may. */
function effectiveScopes(granted: string[]): string[] {
  return granted.includes(SCOPES.write) && !granted.includes(SCOPES.read) ? [...granted, SCOPES.read] : granted;
}

function peerCertificateOf(req: Request): () => Buffer | undefined {
  return () => {
    const socket = req.socket as Partial<TLSSocket>;
    const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    return cert && cert.raw ? cert.raw : undefined;
  };
}

/**
 * The bearer-token gate of the MCP endpoint (RFC 6750 and MCP authorization): the token only from
 * the Authorization header; 401 with the protected resource metadata's address when it is missing
 * (no error code then) or invalid; 403 insufficient_scope when it carries neither of our scopes.
 * A valid token's issuer + subject name the account whose tenant the request acts for.
 */
export function bearerAuth(options: BearerOptions): RequestHandler {
  const challenge = (res: Response, status: number, error?: { code: string; description: string; scope?: string }) => {
    const params = [`resource_metadata=${quoted(options.resourceMetadataUrl)}`, `scope=${quoted(error?.scope ?? EVERY_SCOPE)}`];
    if (error) params.unshift(`error=${quoted(error.code)}`, `error_description=${quoted(error.description)}`);
    res.status(status).set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
    res.json(
      error
        ? { error: error.code, error_description: error.description }
        : { error: 'unauthorized', error_description: 'this endpoint needs an OAuth access token' },
    );
  };
  const deny = async (req: Request, reason: string, status: number) => {
    void options.audit.record({ type: 'auth.denied', address: req.ip, details: { status, reason, method: req.method, path: req.path } });
    metrics.tokenRefused('resource', reason);
    await options.onRefused?.(req);
  };

  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const elsewhere = 'access_token' in req.query || (!header && /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? ''));
    if (elsewhere) {
      await deny(req, 'token outside the Authorization header', 400);
      return challenge(res, 400, { code: 'invalid_request', description: 'send the access token in the Authorization header, never in the URL or the body' });
    }
    const match = header ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
    if (!header || !/^Bearer\b/i.test(header)) {
      await deny(req, 'no bearer token', 401);
      return challenge(res, 401);
    }
    if (!match) {
      await deny(req, 'malformed Authorization header', 400);
      return challenge(res, 400, { code: 'invalid_request', description: 'the Authorization header must be "Bearer <token>"' });
    }
    try {
      const token = await options.verifier.verify(match[1]!, peerCertificateOf(req));
      const scopes = effectiveScopes(token.scopes);
      if (!scopes.includes(SCOPES.read)) {
        await deny(req, 'token without pa:read or pa:write', 403);
        return challenge(res, 403, { code: 'insufficient_scope', description: 'the token grants neither pa:read nor pa:write', scope: SCOPES.read });
      }
      const account = await options.accountFor(token);
      if (account.disabled) {
        await deny(req, 'account disabled', 401);
        return challenge(res, 401, { code: 'invalid_token', description: 'the account this token speaks for is disabled' });
      }
      const auth: AuthInfo = {
        token: match[1]!,
        clientId: token.clientId,
        scopes,
        expiresAt: token.expiresAt,
        resource: new URL(options.resource),
        resourceMetadataUrl: options.resourceMetadataUrl,
        extra: { tenantId: account.tenantId, issuer: token.issuer, subject: token.subject },
      };
      (req as Request & { auth?: AuthInfo }).auth = auth;
      next();
    } catch (err) {
      if (err instanceof TokenRejected) {
        await deny(req, err.message, 401);
        return challenge(res, 401, { code: 'invalid_token', description: err.message });
      }
      if (err instanceof TokenUnverifiable) {
        options.logger.error({ err: err.message }, 'cannot verify access tokens');
        return void res
          .status(503)
          .set('Retry-After', '5')
          .json({ error: 'temporarily_unavailable', error_description: 'access tokens cannot be verified right now' });
      }
      next(err);
    }
  };
}
