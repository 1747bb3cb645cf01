import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { InsufficientScopeError, StreamableHTTPClientTransport, UnauthorizedError, Client } from '@modelcontextprotocol/client';
import { engineEnv, rawSql } from '../helpers/engines.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { authorizeInBrowser, forgeToken, MemoryOAuthProvider, startExternalIssuer, unsignedToken, type ExternalIssuer } from '../helpers/oauth.js';
import { tempHome, type Era } from '../helpers/server.js';

// A real PostgreSQL server when there is one (accounts under the application role), SQLite otherwise.
const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';

/** Starts the issuer, then mcp-pa serve on a port the system picks, then tells the issuer the resource it issues for. */
async function startPair(options: { accessTokenFormat?: 'jwt' | 'opaque' } = {}, extraEnv: Record<string, string> = {}) {
  const issuer = await startExternalIssuer(options);
  const home = tempHome('mcp-pa-auth-');
  const storage = engine === 'postgres' ? await engineEnv(home, 'postgres') : { MCP_DATABASE_TYPE: 'sqlite' };
  const server = await HttpTestServer.start({
    home,
    env: {
      ...storage,
      MCP_OAUTH_ISSUER: issuer.issuer,
      MCP_OAUTH_INTROSPECTION_CLIENT_ID: issuer.introspection.client_id,
      MCP_OAUTH_INTROSPECTION_CLIENT_SECRET: issuer.introspection.client_secret,
      ...extraEnv,
    },
  });
  // The canonical URI as a client derives it from where the server listens (not from what it reports as its URL).
  const resource = `http://127.0.0.1:${new URL(server.listen).port}/mcp`;
  await issuer.settings({ resource });
  return { server, issuer, resource, home };
}

/** The whole MCP authorization flow, as the official client does it from the first 401. */
async function connectWithOAuth(server: HttpTestServer, issuer: ExternalIssuer, era: Era) {
  const provider = new MemoryOAuthProvider();
  const first = new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider });
  const negotiation = { versionNegotiation: { mode: era === 'legacy' ? ('legacy' as const) : { pin: era } } };
  await assert.rejects(new Client({ name: 'auth-test', version: '1' }, negotiation).connect(first), UnauthorizedError);
  const authorization = provider.authorizationUrl!;
  assert.equal(authorization.searchParams.get('resource'), server.mcpUrl.toString(), 'RFC 8707 resource sent with the authorization request');
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  const callback = await authorizeInBrowser(authorization, provider.redirect);
  assert.equal(callback.searchParams.get('state'), 'state-for-tests');
  assert.equal(callback.searchParams.get('iss'), issuer.issuer);
  await first.finishAuth(callback.searchParams);
  const client = new Client({ name: 'auth-test', version: '1' }, negotiation);
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }));
  return { client, provider };
}

/** Calls a tool over raw HTTP with the given token (or none); returns the status and the challenge. */
async function callWith(
  server: HttpTestServer,
  token: string | undefined,
  tool = 'list_todos',
  args: Record<string, unknown> = {},
  url = server.mcpUrl.toString(),
) {
  const res = await fetch(url, modernToolCall(tool, args, token));
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '', text };
}

describe('HTTP mode with an external authorization server', () => {
  let server: HttpTestServer;
  let issuer: ExternalIssuer;
  let resource: string;
  let home: string;
  before(async () => ({ server, issuer, resource, home } = await startPair()));
  after(async () => {
    await server.close();
    await issuer.stop();
  });

  it('publishes its Protected Resource Metadata (RFC 9728) at the path and root forms', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const metadata = (await res.json()) as Record<string, unknown>;
      assert.equal(metadata.resource, resource);
      assert.deepEqual(metadata.authorization_servers, [issuer.issuer]);
      assert.deepEqual(metadata.scopes_supported, ['pa:read', 'pa:write']);
      assert.deepEqual(metadata.bearer_methods_supported, ['header']);
      assert.equal(typeof metadata.resource_name, 'string');
      assert.equal(typeof metadata.resource_documentation, 'string');
    }
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: Record<string, string> };
    assert.equal(ready.checks.issuer, 'ok');
  });

  it('answers a request without a token with 401 and where to find the metadata, but no error code', async () => {
    const { status, challenge } = await callWith(server, undefined);
    assert.equal(status, 401);
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, new RegExp(`resource_metadata="${server.url}/\\.well-known/oauth-protected-resource/mcp"`));
    assert.match(challenge, /scope="pa:read pa:write"/);
    assert.doesNotMatch(challenge, /error=/);
  });

  for (const era of ['2026-07-28', 'legacy'] as const) {
    it(`lets the official SDK client (${era}) discover, register, authorize with PKCE and call tools`, async () => {
      const { client, provider } = await connectWithOAuth(server, issuer, era);
      try {
        const claims = decodeJwt(provider.tokens()!.access_token);
        assert.equal(claims.aud, resource);
        assert.equal(claims.iss, issuer.issuer);
        const todo = (await client.callTool({ name: 'create_todo', arguments: { title: `written with a token (${era})` } })).structuredContent as {
          id: string;
        };
        const list = (await client.callTool({ name: 'list_todos', arguments: {} })).structuredContent as { items: { id: string }[] };
        assert.ok(list.items.some((t) => t.id === todo.id));
      } finally {
        await client.close();
      }
    });
  }

  it("keeps each account's data apart: issuer + subject name the tenant", async () => {
    const first = await connectWithOAuth(server, issuer, '2026-07-28');
    const mine = (await first.client.callTool({ name: 'create_todo', arguments: { title: 'only for test-user' } })).structuredContent as { id: string };
    await first.client.close();
    await issuer.settings({ accountId: 'someone-else' });
    try {
      const other = await connectWithOAuth(server, issuer, '2026-07-28');
      const seen = (await other.client.callTool({ name: 'list_todos', arguments: {} })).structuredContent as { items: { id: string }[] };
      assert.deepEqual(seen.items, [], "another account starts with an empty tenant and never sees test-user's todos");
      assert.equal((await other.client.callTool({ name: 'complete_todo', arguments: { todo_id: mine.id } })).isError, true);
      await other.client.close();
    } finally {
      await issuer.settings({ accountId: 'test-user' });
    }
  });

  it('refuses a write tool to a token with only pa:read (403 insufficient_scope), and serves its reads', async () => {
    await issuer.settings({ grantScopes: ['pa:read'] });
    try {
      const { client, provider } = await connectWithOAuth(server, issuer, '2026-07-28');
      assert.equal(decodeJwt(provider.tokens()!.access_token).scope, 'pa:read');
      await client.callTool({ name: 'list_todos', arguments: {} });
      const token = provider.tokens()!.access_token;
      const write = await callWith(server, token, 'create_todo', { title: 'not allowed' });
      assert.equal(write.status, 403);
      assert.match(write.challenge, /error="insufficient_scope"/);
      assert.match(write.challenge, /scope="pa:write"/);
      assert.match(write.challenge, /resource_metadata="/);
      const readOnly = new Client({ name: 'auth-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await readOnly.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: { token: async () => token } }));
      await assert.rejects(readOnly.callTool({ name: 'create_todo', arguments: { title: 'x' } }), InsufficientScopeError);
      await readOnly.close();
      await client.close();
    } finally {
      await issuer.settings({ grantScopes: null });
    }
  });

  describe('refuses tokens it must not accept', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const valid = () => ({ iss: issuer.issuer, sub: 'test-user', aud: resource, client_id: 'c', scope: 'pa:read pa:write', iat: now(), exp: now() + 600 });
    const refused = async (token: string, reason: RegExp, status = 401, error = 'invalid_token') => {
      const res = await callWith(server, token);
      assert.equal(res.status, status, res.text);
      assert.match(res.challenge, new RegExp(`error="${error}"`));
      assert.match(res.challenge, reason);
      assert.match(res.challenge, /resource_metadata="/);
    };

    it('accepts a well-formed token signed by the issuer (the control for every case below)', async () => {
      assert.equal((await callWith(server, await forgeToken(issuer.key, valid()))).status, 200);
    });
    it('for another audience', async () => {
      await refused(await forgeToken(issuer.key, { ...valid(), aud: 'https://other.example/mcp' }), /not meant for this server/);
      await refused(await forgeToken(issuer.key, { ...valid(), aud: `${resource}/` }), /not meant for this server/);
    });
    it('expired, not yet valid, or living longer than an hour', async () => {
      await refused(await forgeToken(issuer.key, { ...valid(), iat: now() - 7200, exp: now() - 3600 }), /expired/);
      await refused(await forgeToken(issuer.key, { ...valid(), nbf: now() + 600 }), /not valid yet/);
      await refused(await forgeToken(issuer.key, { ...valid(), exp: now() + 7200 }), /longer than one hour/);
    });
    it('from another issuer, or signed by a key the issuer does not publish', async () => {
      await refused(await forgeToken(issuer.key, { ...valid(), iss: 'https://evil.example' }), /another authorization server/);
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const impostor = { ...(await exportJWK(privateKey)), kid: issuer.key.kid, alg: 'ES256' };
      await refused(await forgeToken(impostor, valid()), /signature does not verify/);
      await refused(await forgeToken({ ...impostor, kid: 'unknown-kid' }, valid()), /key the issuer does not publish/);
    });
    it("with alg none, or HS256 keyed with the issuer's public key", async () => {
      await refused(unsignedToken(valid()), /algorithm|malformed/);
      const { d: _private, ...publicJwk } = issuer.key;
      const hmacKey = new TextEncoder().encode(JSON.stringify(publicJwk));
      const { SignJWT } = await import('jose');
      const hs = await new SignJWT(valid()).setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid, typ: 'at+jwt' }).sign(hmacKey);
      await refused(hs, /algorithm/);
    });
    it('of another type than at+jwt (an ID token, say)', async () => {
      await refused(await forgeToken(issuer.key, valid(), { typ: 'JWT' }), /typ must be at\+jwt/);
    });
    it('bound to a DPoP key or a certificate the connection does not present', async () => {
      await refused(await forgeToken(issuer.key, { ...valid(), cnf: { jkt: 'abc' } }), /bound to a key/);
      await refused(await forgeToken(issuer.key, { ...valid(), cnf: { 'x5t#S256': 'abc' } }), /client certificate/);
    });
    it('in the query string or a form body', async () => {
      const token = await forgeToken(issuer.key, valid());
      const res = await callWith(server, undefined, 'list_todos', {}, `${server.mcpUrl}?access_token=${token}`);
      assert.equal(res.status, 400);
      assert.match(res.challenge, /error="invalid_request"/);
      const form = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: token }),
      });
      assert.equal(form.status, 400);
      assert.match(form.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    });
    it('of a disabled account', async () => {
      const token = await forgeToken(issuer.key, { ...valid(), sub: 'to-be-disabled' });
      assert.equal((await callWith(server, token)).status, 200, 'the account is created on its first request');
      await rawSql(home, `UPDATE accounts SET disabled_at = $1 WHERE subject = $2`, [new Date().toISOString(), 'to-be-disabled'], engine);
      await refused(token, /disabled/);
    });
  });
});

describe('HTTP mode with opaque tokens (RFC 7662 introspection)', () => {
  it('accepts a token the issuer says is active for this resource, and refuses one it does not know', async () => {
    const { server, issuer } = await startPair({ accessTokenFormat: 'opaque' });
    try {
      const { client, provider } = await connectWithOAuth(server, issuer, '2026-07-28');
      assert.equal(provider.tokens()!.access_token.split('.').length, 1, 'an opaque token, not a JWT');
      await client.callTool({ name: 'create_todo', arguments: { title: 'via introspection' } });
      await client.close();
      const unknown = await callWith(server, 'an-opaque-token-nobody-issued');
      assert.equal(unknown.status, 401);
      assert.match(unknown.challenge, /not active/);
    } finally {
      await server.close();
      await issuer.stop();
    }
  });
});

describe('HTTP mode with an external authorization server and features.multi_tenant: false', () => {
  it('serves the first person to arrive and refuses anyone else, rather than making a second account', async () => {
    const configHome = tempHome('mcp-pa-single-');
    const config = path.join(configHome, 'single.json');
    fs.writeFileSync(config, JSON.stringify({ features: { multi_tenant: false } }));
    const { server, issuer, resource, home } = await startPair({}, { MCP_PA_CONFIG: config });
    try {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer.issuer, aud: resource, client_id: 'c', scope: 'pa:read pa:write', iat: now, exp: now + 600 };
      const tokenOf = (sub: string) => forgeToken(issuer.key, { ...claims, sub });
      assert.equal((await callWith(server, await tokenOf('first-person'))).status, 200);
      const second = await callWith(server, await tokenOf('second-person'));
      assert.equal(second.status, 401, second.text);
      assert.match(second.challenge, /error="invalid_token"/);
      assert.match(second.challenge, /serves one person \(features\.multi_tenant is false/);
      assert.equal((await callWith(server, await tokenOf('first-person'))).status, 200, 'the first person is still served');
      assert.deepEqual(await rawSql(home, 'SELECT subject FROM accounts', [], engine), [{ subject: 'first-person' }]);
    } finally {
      await server.close();
      await issuer.stop();
    }
  });
});

describe('HTTP mode with a tool profile (MCP_PA_TOOLS)', () => {
  it('offers only the profile’s tools, and still checks the token’s scope on those it offers', async () => {
    const { server, issuer, resource } = await startPair({}, { MCP_PA_TOOLS: 'core' });
    try {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer.issuer, sub: 'test-user', aud: resource, client_id: 'c', iat: now, exp: now + 600 };
      const full = await forgeToken(issuer.key, { ...claims, scope: 'pa:read pa:write' });
      const reader = await forgeToken(issuer.key, { ...claims, scope: 'pa:read' });
      const client = new Client({ name: 'profile-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: { token: async () => full } }));
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('create_todo') && names.includes('get_dashboard'));
      assert.ok(!names.includes('create_project') && !names.includes('upload_document'), 'tools outside core are not listed');
      const outside = await client
        .callTool({ name: 'create_project', arguments: { name: 'x' } })
        .catch((err: Error) => ({ isError: true, content: [{ text: err.message }] }));
      assert.equal(outside.isError, true, 'nor can they be called');
      await client.close();
      const write = await callWith(server, reader, 'create_todo', { title: 'not allowed' });
      assert.equal(write.status, 403, 'a pa:read token still cannot call a write tool the profile offers');
      assert.match(write.challenge, /error="insufficient_scope"/);
    } finally {
      await server.close();
      await issuer.stop();
    }
  });
});
