import dns from 'node:dns';
import net from 'node:net';
import type { Agent, fetch as undiciFetch } from 'undici';
import { BlockedTargetError } from '../errors.js';

/**
 * Address ranges an outbound fetch on a client's behalf must never reach (SSRF): this host,
 * private networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unique
 * local IPv6, multicast, documentation and reserved ranges, and IPv6 forms that embed an IPv4
 * address (mapped, NAT64, 6to4, Teredo).
 */
const SPECIAL_USE: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['::ffff:0:0', 96, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

// One list per family: a BlockList also matches IPv4 addresses against IPv4-mapped IPv6 rules,
// so ::ffff:0:0/96 in a shared list would block every IPv4 address.
const specialUse = { ipv4: new net.BlockList(), ipv6: new net.BlockList() };
for (const [prefix, length, family] of SPECIAL_USE) specialUse[family].addSubnet(prefix, length, family);

/** Whether an IP address is one the public internet routes to (IPv4-mapped IPv6 addresses never are: a client has no need of them). */
export function isPublicAddress(address: string): boolean {
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return false;
  return !specialUse[family].check(address, family);
}

export interface SafeFetchOptions {
  /** Development only: also reach loopback and private addresses (a client served on this machine). */
  allowPrivateTargets: boolean;
  /** Hosts (lower-case names or addresses) reached even where they are loopback or private: the operator's allow-list. */
  allowedHosts?: ReadonlySet<string>;
  /** Called with the host of every refused fetch (for the log). */
  onBlocked?: (host: string) => void;
  timeoutMs?: number;
}

type Lookup = NonNullable<net.TcpSocketConnectOpts['lookup']>;

/**
 * The address check sits in the DNS lookup the connection itself uses, so a name that resolves to
 * a public address when checked and a private one when connected (DNS rebinding) cannot slip by.
 */
function guardedLookup(options: SafeFetchOptions): Lookup {
  return (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const allowed = options.allowPrivateTargets || options.allowedHosts?.has(hostname.toLowerCase()) === true;
      if (!allowed && (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address)))) {
        options.onBlocked?.(hostname);
        return callback(new BlockedTargetError(hostname), '', 0);
      }
      // Node asks for every address when it races IPv4 against IPv6 (autoSelectFamily).
      if (lookupOptions.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * The fetch the embedded authorization server uses for URLs a client names (Client ID Metadata
 * Documents, jwks_uri): public addresses only, no redirects followed, a deadline on every phase.
 * The response size is capped by the caller, which reads the body (oidc-provider's
 * fetchResponseBodyLimits).
 */
export function createSafeFetch(options: SafeFetchOptions) {
  const timeout = options.timeoutMs ?? 2500;
  // undici loads with the first outbound request: most servers never make one (docs/performance.md, memory).
  let undici: Promise<{ fetch: typeof undiciFetch; dispatcher: Agent }> | undefined;
  const client = () =>
    (undici ??= import('undici').then(({ Agent, fetch }) => ({
      fetch,
      dispatcher: new Agent({ connect: { lookup: guardedLookup(options), timeout }, headersTimeout: timeout, bodyTimeout: timeout, maxRedirections: 0 }),
    })));
  return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through a lookup: check it here.
    if (net.isIP(host) && !options.allowPrivateTargets && !options.allowedHosts?.has(host.toLowerCase()) && !isPublicAddress(host)) {
      options.onBlocked?.(host);
      throw new BlockedTargetError(host);
    }
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeout)]) : AbortSignal.timeout(timeout);
    const { fetch, dispatcher } = await client();
    const response = await fetch(url, {
      method: init.method,
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
      signal,
      redirect: 'manual',
      dispatcher,
    });
    return response as unknown as Response;
  };
}
