import type { KoaContextWithOIDC } from 'oidc-provider';
import { SCOPES } from '../scopes.js';
import type { Engine } from '../storage/engine.js';
import { revokeClientRecords } from './oauth-store.js';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/**
 * The metadata lists the scopes a client can use here, pa:read and pa:write. oidc-provider adds
 * `openid` to every list (it is an OpenID provider at heart); this server issues no ID tokens to
 * MCP clients, so it does not offer the scope.
 */
export const advertiseUsableScopes: Middleware = async (ctx, next) => {
  await next();
  const body = ctx.body as Record<string, unknown> | undefined;
  if (ctx.oidc?.route === 'discovery' && body && typeof body === 'object') body.scopes_supported = [SCOPES.read, SCOPES.write];
};

/**
 * An endpoint that takes POST only answers another method with 405 and `Allow` (oidc-provider
 * answers 404, as if the endpoint the metadata names did not exist).
 */
export function postOnly(paths: string[]): Middleware {
  const endpoints = new Set(paths);
  return async (ctx, next) => {
    if (!endpoints.has(ctx.path) || ctx.method === 'POST' || ctx.method === 'OPTIONS') return next();
    ctx.status = 405;
    ctx.set('Allow', 'POST, OPTIONS');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'invalid_request', error_description: `${ctx.path} takes POST requests only` };
  };
}

/**
 * A client that deletes its registration (RFC 7592 DELETE) loses its grants and refresh tokens
 * too, as one an administrator removes does (`mcp-pa client remove`); oidc-provider deletes only
 * the client and its registration token.
 */
export function forgetDeletedClients(engine: Engine): Middleware {
  return async (ctx, next) => {
    await next();
    const clientId = ctx.oidc?.client?.clientId;
    if (ctx.oidc?.route === 'client_delete' && ctx.status === 204 && clientId) await revokeClientRecords(engine, clientId);
  };
}
