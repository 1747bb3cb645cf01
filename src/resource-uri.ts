/**
 * RFC 8707 / MCP: whether a resource indicator or a token's audience names this server's MCP
 * resource. Scheme and host compare case-insensitively (URL does that); the rest exactly. The
 * authorization server (issuing) and the resource server (verifying) compare alike.
 */
export function isThisResource(candidate: unknown, resource: string): boolean {
  if (typeof candidate !== 'string') return false;
  const a = URL.parse(candidate);
  const b = new URL(resource);
  return a !== null && a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname && a.search === b.search && a.hash === '';
}
