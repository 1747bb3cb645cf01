import { errors } from 'oidc-provider';

/** The hosts MCP lets a redirect reach over plain http (on any port): the client's own machine. */
const LOOPBACK_REDIRECT_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const REDIRECT_URI_RULE = 'a redirect URI must be https, or http to localhost, 127.0.0.1 or [::1] (any port)';

/**
 * oidc-provider answers an InvalidRedirectUri with its own fixed description ("did not match any
 * of the client's registered redirect_uris") whatever we pass it; an InvalidClientMetadata whose
 * description starts with "redirect_uris" keeps ours and is still sent as invalid_redirect_uri.
 */
const refused = (uri: string, reason: string) => new errors.InvalidClientMetadata(`redirect_uris: ${JSON.stringify(uri)} ${reason}`);

/** The reason a redirect URI may not be registered, or undefined when it may. */
function problemWith(uri: string): string | undefined {
  const url = URL.parse(uri);
  if (!url) return `is not an absolute URI; ${REDIRECT_URI_RULE}`;
  if (uri.includes('#')) return 'must not contain a fragment';
  if (uri.includes('*')) return 'must not contain a wildcard: register every redirect URI exactly';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return LOOPBACK_REDIRECT_HOSTS.has(url.hostname) ? undefined : `uses http to a host that is not this machine; ${REDIRECT_URI_RULE}`;
  return `uses the ${url.protocol.slice(0, -1)} scheme; ${REDIRECT_URI_RULE} (MCP authorization: no private-use or other schemes)`;
}

/**
 * The MCP authorization rule for redirect URIs, stricter than oidc-provider's (which lets a web
 * client redirect over http to any host and a native one to any private-use scheme): each is
 * https, or http to the client's own machine. Throws the reason, naming the URI, for the client.
 */
export function checkRedirectUris(uris: unknown): void {
  if (uris === undefined) return;
  if (!Array.isArray(uris)) throw new errors.InvalidClientMetadata('redirect_uris must be an array of URIs');
  for (const uri of uris) {
    if (typeof uri !== 'string') throw new errors.InvalidClientMetadata('redirect_uris must only contain strings');
    const problem = problemWith(uri);
    if (problem) throw refused(uri, problem);
  }
}
