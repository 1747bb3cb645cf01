import crypto from 'node:crypto';
import net from 'node:net';

/** The endpoints where a client authenticates itself. */
export const CLIENT_AUTHENTICATING_PATHS = ['/oauth/token', '/oauth/revoke', '/oauth/introspect'];

/** Counters are kept under a digest of the address, not the address itself. */
export const addressKey = (address: string | undefined): string | undefined =>
  address ? crypto.createHash('sha256').update(`address:${address}`).digest('base64url').slice(0, 22) : undefined;

/**
 * The network an address stands for: an IPv4 address itself, and the /64 prefix of an IPv6 one
 * (a single host is usually given a whole /64, so its addresses are one sender). IPv4-mapped IPv6
 * addresses are their IPv4 address.
 */
export function networkOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/** Sign-in counters are kept under a digest of the address's network (see networkOf), not the address itself. */
export const networkKey = (address: string | undefined): string => addressKey(address ? networkOf(address) : 'unknown')!;

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
export const accountKey = (email: string): string =>
  crypto.createHash('sha256').update(`account:${email.trim().toLowerCase()}`).digest('base64url').slice(0, 22);
