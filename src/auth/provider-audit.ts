import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from '../security/audit.js';
import { metrics } from '../metrics.js';

const TOKEN_EVENT: Record<string, string> = { authorization_code: 'token.issued', client_credentials: 'token.issued', refresh_token: 'token.refreshed' };

/** Who and where, as far as the request tells: the account, the client, the address. */
function partiesOf(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const actor = oidc?.entities?.AccessToken?.accountId ?? oidc?.entities?.Grant?.accountId ?? oidc?.session?.accountId;
  return { actor, clientId: oidc?.client?.clientId, address: ctx.ip };
}

/**
 * The authorization server's own events in the audit trail: tokens issued, refreshed and revoked,
 * replays of codes and refresh tokens, refused token requests, and client registrations.
 */
export function auditProviderEvents(provider: Provider, audit: AuditLog): void {
  // Events the typings leave out are still emitted (oidc-provider's error handler and registration actions).
  const on = provider.on.bind(provider) as (event: string, listener: (...args: never[]) => void) => void;
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = String(ctx.oidc.params?.grant_type ?? '');
    void audit.record({ type: TOKEN_EVENT[grantType] ?? 'token.issued', ...partiesOf(ctx), details: { grant_type: grantType } });
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string; error_detail?: string }) => {
    // oidc-provider says what went wrong in error_detail (the description stays generic).
    const reason = err.error_detail ?? err.error_description;
    metrics.tokenRefused('token_endpoint', err.error ?? 'error');
    const replay = /already (used|consumed)/.test(reason ?? '');
    void audit.record({
      type: replay ? 'token.replay' : 'token.refused',
      ...partiesOf(ctx),
      details: { grant_type: String(ctx.oidc?.params?.grant_type ?? ''), error: err.error, reason },
    });
  });
  provider.on(
    'grant.revoked',
    (ctx: KoaContextWithOIDC) => void audit.record({ type: 'token.revoked', ...partiesOf(ctx), details: { route: ctx.oidc?.route } }),
  );
  for (const [event, type] of [
    ['registration_create.success', 'client.registered'],
    ['registration_update.success', 'client.updated'],
    ['registration_delete.success', 'client.deleted'],
  ] as const) {
    on(
      event,
      (ctx: KoaContextWithOIDC, client?: { clientId: string; tokenEndpointAuthMethod?: string }) =>
        void audit.record({
          type,
          address: ctx.ip,
          clientId: client?.clientId ?? ctx.oidc?.client?.clientId,
          details: { method: client?.tokenEndpointAuthMethod },
        }),
    );
  }
  on(
    'authorization.error',
    (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string; error_detail?: string }) =>
      void audit.record({
        type: 'authorization.refused',
        ...partiesOf(ctx),
        clientId: ctx.oidc?.client?.clientId ?? (ctx.oidc?.params?.client_id as string | undefined),
        details: { error: err.error, reason: err.error_detail ?? err.error_description },
      }),
  );
  for (const event of ['revocation.error', 'introspection.error', 'registration_create.error'] as const) {
    on(
      event,
      (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string; error_detail?: string }) =>
        void audit.record({
          type: 'auth.denied',
          ...partiesOf(ctx),
          details: { route: ctx.oidc?.route, error: err.error, reason: err.error_detail ?? err.error_description },
        }),
    );
  }
}
