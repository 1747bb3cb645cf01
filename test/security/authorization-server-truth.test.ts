import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { addLocalAccount } from '../../src/auth/accounts.js';
import { removeClient } from '../../src/auth/clients.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { openRuntime, type OpenedRuntime } from '../../src/runtime.js';
import { startHttpServer, type ServedHttp } from '../../src/compose/http.js';
import { ADA } from '../helpers/embedded-as.js';
import { engineEnv } from '../helpers/engines.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { signInAndConsent } from '../helpers/oauth.js';
import { tempHome } from '../helpers/server.js';
import { seedHttpHome } from '../helpers/pglite-template.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * The embedded authorization server says what is true of itself and does what it says: every
 * address in its metadata answers, a refused redirect URI gets its reason, a person can allow
 * reading only, and a removed client's tokens stop at once. It runs in this process, so a client
 * can be removed (as `mcp-pa client remove` does) while the server serves its tokens.
 */
describe('the embedded authorization server tells the truth', () => {
  let runtime: OpenedRuntime;
  let server: ServedHttp;
  before(async () => {
    const home = tempHome('mcp-pa-as-truth-');
    // On the real PostgreSQL server when there is one (as homeWithAda does); embedded PGlite otherwise.
    const database = process.env.TEST_DATABASE_URL
      ? { ...(await engineEnv(home, 'postgres')), MCP_OAUTH_KEY_ENCRYPTION_KEY: 'a key-encryption passphrase for tests' }
      : {};
    const env = { HOME: home, MCP_HOST: '127.0.0.1', MCP_PORT: '0', ...database };
    await seedHttpHome(home, env);
    const config = loadConfig({}, env, { mode: 'http' });
    runtime = await openRuntime(config, createLogger('error'));
    await addLocalAccount(runtime.engine, ADA.email, await hashPassword(ADA.password)); // what `mcp-pa user add` does
    server = await startHttpServer(runtime);
  });
  after(async () => {
    await server?.close();
    await runtime?.close();
  });

  const register = async (metadata: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], ...metadata }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  /** Ada signs in at a fresh browser, answers the consent page (if shown), and the client redeems the code; the pages she saw and the tokens. */
  async function signIn(clientId: string, scope: string, decision: 'allow' | 'read' = 'allow', extra: Record<string, string> = {}) {
    const verifier = oauth.generateRandomCodeVerifier();
    const query = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope,
      state: 's',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    };
    const pages: string[] = [];
    const callback = await signInAndConsent(new URL(`${server.url}/oauth/authorize?${new URLSearchParams(query)}`), REDIRECT, { ...ADA, decision }, pages);
    const code = callback.searchParams.get('code');
    assert.ok(code, `no code: ${callback}`);
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier }),
    });
    const tokens = (await res.json()) as { access_token: string; refresh_token?: string; scope?: string; id_token?: string };
    assert.ok(tokens.access_token, JSON.stringify(tokens));
    return {
      tokens,
      consentShown: pages.some((page) => page.includes('name="decision"')),
      consentPage: pages.find((page) => page.includes('name="decision"')),
    };
  }

  const call = (tool: string, token: string) =>
    fetch(`${server.url}/mcp`, modernToolCall(tool, tool === 'create_todo' ? { title: 'written by a client' } : {}, token));

  it('every address in its metadata and the protected resource metadata exists', async () => {
    const documents = [
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ];
    const addresses = new Map<string, string>();
    const collect = (value: unknown, where: string) => {
      if (typeof value === 'string' && /^https?:\/\//.test(value)) addresses.set(value, where);
      else if (Array.isArray(value)) value.forEach((item, i) => collect(item, `${where}[${i}]`));
      else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) collect(item, `${where} ${key}`);
    };
    for (const path of documents) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      collect(await res.json(), path);
    }
    assert.ok(addresses.size >= 8, `the endpoints, the issuer, the resource (got ${[...addresses.keys()].join(', ')})`);
    const missing: string[] = [];
    for (const [address, where] of addresses) {
      // A GET may be refused (400, 401, 405: the endpoint wants POST, parameters or a token), never missing.
      const status = await fetch(address, { redirect: 'manual' }).then(
        (res) => res.status,
        (err: Error) => `unreachable (${err.message})`,
      );
      if (status === 404 || typeof status === 'string') missing.push(`${where}: ${address} answered ${status}`);
    }
    assert.deepEqual(missing, []);
  });

  it('advertises only the scopes a client can use', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/.well-known/oauth-protected-resource/mcp']) {
      const metadata = (await (await fetch(`${server.url}${path}`)).json()) as { scopes_supported: string[] };
      assert.deepEqual(metadata.scopes_supported, ['pa:read', 'pa:write'], path);
    }
    // And does what it says: a client that asks for openid anyway gets no ID token.
    const { body: client } = await register({ redirect_uris: [REDIRECT] });
    const { tokens } = await signIn(client.client_id!, 'openid pa:read');
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.scope, 'pa:read');
  });

  it('refuses every redirect URI but https and http to localhost, 127.0.0.1 or [::1], and says why', async () => {
    for (const [uri, extra, reason] of [
      ['ms-settings:privacy', { application_type: 'native' }, /ms-settings scheme/],
      ['ms-settings:privacy', {}, /ms-settings scheme/],
      ['view-source:https://app.example.com/cb', { application_type: 'native' }, /view-source scheme/],
      ['com.example.app:/cb', { application_type: 'native' }, /com\.example\.app scheme/],
      ['javascript:alert(1)', {}, /javascript scheme/],
      ['http://app.example.com/cb', {}, /http to a host that is not this machine/],
      ['http://localhost.evil.example/cb', {}, /http to a host that is not this machine/],
      ['https://app.example.com/cb#fragment', {}, /fragment/],
      ['https://*.example.com/cb', {}, /wildcard/],
      ['http://127.0.0.1:9@evil.example/cb', {}, /user name or password|not this machine/],
    ] as const) {
      const { status, body } = await register({ redirect_uris: [uri], ...extra });
      assert.equal(status, 400, `${uri} must be refused`);
      assert.equal(body.error, 'invalid_redirect_uri', uri);
      assert.match(body.error_description ?? '', reason, `${uri}: the real reason`);
      assert.ok(body.error_description?.includes(JSON.stringify(uri)), `${uri}: named in ${body.error_description}`);
      assert.doesNotMatch(body.error_description ?? '', /did not match/, uri);
    }
    for (const uri of [
      'https://app.example.com/cb',
      'http://localhost:33418/oauth/callback',
      'http://127.0.0.1:9/callback',
      'http://[::1]:8080/cb',
      'http://localhost/cb',
    ]) {
      const { status, body } = await register({ redirect_uris: [uri] });
      assert.equal(status, 201, `${uri} is allowed: ${JSON.stringify(body)}`);
    }
  });

  it('lets the person allow reading only: the token carries pa:read alone, and remembered consent keeps that choice', async () => {
    const { body: client } = await register({ redirect_uris: [REDIRECT], client_name: 'Curious App' });
    const first = await signIn(client.client_id!, 'pa:read pa:write', 'read');
    assert.match(first.consentPage ?? '', /Allow reading only/, 'the page offers the choice');
    assert.deepEqual(decodeJwt(first.tokens.access_token).scope, 'pa:read');
    assert.equal((await call('list_todos', first.tokens.access_token)).status, 200, 'it can read');
    assert.equal((await call('create_todo', first.tokens.access_token)).status, 403, 'it cannot write');

    // A refresh gives no more than was allowed.
    const refreshed = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.tokens.refresh_token!, client_id: client.client_id! }),
    });
    assert.equal(decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).scope, 'pa:read');

    // The next sign-in of that client asks nothing and still gives reading only.
    const again = await signIn(client.client_id!, 'pa:read pa:write', 'allow');
    assert.equal(again.consentShown, false, 'the choice is remembered');
    assert.equal(decodeJwt(again.tokens.access_token).scope, 'pa:read', 'and kept');

    // Asked explicitly (prompt=consent), the person may change her mind.
    const changed = await signIn(client.client_id!, 'pa:read pa:write', 'allow', { prompt: 'consent' });
    assert.equal(changed.consentShown, true);
    assert.equal(decodeJwt(changed.tokens.access_token).scope, 'pa:read pa:write');
    assert.equal((await call('create_todo', changed.tokens.access_token)).status, 200);
  });

  it('stops the tokens of a client at once when it is removed, by RFC 7592 DELETE or by mcp-pa client remove', async () => {
    const deleted = await register({ redirect_uris: [REDIRECT] });
    const removed = await register({ redirect_uris: [REDIRECT] });
    const deletedTokens = (await signIn(deleted.body.client_id!, 'pa:read pa:write')).tokens;
    const removedTokens = (await signIn(removed.body.client_id!, 'pa:read pa:write')).tokens;
    for (const tokens of [deletedTokens, removedTokens]) assert.equal((await call('list_todos', tokens.access_token)).status, 200);

    const deletion = await fetch(deleted.body.registration_client_uri!, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${deleted.body.registration_access_token}` },
    });
    assert.equal(deletion.status, 204);
    await removeClient(runtime.engine, removed.body.client_id!); // what `mcp-pa client remove` runs

    for (const tokens of [deletedTokens, removedTokens]) {
      const refused = await call('list_todos', tokens.access_token);
      assert.equal(refused.status, 401, 'the access token stops at once, not within the hour');
      assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token.*client this token was issued to has been removed/);
    }
    // Their refresh tokens and grants went with them.
    const remaining = await runtime.engine.db
      .selectFrom('oauth_records')
      .select(['model', 'payload'])
      .where('model', 'in', ['Grant', 'RefreshToken'])
      .execute();
    for (const clientId of [deleted.body.client_id!, removed.body.client_id!]) {
      assert.deepEqual(
        remaining.filter((row) => row.payload.includes(clientId)).map((row) => row.model),
        [],
        `${clientId}: nothing left`,
      );
    }
  });
});
