import type { Grant } from 'oidc-provider';
import { SCOPES } from '../scopes.js';

/** The answers the consent page offers. */
export type ConsentChoice = 'allow' | 'read' | 'deny';

export function consentChoiceOf(value: unknown): ConsentChoice {
  return value === 'allow' || value === 'read' ? value : 'deny';
}

/** The read-only choice is offered when the client asks for both scopes (otherwise allow is the same thing, or nothing would be left). */
export const readOnlyOffered = (requested: readonly string[]) => requested.includes(SCOPES.read) && requested.includes(SCOPES.write);

/** The scopes a choice gives of those asked for: all, or all but pa:write. */
export function scopesGiven(requested: readonly string[], choice: Exclude<ConsentChoice, 'deny'>): string[] {
  return choice === 'read' && readOnlyOffered(requested) ? requested.filter((scope) => scope !== SCOPES.write) : [...requested];
}

/** What the consent page answers: the scopes the request asks, where oidc-provider keeps them. */
export interface ConsentRequest {
  /** This server's scopes the client asked for (pa:read, pa:write). */
  scopes: readonly string[];
  /** The resource indicators the grant is kept under. */
  resources: readonly string[];
  /**
   * The scopes oidc-provider counts as OpenID ones and found missing: pa:* too (they are in its
   * `scopes`, so that registration accepts them in client metadata), and `openid` if asked.
   */
  openidScopes: readonly string[];
}

/**
 * Records on the grant what the person chose: every scope asked, or pa:read only. A scope not
 * given is recorded as refused, so oidc-provider neither asks again nor puts it in a token: the
 * next sign-in of that client keeps the read-only choice, until the person allows everything on a
 * later consent page (prompt=consent), which lifts the refusal. `openid` is never given: this
 * server issues no ID tokens to MCP clients.
 */
export function recordConsent(grant: Grant, request: ConsentRequest, choice: Exclude<ConsentChoice, 'deny'>): void {
  const given = scopesGiven(request.scopes, choice);
  const refused = request.scopes.filter((scope) => !given.includes(scope));
  const openidGiven = request.openidScopes.filter((scope) => given.includes(scope));
  const openidRefused = request.openidScopes.filter((scope) => !given.includes(scope));
  if (openidGiven.length) grant.addOIDCScope(openidGiven.join(' '));
  if (openidRefused.length) grant.rejectOIDCScope(openidRefused.join(' '));
  for (const resource of request.resources) {
    if (given.length) grant.addResourceScope(resource, given.join(' '));
    if (refused.length) grant.rejectResourceScope(resource, refused.join(' '));
  }
  liftRefusals(grant, given);
}

/** Scopes refused on an earlier consent page and given now are no longer refused. */
function liftRefusals(grant: Grant, given: readonly string[]): void {
  const refused = grant.rejected;
  if (!refused) return;
  const without = (list: string) =>
    list
      .split(' ')
      .filter((scope) => !given.includes(scope))
      .join(' ');
  if (refused.openid?.scope) refused.openid.scope = without(refused.openid.scope);
  for (const [resource, scopes] of Object.entries(refused.resources ?? {})) refused.resources![resource] = without(scopes);
}
