import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload, type JWTHeaderParameters } from 'jose';
import type { OAuthClientInformationMixed, OAuthClientProvider, OAuthDiscoveryState, OAuthTokens } from '@modelcontextprotocol/client';

export interface ExternalIssuer {
  issuer: string;
  /** The private signing key, so a test can forge tokens the issuer would have signed. */
  key: JWK & { kid: string; alg: string };
  introspection: { client_id: string; client_secret: string };
  /**
   * Changes what later requests get (e.g. grantScopes ['pa:read'], accountId 'bob'), or the resource
   * it issues tokens for: told once that resource server listens, so both can start on port 0.
   */
  settings(patch: { grantScopes?: string[] | null; accountId?: string; deny?: boolean; resource?: string }): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGTERM');
});

/**
 * oidc-provider as a stand-in corporate identity provider, in its own process (test/fixtures/external-issuer.ts).
 * It issues tokens for no resource until told one with `settings({ resource })`.
 */
export async function startExternalIssuer(options: { accessTokenFormat?: 'jwt' | 'opaque' } = {}): Promise<ExternalIssuer> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const key = { ...(await exportJWK(privateKey)), kid: 'corp-2026', alg: 'ES256', use: 'sig' };
  const introspection = { client_id: 'mcp-pa-resource-server', client_secret: 'resource-server-secret-for-tests' };
  const config = { jwks: { keys: [key] }, introspectionClient: introspection, accessTokenFormat: options.accessTokenFormat ?? 'jwt' };
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/fixtures/external-issuer.ts'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const ready = await new Promise<{ issuer: string }>((resolve, reject) => {
    child.stdout!.once('data', (c: Buffer) => resolve(JSON.parse(c.toString().split('\n')[0]!) as { issuer: string }));
    child.once('exit', (code) => reject(new Error(`the external issuer exited with ${code}: ${stderr}`)));
  });
  return {
    issuer: ready.issuer,
    key,
    introspection,
    settings: async (patch) => {
      const res = await fetch(`${ready.issuer}/__fixture/settings`, { method: 'POST', body: JSON.stringify(patch) });
      if (!res.ok) throw new Error(`the external issuer refused the settings ${JSON.stringify(patch)}: ${res.status} ${await res.text()}`);
    },
    stop: async () => {
      running.delete(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Signs an access token with the given key: the issuer's own (to forge bad claims) or another. */
export function forgeToken(key: JWK & { kid: string; alg: string }, claims: JWTPayload, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).sign(key as never);
}

/** An unsigned token (`alg: none`), which must never be accepted. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt' })}.${part(claims)}.`;
}

/** An MCP client's OAuth state, in memory; the authorization URL is kept for the test to "open". */
export class MemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  private client?: OAuthClientInformationMixed;
  private savedTokens?: OAuthTokens;
  private verifier?: string;
  private discovery?: OAuthDiscoveryState;
  readonly redirect = 'http://127.0.0.1:9/callback';

  /** With a clientMetadataUrl the client offers that URL as its client_id (a Client ID Metadata Document) instead of registering. */
  constructor(readonly clientMetadataUrl?: string) {}

  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata() {
    return { client_name: 'mcp-pa test client', redirect_uris: [this.redirect], token_endpoint_auth_method: 'none' };
  }
  state() {
    return 'state-for-tests';
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier!;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/**
 * Plays the user's browser: follows the authorization server's redirects (keeping its cookies)
 * until one goes to the client's redirect URI, and returns that URL (with code, state and iss).
 */
export async function authorizeInBrowser(authorizationUrl: URL, redirectUri: string): Promise<URL> {
  const request = browserSession();
  let url = authorizationUrl.toString();
  for (let hop = 0; hop < 20; hop++) {
    const res = await request(url);
    const location = res.headers.get('location');
    if (!location) throw new Error(`the authorization server answered ${res.status} without a redirect: ${await res.text()}`);
    const next = new URL(location, url);
    if (next.toString().startsWith(redirectUri)) return next;
    url = next.toString();
  }
  throw new Error('too many redirects');
}

/** fetch as one browser: keeps the cookies the server sets and sends them back; follows no redirect. */
export function browserSession(fetchFn: typeof fetch = fetch): (url: string, init?: RequestInit) => Promise<Response> {
  const cookies = new Map<string, string>();
  return async (url, init = {}) => {
    const res = await fetchFn(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  };
}

/** The hidden CSRF field and the action of the page's form. */
export function formOf(html: string): { action: string; csrf: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  return { action: action.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))), csrf };
}

/**
 * Plays a person at the embedded authorization server's pages, as a browser would: follows the
 * redirects with its cookies, fills in the login form, allows (all, or reading only) or denies on the consent page, and
 * returns the redirect to the client (with code or error, state and iss).
 */
export async function signInAndConsent(
  authorizationUrl: URL,
  redirectUri: string,
  person: { email: string; password: string; decision?: 'allow' | 'read' | 'deny' },
  pages: string[] = [],
  fetchFn: typeof fetch = fetch,
): Promise<URL> {
  const request = browserSession(fetchFn);
  let url = authorizationUrl.toString();
  for (let hop = 0; hop < 20; hop++) {
    const res = await request(url);
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.toString().startsWith(redirectUri)) return next;
      url = next.toString();
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${html.slice(0, 300)}`);
    pages.push(html);
    const { action, csrf } = formOf(html);
    const fields: Record<string, string> = html.includes('name="password"')
      ? { csrf, email: person.email, password: person.password }
      : { csrf, decision: person.decision ?? 'allow' };
    const origin = new URL(url).origin;
    const posted = await request(new URL(action, url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams(fields).toString(),
    });
    if (posted.status !== 303) throw new Error(`posting ${action} answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
    url = new URL(posted.headers.get('location')!, url).toString();
    if (url.startsWith(redirectUri)) return new URL(url);
  }
  throw new Error('too many redirects');
}
