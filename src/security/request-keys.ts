import crypto from 'node:crypto';

/** The endpoints where a client authenticates itself. */
export const CLIENT_AUTHENTICATING_PATHS = ['/oauth/token', '/oauth/revoke', '/oauth/introspect'];

/** Counters are kept under a digest of the address, not the address itself. */
export const addressKey = (address: string | undefined): string | undefined => (address ? crypto.createHash('sha256').update(`address:${address}`).digest('base64url').slice(0, 22) : undefined);

/** An `Authorization: Basic` header's client id and secret (RFC 6749 2.3.1: each URL-encoded), or undefined when it is not a well-formed one. */
export function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = header ? /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header) : null;
  if (!match || match[1]!.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** The client id of a Basic header (the limit then follows the client, wherever it calls from). */
export const basicClientId = (header: string | undefined): string | undefined => parseBasic(header)?.clientId;

/** Counters of one account are kept under a digest of its email. */
export const accountKey = (email: string): string => crypto.createHash('sha256').update(`account:${email.trim().toLowerCase()}`).digest('base64url').slice(0, 22);
