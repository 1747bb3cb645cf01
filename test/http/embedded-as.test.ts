import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { engineEnv } from '../helpers/engines.js';
import { ManualClock } from '../../src/clock.js';
import { ADA, homeWithAda, serverWithAda } from '../helpers/embedded-as.js';
import { startHttpInProcess } from '../helpers/http-in-process.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';
import { runCli, tempHome, type Era } from '../helpers/server.js';
import { seedHttpHome } from '../helpers/pglite-template.js';

describe('the embedded authorization server', () => {
  let server: HttpTestServer;
  before(async () => {
    server = await serverWithAda();
  });
  after(() => server.close());

  it('publishes Authorization Server Metadata (RFC 8414) with the issuer its tokens carry', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const metadata = (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
      assert.equal(metadata.issuer, server.url, path);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(metadata.response_types_supported, ['code']);
      assert.equal(metadata.authorization_response_iss_parameter_supported, true);
      assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials'], 'the grants actually enabled');
      // The default methods, less tls_client_auth: this server has no client CA (plain HTTP on loopback).
      assert.deepEqual(
        metadata.token_endpoint_auth_methods_supported,
        ['none', 'private_key_jwt', 'client_secret_basic'],
        'and the client authentication methods it can check',
      );
      assert.equal(metadata.client_id_metadata_document_supported, true);
      assert.equal(metadata.dpop_signing_alg_values_supported, undefined, 'DPoP is not advertised: it is not enforced');
      assert.equal(metadata.authorization_endpoint, `${server.url}/oauth/authorize`);
      assert.equal(metadata.token_endpoint, `${server.url}/oauth/token`);
      assert.equal(metadata.registration_endpoint, `${server.url}/oauth/register`);
      assert.equal(metadata.jwks_uri, `${server.url}/oauth/jwks`);
    }
    const prm = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    assert.deepEqual(prm.authorization_servers, [server.url]);
    // A browser-based client may register: CORS on the registration endpoint.
    const preflight = await fetch(`${server.url}/oauth/register`, {
      method: 'OPTIONS',
      headers: { origin: 'https://inspector.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  for (const era of ['2026-07-28', 'legacy'] as Era[]) {
    it(`takes the official SDK client (${era}) from the first 401 through registration, sign-in and consent to tool calls and a refresh`, async () => {
      const provider = new MemoryOAuthProvider();
      const negotiation = { versionNegotiation: { mode: era === 'legacy' ? ('legacy' as const) : { pin: era } } };
      const first = new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider });
      await assert.rejects(new Client({ name: 'as-test', version: '1' }, negotiation).connect(first), UnauthorizedError);
      const pages: string[] = [];
      const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA, pages);
      assert.equal(callback.searchParams.get('iss'), server.url, 'RFC 9207: the issuer in the authorization response');
      const consent = pages.find((p) => p.includes('name="decision"'))!;
      assert.match(consent, /Allow mcp-pa test client\?/, 'the consent page names the client');
      assert.match(consent, /See your status, projects/, 'and the scopes in plain words');
      assert.match(consent, /go back to <strong>127\.0\.0\.1:9<\/strong>/, 'and where the person is sent back');
      assert.match(consent, /on this computer \(localhost\)/, 'with a warning when that is only localhost');
      assert.ok(callback.searchParams.get('code'));
      await first.finishAuth(callback.searchParams);
      const claims = decodeJwt(provider.tokens()!.access_token);
      assert.equal(claims.aud, `${server.url}/mcp`);
      assert.equal(claims.iss, server.url);
      assert.ok(claims.exp! - claims.iat! <= 3600);
      const client = new Client({ name: 'as-test', version: '1' }, negotiation);
      await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }));
      const todo = (await client.callTool({ name: 'create_todo', arguments: { title: `via the embedded server (${era})` } })).structuredContent as {
        id: string;
      };
      const list = (await client.callTool({ name: 'list_todos', arguments: {} })).structuredContent as { items: { id: string }[] };
      assert.ok(list.items.some((t) => t.id === todo.id));
      const history = (await client.callTool({ name: 'get_history', arguments: { kind: 'todo', id: todo.id } })).structuredContent as {
        items: { actor: string }[];
      };
      const clientId = provider.clientInformation()!.client_id;
      assert.equal(
        history.items[0]!.actor,
        `mcp-pa test client (${clientId})`,
        'the history names the OAuth client by its name and id, not what the client calls itself',
      );
      await client.close();
      // The SDK refreshes with the rotated refresh token it was given.
      const spent = provider.tokens()!;
      assert.equal(await auth(provider, { serverUrl: server.mcpUrl }), 'AUTHORIZED');
      assert.notEqual(provider.tokens()!.refresh_token, spent.refresh_token);
      const refreshed = new Client({ name: 'as-test', version: '1' }, negotiation);
      await refreshed.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }));
      assert.ok((await refreshed.callTool({ name: 'list_todos', arguments: {} })).structuredContent);
      await refreshed.close();
    });
  }

  it('refuses a wrong password on the sign-in page, and access when the person denies', async () => {
    const provider = new MemoryOAuthProvider();
    await assert.rejects(
      new Client({ name: 'as-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }).connect(
        new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }),
      ),
      UnauthorizedError,
    );
    await assert.rejects(signInAndConsent(provider.authorizationUrl!, provider.redirect, { ...ADA, password: 'not the password at all' }), /answered 401/);
    const denied = await signInAndConsent(provider.authorizationUrl!, provider.redirect, { ...ADA, decision: 'deny' });
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('iss'), server.url);
  });
});

describe('the embedded authorization server refuses', () => {
  let server: HttpTestServer;
  const redirect = 'http://127.0.0.1:9/callback';
  before(async () => {
    server = await serverWithAda();
  });
  after(() => server.close());

  const register = (metadata: Record<string, unknown>) =>
    fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token_endpoint_auth_method: 'none', ...metadata }),
    });
  const authorizeUrl = (clientId: string, extra: Record<string, string> = {}) =>
    `${server.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'pa:read', state: 's', resource: `${server.url}/mcp`, ...extra })}`;

  it('redirect URIs that are not https or http to localhost, 127.0.0.1 or [::1]', async () => {
    for (const [uris, extra] of [
      [['http://app.example.com/cb']],
      [['javascript:alert(1)']],
      [['data:text/html,hi']],
      [['file:///etc/passwd']],
      [['https://app.example.com/cb#fragment']],
      [['https://*.example.com/cb']],
      [['com.example.app:/cb']],
      [['com.example.app:/cb'], { application_type: 'native' }],
    ] as [string[], Record<string, unknown>?][]) {
      const res = await register({ redirect_uris: uris, ...extra });
      assert.equal(res.status, 400, `${uris[0]} must be refused`);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_redirect_uri');
    }
    for (const [uris, extra] of [[['https://app.example.com/cb']], [[redirect]], [['http://localhost:4711/cb'], { application_type: 'native' }]] as [
      string[],
      Record<string, unknown>?,
    ][]) {
      assert.equal((await register({ redirect_uris: uris, ...extra })).status, 201, `${uris[0]} is allowed`);
    }
  });

  it('to let a client pick its own id or secret, and manages registrations only with their access token (RFC 7592)', async () => {
    const chosen = await register({ redirect_uris: [redirect], client_id: 'i-chose-this', client_secret: 'and-this-secret' });
    assert.equal(chosen.status, 201);
    const registration = (await chosen.json()) as {
      client_id: string;
      client_secret?: string;
      registration_access_token: string;
      registration_client_uri: string;
    };
    assert.notEqual(registration.client_id, 'i-chose-this');
    assert.equal(registration.client_secret, undefined, 'a public client gets no secret, least of all its own');
    assert.equal(registration.registration_client_uri, `${server.url}/oauth/register/${registration.client_id}`);
    const unchecked = await register({ redirect_uris: [redirect], token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=x' });
    assert.equal(unchecked.status, 400, 'only the advertised client authentication methods');
    const manage = (init: RequestInit & { token?: string } = {}) =>
      fetch(registration.registration_client_uri, {
        ...init,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? registration.registration_access_token}` },
      });

    const read = await manage();
    assert.equal(read.status, 200);
    assert.deepEqual(((await read.json()) as { redirect_uris: string[] }).redirect_uris, [redirect]);
    assert.equal((await manage({ token: 'a-guessed-token' })).status, 401);
    const other = (await (await register({ redirect_uris: [redirect] })).json()) as { registration_access_token: string };
    assert.equal((await manage({ token: other.registration_access_token })).status, 401, "another client's token does not open this registration");

    const update = (metadata: Record<string, unknown>) =>
      manage({ method: 'PUT', body: JSON.stringify({ client_id: registration.client_id, token_endpoint_auth_method: 'none', ...metadata }) });
    const forbidden = await update({ redirect_uris: ['javascript:alert(1)'] });
    assert.equal(forbidden.status, 400, 'the redirect URI policy holds for updates too');
    const updated = await update({ redirect_uris: ['https://app.example.com/cb'], client_name: 'Renamed' });
    assert.equal(updated.status, 200, await updated.clone().text());
    const renamed = (await updated.json()) as { client_name: string; registration_access_token?: string };
    assert.equal(renamed.client_name, 'Renamed');
    const token = renamed.registration_access_token ?? registration.registration_access_token;

    assert.equal((await manage({ method: 'DELETE', token })).status, 204);
    assert.equal((await manage({ token })).status, 401, 'gone');
    const afterDelete = await fetch(
      authorizeUrl(registration.client_id, { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }),
      { redirect: 'manual' },
    );
    assert.equal(afterDelete.status, 400);
    assert.equal(((await afterDelete.json()) as { error: string }).error, 'invalid_client');
  });

  it('an authorization request without PKCE, with plain PKCE, or for another resource', async () => {
    const { client_id } = (await (await register({ redirect_uris: [redirect] })).json()) as { client_id: string };
    const noPkce = new URL((await fetch(authorizeUrl(client_id), { redirect: 'manual' })).headers.get('location')!);
    assert.equal(noPkce.searchParams.get('error'), 'invalid_request');
    assert.equal(noPkce.searchParams.get('iss'), server.url, 'iss in error responses too');
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    const plain = new URL(
      (await fetch(authorizeUrl(client_id, { code_challenge: challenge, code_challenge_method: 'plain' }), { redirect: 'manual' })).headers.get('location')!,
    );
    assert.equal(plain.searchParams.get('error'), 'invalid_request');
    const elsewhere = new URL(
      (
        await fetch(authorizeUrl(client_id, { code_challenge: challenge, code_challenge_method: 'S256', resource: 'https://other.example/mcp' }), {
          redirect: 'manual',
        })
      ).headers.get('location')!,
    );
    assert.equal(elsewhere.searchParams.get('error'), 'invalid_target');
  });

  it('the implicit and password grants, and a redirect URI that was not registered', async () => {
    const { client_id } = (await (await register({ redirect_uris: [redirect] })).json()) as { client_id: string };
    const implicit = new URL((await fetch(authorizeUrl(client_id, { response_type: 'token' }), { redirect: 'manual' })).headers.get('location')!);
    // An implicit request expects its answer in the fragment: that is where the refusal goes.
    assert.equal(new URLSearchParams(implicit.hash.slice(1)).get('error'), 'unsupported_response_type');
    const password = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id, username: ADA.email, password: ADA.password }),
    });
    assert.equal(password.status, 400);
    assert.equal(((await password.json()) as { error: string }).error, 'unsupported_grant_type');
    const elsewhere = await fetch(
      authorizeUrl(client_id, {
        redirect_uri: 'http://127.0.0.1:9/callback/../evil',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }),
      { redirect: 'manual' },
    );
    assert.equal(elsewhere.status, 400, 'never a redirect to an unregistered URI');
    assert.equal(((await elsewhere.json()) as { error: string }).error, 'invalid_redirect_uri');
  });

  it("a sign-in form posted without its CSRF token, with another sign-in's token, or from another site", async () => {
    const hostileName = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const { client_id } = (await (await register({ redirect_uris: [redirect], client_name: hostileName })).json()) as { client_id: string };
    const start = async () => {
      const res = await fetch(authorizeUrl(client_id, { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }), {
        redirect: 'manual',
      });
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const page = await fetch(new URL(res.headers.get('location')!, server.url), { headers: { cookie } });
      const html = await page.text();
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.doesNotMatch(html, /<script|<img/i, "the client's name is escaped, and the page has no script");
      assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
      return { cookie, action: /action="([^"]+)"/.exec(html)![1]!, csrf: /name="csrf" value="([^"]+)"/.exec(html)![1]! };
    };
    const one = await start();
    const two = await start();
    const post = (attempt: { cookie: string; action: string }, fields: Record<string, string>, origin = server.url) =>
      fetch(new URL(attempt.action, server.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: attempt.cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: ADA.email, password: ADA.password, ...fields }),
      });
    assert.equal((await post(one, {})).status, 403, 'no token');
    assert.equal((await post(one, { csrf: two.csrf })).status, 403, "another sign-in's token");
    assert.equal((await post(one, { csrf: one.csrf }, 'https://attacker.example')).status, 403, 'posted from another site');
    assert.equal((await post(one, { csrf: one.csrf })).status, 303, 'the real form still works');
  });
});

describe('the embedded authorization server with a strict OAuth client (oauth4webapi)', () => {
  let server: HttpTestServer;
  before(async () => (server = await serverWithAda()));
  after(() => server.close());
  const redirect = 'http://127.0.0.1:9/callback';
  const insecure = { [oauth.allowInsecureRequests]: true }; // loopback http in tests only

  /** Discovery, registration, PKCE authorization and the person's consent: up to the callback. */
  async function authorize() {
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
    const client = (await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: [redirect],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'pa:read pa:write',
        },
        insecure,
      ),
    )) as oauth.Client;
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirect,
      scope: 'pa:read pa:write',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: `${server.url}/mcp`,
    })) {
      url.searchParams.set(k, v);
    }
    const callback = await signInAndConsent(url, redirect, ADA);
    const params = oauth.validateAuthResponse(as, client, callback, state); // checks iss (RFC 9207) and state
    const redeem = () => oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirect, verifier, insecure);
    return { as, client, redeem };
  }

  it('validates metadata, iss, state, PKCE and the token response; refresh tokens rotate, and reuse revokes the family', async () => {
    const { as, client, redeem } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await redeem());
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.refresh_token, 'a refresh token for a client registered with that grant');
    assert.ok(tokens.expires_in! <= 3600);
    const refresh = (token: string) => oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, insecure);
    const next = await oauth.processRefreshTokenResponse(as, client, await refresh(tokens.refresh_token!));
    assert.notEqual(next.refresh_token, tokens.refresh_token, 'rotated on use');
    await assert.rejects(
      oauth.processRefreshTokenResponse(as, client, await refresh(tokens.refresh_token!)),
      (err: { error?: string }) => err.error === 'invalid_grant',
      'the old one is spent',
    );
    await assert.rejects(
      oauth.processRefreshTokenResponse(as, client, await refresh(next.refresh_token!)),
      (err: { error?: string }) => err.error === 'invalid_grant',
      'and its reuse revoked the whole family',
    );
  });

  it('of two refreshes with one refresh token at once, exactly one gets tokens, and the reuse revokes the family', async () => {
    const { as, client, redeem } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await redeem());
    const refresh = async (token: string) =>
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, insecure));
    const outcomes = await Promise.allSettled([refresh(tokens.refresh_token!), refresh(tokens.refresh_token!)]);
    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { error?: string }] : []));
    assert.equal(won.length, 1, 'exactly one of the two gets tokens');
    assert.equal(lost[0]?.error, 'invalid_grant');
    await assert.rejects(
      refresh(won[0]!.refresh_token!),
      (err: { error?: string }) => err.error === 'invalid_grant',
      "the winner's new refresh token went with the family",
    );
  });

  it('accepts a code once: a replay fails and revokes what the first use issued', async () => {
    const { as, client, redeem } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await redeem());
    await assert.rejects(oauth.processAuthorizationCodeResponse(as, client, await redeem()), (err: { error?: string }) => err.error === 'invalid_grant');
    await assert.rejects(
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure)),
      (err: { error?: string }) => err.error === 'invalid_grant',
    );
  });

  it('introspects (RFC 7662) and revokes (RFC 7009) refresh tokens (access tokens are self-contained JWTs), for the client they were issued to only', async () => {
    const { as, client, redeem } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await redeem());
    const introspect = async (token: string, who: oauth.Client = client) =>
      oauth.processIntrospectionResponse(as, who, await oauth.introspectionRequest(as, who, oauth.None(), token, insecure));
    const live = await introspect(tokens.refresh_token!);
    assert.equal(live.active, true);
    assert.equal(live.client_id, client.client_id);
    assert.ok(live.sub, 'the account it speaks for');
    assert.match(String(live.scope), /pa:read/);
    // Access tokens are JWTs, verified by their signature: the endpoints say so rather than guess.
    await assert.rejects(introspect(tokens.access_token), (err: { error?: string }) => err.error === 'unsupported_token_type');

    // Another client learns nothing about this client's tokens, and cannot revoke them.
    const stranger = (await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [redirect], token_endpoint_auth_method: 'none' }, insecure),
    )) as oauth.Client;
    assert.equal((await introspect(tokens.refresh_token!, stranger)).active, false);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, stranger, oauth.None(), tokens.refresh_token!, insecure));
    assert.equal((await introspect(tokens.refresh_token!)).active, true, "a stranger's revocation has no effect");

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), tokens.refresh_token!, insecure));
    assert.equal((await introspect(tokens.refresh_token!)).active, false, 'revoked');
    await assert.rejects(
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure)),
      (err: { error?: string }) => err.error === 'invalid_grant',
    );
    assert.equal((await introspect('not-a-token-at-all')).active, false);
  });

  it('lets exactly one of two simultaneous redemptions of a code succeed', async () => {
    const { redeem } = await authorize();
    const statuses = (await Promise.all([redeem(), redeem()])).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400]);
  });
});

/**
 * A token by hand: register, authorize with PKCE at this address (the person signs in and
 * consents), and redeem the code at the token endpoint of that one (by default the same).
 */
async function tokenAt(base: string, tokenBase = base): Promise<string> {
  const redirect = 'http://127.0.0.1:9/callback';
  const registered = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [redirect], token_endpoint_auth_method: 'none' }),
  });
  const { client_id } = (await registered.json()) as { client_id: string };
  const verifier = oauth.generateRandomCodeVerifier();
  const query = {
    response_type: 'code',
    client_id,
    redirect_uri: redirect,
    scope: 'pa:read pa:write',
    state: 's',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  const callback = await signInAndConsent(new URL(`${base}/oauth/authorize?${new URLSearchParams(query)}`), redirect, ADA);
  const form = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: redirect, client_id, code_verifier: verifier };
  const res = await fetch(`${tokenBase}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.ok(body.access_token, JSON.stringify(body));
  return body.access_token;
}

describe('the embedded authorization server on a PostgreSQL server', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' }, () => {
  it('refuses to start without the key-encryption key every instance must share', async () => {
    const home = tempHome('mcp-pa-as-');
    const result = await runCli(['serve'], home, { ...(await engineEnv(home, 'postgres')), MCP_HOST: '127.0.0.1', MCP_PORT: '0' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Set MCP_OAUTH_KEY_ENCRYPTION_KEY/);
    assert.doesNotMatch(result.stderr, /serving MCP over HTTP/, 'refused before listening');
  });

  it('lets every instance verify tokens signed with keys another instance started using after a rotation', async () => {
    const home = tempHome('mcp-pa-as-');
    const env: Record<string, string> = { ...(await engineEnv(home, 'postgres')), MCP_OAUTH_KEY_ENCRYPTION_KEY: 'a key-encryption passphrase for tests' };
    assert.equal((await runCli(['user', 'add', '--email', ADA.email], home, env, `${ADA.password}\n`)).code, 0);
    const kidOf = (token: string) => decodeProtectedHeader(token).kid;
    // The first instance takes a port of its own; its address is the public URL of both.
    let first = await HttpTestServer.start({ home, env: { ...env, MCP_PORT: '0' } });
    const publicUrl = (env.MCP_PUBLIC_URL = first.url);
    const other = await HttpTestServer.start({ home, env: { ...env, MCP_PORT: '0' } });
    try {
      const before = await tokenAt(first.listen);
      assert.equal((await runCli(['keys', 'rotate'], home, env)).code, 0);
      await first.close();
      first = await HttpTestServer.start({ home, env: { ...env, MCP_PORT: new URL(publicUrl).port } });
      const after = await tokenAt(first.listen);
      assert.notEqual(kidOf(after), kidOf(before), 'the restarted instance signs with the new key');
      // The other instance has not seen that key: it looks, finds it, verifies.
      for (const token of [after, before]) {
        const res = await fetch(`${other.listen}/mcp`, modernToolCall('get_current_time', {}, token));
        assert.equal(res.status, 200, await res.text());
      }
      assert.equal(other.logged('signing keys reloaded').length, 1);
      assert.equal(kidOf(await tokenAt(first.listen, other.listen)), kidOf(after), 'and signs with the new key from then on');
    } finally {
      await first.close();
      await other.close();
    }
  });
});

describe('remembered consent', () => {
  it('skips the consent page for a client the person already allowed those scopes, and asks again for more', async () => {
    const server = await serverWithAda();
    try {
      const redirect = 'http://127.0.0.1:9/callback';
      const registered = await fetch(`${server.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [redirect], token_endpoint_auth_method: 'none' }),
      });
      const { client_id } = (await registered.json()) as { client_id: string };
      /** One sign-in in a fresh browser (no session cookie); the pages the person saw. */
      const signIn = async (scope: string) => {
        const query = {
          response_type: 'code',
          client_id,
          redirect_uri: redirect,
          scope,
          state: 's',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        };
        const pages: string[] = [];
        const callback = await signInAndConsent(new URL(`${server.url}/oauth/authorize?${new URLSearchParams(query)}`), redirect, ADA, pages);
        assert.ok(callback.searchParams.get('code'));
        return pages.map((page) => (page.includes('name="decision"') ? 'consent' : 'sign-in'));
      };
      assert.deepEqual(await signIn('pa:read'), ['sign-in', 'consent']);
      assert.deepEqual(await signIn('pa:read'), ['sign-in'], 'the same client and scopes: allowed before');
      assert.deepEqual(await signIn('pa:read pa:write'), ['sign-in', 'consent'], 'more than was allowed: asked again');
      assert.deepEqual(await signIn('pa:write'), ['sign-in']);
    } finally {
      await server.close();
    }
  });
});

describe('mcp-pa keys rotate', () => {
  it('adds new signing keys and keeps publishing the old ones for verification', async () => {
    const home = tempHome('mcp-pa-keys-');
    const first = await HttpTestServer.start({ home });
    const before = (await (await fetch(`${first.url}/oauth/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
    await first.close();
    assert.equal(before.keys.length, 2, 'one ES256 and one RS256 key');
    assert.ok(
      before.keys.every((k) => k.d === undefined),
      'only public keys are published',
    );
    const rotated = await runCli(['keys', 'rotate'], home);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /new signing keys: \S+, \S+/);
    assert.equal(rotated.stdout.match(/^retired /gm)?.length, 2);
    const second = await HttpTestServer.start({ home });
    try {
      const after = (await (await fetch(`${second.url}/oauth/jwks`)).json()) as { keys: { kid: string }[] };
      assert.equal(after.keys.length, 4);
      for (const key of before.keys)
        assert.ok(
          after.keys.some((k) => k.kid === key.kid),
          `${key.kid} still verifies`,
        );
      const newest = after.keys.map((k) => k.kid).filter((kid) => !before.keys.some((k) => k.kid === kid));
      assert.ok(rotated.stdout.includes(newest[0]!) && rotated.stdout.includes(newest[1]!));
    } finally {
      await second.close();
    }
  });
});

describe('sign-in guessing', () => {
  it('slows down after three failures (429, even for the right password), then lets the person in', async () => {
    // In this process on a clock the test moves: the wait passes without waiting.
    const clock = new ManualClock(Date.now());
    const server = await startHttpInProcess({ ...(await homeWithAda()), clock });
    try {
      const provider = new MemoryOAuthProvider();
      await assert.rejects(
        new Client({ name: 'as-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }).connect(
          new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }),
        ),
        UnauthorizedError,
      );
      for (let i = 0; i < 3; i++) {
        await assert.rejects(signInAndConsent(provider.authorizationUrl!, provider.redirect, { ...ADA, password: `wrong guess number ${i}` }), /answered 401/);
      }
      await assert.rejects(signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA), /answered 429/);
      clock.advance(2_100); // the first wait is two seconds
      const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA);
      assert.ok(callback.searchParams.get('code'));
    } finally {
      await server.close();
    }
  });
});

describe('a disabled account', () => {
  it('can neither sign in nor use the tokens it already had', async () => {
    const home = tempHome('mcp-pa-as-');
    await seedHttpHome(home, {});
    assert.equal((await runCli(['user', 'add', '--email', ADA.email], home, {}, `${ADA.password}\n`)).code, 0);
    let server = await HttpTestServer.start({ home });
    // The same port after the restart: the issuer (and so the tokens) must be the same.
    const env = { MCP_PORT: new URL(server.url).port };
    const provider = new MemoryOAuthProvider();
    const negotiation = { versionNegotiation: { mode: { pin: '2026-07-28' as const } } };
    const first = new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider });
    await assert.rejects(new Client({ name: 'as-test', version: '1' }, negotiation).connect(first), UnauthorizedError);
    await first.finishAuth((await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA)).searchParams);
    const token = provider.tokens()!.access_token;
    await server.close(); // the embedded database is single-process: administer it while the server is stopped
    const disabled = await runCli(['user', 'disable', '--email', ADA.email], home);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, /[1-9]\d* grants, sessions and tokens revoked/);
    server = await HttpTestServer.start({ home, env });
    try {
      const call = await fetch(server.mcpUrl, modernToolCall('list_todos', {}, token));
      assert.equal(call.status, 401);
      assert.match(call.headers.get('www-authenticate') ?? '', /disabled/);
      const again = new MemoryOAuthProvider();
      await assert.rejects(
        new Client({ name: 'as-test', version: '1' }, negotiation).connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: again })),
        UnauthorizedError,
      );
      await assert.rejects(signInAndConsent(again.authorizationUrl!, again.redirect, ADA), /answered 401/);
    } finally {
      await server.close();
    }
  });
});

describe('a changed password', () => {
  it('revokes refresh tokens and grants, refuses the access tokens issued before it, and signs in with the new one only', async () => {
    const home = tempHome('mcp-pa-as-');
    await seedHttpHome(home, {});
    assert.equal((await runCli(['user', 'add', '--email', ADA.email], home, {}, `${ADA.password}\n`)).code, 0);
    let server = await HttpTestServer.start({ home });
    const env = { MCP_PORT: new URL(server.url).port };
    const provider = new MemoryOAuthProvider();
    await auth(provider, { serverUrl: server.mcpUrl });
    const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA);
    await auth(provider, { serverUrl: server.mcpUrl, authorizationCode: callback.searchParams.get('code')!, iss: callback.searchParams.get('iss')! });
    const { access_token: token, refresh_token: refresh } = provider.tokens()!;
    assert.equal((await fetch(server.mcpUrl, modernToolCall('list_todos', {}, token))).status, 200);
    await server.close();
    const newPassword = 'a different long passphrase';
    const changed = await runCli(['user', 'password', '--email', ADA.email], home, {}, `${newPassword}\n`);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /[1-9]\d* grants, sessions and tokens revoked/);
    server = await HttpTestServer.start({ home, env });
    try {
      const call = await fetch(server.mcpUrl, modernToolCall('list_todos', {}, token));
      assert.equal(call.status, 401);
      assert.match(call.headers.get('www-authenticate') ?? '', /password changed/);
      const refreshed = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refresh!,
          client_id: (provider.clientInformation() as { client_id: string }).client_id,
        }),
      });
      assert.equal(((await refreshed.json()) as { error: string }).error, 'invalid_grant');
      const again = new MemoryOAuthProvider();
      await auth(again, { serverUrl: server.mcpUrl });
      await assert.rejects(signInAndConsent(again.authorizationUrl!, again.redirect, ADA), /answered 401/, 'the old password no longer works');
      const signedIn = await signInAndConsent(again.authorizationUrl!, again.redirect, { ...ADA, password: newPassword });
      await auth(again, { serverUrl: server.mcpUrl, authorizationCode: signedIn.searchParams.get('code')!, iss: signedIn.searchParams.get('iss')! });
      assert.equal(
        (await fetch(server.mcpUrl, modernToolCall('list_todos', {}, again.tokens()!.access_token))).status,
        200,
        'a token issued after the change works',
      );
    } finally {
      await server.close();
    }
  });
});
