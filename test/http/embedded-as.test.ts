import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { HttpTestServer } from '../helpers/http-server.js';
import { MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';
import { runCli, tempHome, type Era } from '../helpers/server.js';

const ADA = { email: 'ada@example.com', password: 'a long enough passphrase' };

describe('the embedded authorization server', () => {
  let server: HttpTestServer;
  before(async () => {
    const home = tempHome('mcp-pa-as-');
    const added = await runCli(['user', 'add', '--email', ADA.email], home, {}, 30_000, `${ADA.password}\n`);
    assert.equal(added.code, 0, added.stderr);
    server = await HttpTestServer.start({ home });
  });
  after(() => server.close());

  it('publishes Authorization Server Metadata (RFC 8414) with the issuer its tokens carry', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const metadata = (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
      assert.equal(metadata.issuer, server.url, path);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(metadata.response_types_supported, ['code']);
      assert.equal(metadata.authorization_endpoint, `${server.url}/oauth/authorize`);
      assert.equal(metadata.token_endpoint, `${server.url}/oauth/token`);
      assert.equal(metadata.registration_endpoint, `${server.url}/oauth/register`);
      assert.equal(metadata.jwks_uri, `${server.url}/oauth/jwks`);
    }
    const prm = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    assert.deepEqual(prm.authorization_servers, [server.url]);
  });

  for (const era of ['2026-07-28', 'legacy'] as Era[]) {
    it(`takes the official SDK client (${era}) from the first 401 through registration, sign-in and consent to tool calls`, async () => {
      const provider = new MemoryOAuthProvider();
      const negotiation = { versionNegotiation: { mode: era === 'legacy' ? ('legacy' as const) : { pin: era } } };
      const first = new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider });
      await assert.rejects(new Client({ name: 'as-test', version: '1' }, negotiation).connect(first), UnauthorizedError);
      const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA);
      assert.equal(callback.searchParams.get('iss'), server.url, 'RFC 9207: the issuer in the authorization response');
      assert.ok(callback.searchParams.get('code'));
      await first.finishAuth(callback.searchParams);
      const claims = decodeJwt(provider.tokens()!.access_token);
      assert.equal(claims.aud, `${server.url}/mcp`);
      assert.equal(claims.iss, server.url);
      assert.ok(claims.exp! - claims.iat! <= 3600);
      const client = new Client({ name: 'as-test', version: '1' }, negotiation);
      await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }));
      const todo = (await client.callTool({ name: 'create_todo', arguments: { title: `via the embedded server (${era})` } })).structuredContent as { id: string };
      const list = (await client.callTool({ name: 'list_todos', arguments: {} })).structuredContent as { items: { id: string }[] };
      assert.ok(list.items.some((t) => t.id === todo.id));
      await client.close();
    });
  }

  it('refuses a wrong password on the sign-in page, and access when the person denies', async () => {
    const provider = new MemoryOAuthProvider();
    await assert.rejects(new Client({ name: 'as-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }).connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider })), UnauthorizedError);
    await assert.rejects(signInAndConsent(provider.authorizationUrl!, provider.redirect, { ...ADA, password: 'not the password at all' }), /answered 401/);
    const denied = await signInAndConsent(provider.authorizationUrl!, provider.redirect, { ...ADA, decision: 'deny' });
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('iss'), server.url);
  });
});
