import type { NextFunction, Request, Response } from 'express';
import { EVERY_SCOPE } from '../../scopes.js';

/**
 * RFC 6749 section 3.3: an authorization request without `scope` is served with a pre-defined
 * default, here every scope of this server (the consent page lists them, and the person decides).
 * oidc-provider would otherwise grant nothing and answer access_denied.
 */
export function defaultScope(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' && req.path === '/oauth/authorize') {
    const url = new URL(req.url, 'http://placeholder');
    if (!url.searchParams.get('scope')?.trim()) {
      url.searchParams.set('scope', EVERY_SCOPE);
      req.url = `${url.pathname}${url.search}`;
    }
  }
  next();
}
