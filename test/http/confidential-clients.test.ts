import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey as JoseKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeClientCertificate, makeTestPki, type ClientCertificate, type TestPki } from '../helpers/certificates.js';
import { systemClock } from '../../src/clock.js';
import { addClient as addClientTo } from '../../src/auth/clients.js';
import { ADA, homeWithAda } from '../helpers/embedded-as.js';
import { startHttpInProcess } from '../helpers/http-in-process.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { signInAndConsent } from '../helpers/oauth.js';
import { runCli } from '../helpers/server.js';
import { rawSql } from '../helpers/engines.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];

interface Added {
  clientId: string;
  secret?: string;
}

/** `mcp-pa client add` as an administrator runs it; the client_id and the secret it printed once. */
async function addClient(home: string, env: Record<string, string>, args: string[]): Promise<Added> {
  const result = await runCli(['client', 'add', ...args], home, env);
  assert.equal(result.code, 0, result.stderr);
  return { clientId: /client_id: (\S+)/.exec(result.stdout)![1]!, secret: /client_secret: (\S+)/.exec(result.stdout)?.[1] };
}

describe('confidential clients over HTTPS (client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth)', () => {
  let pki: TestPki;
  let server: HttpTestServer;
  let as: oauth.AuthorizationServer;
  const clients: Record<string, Added> = {};
  let signingKey: JoseKey;
  let otherKey: JoseKey;
  let publicJwk: Record<string, unknown>;
  let agentCert: ClientCertificate;
  let selfSigned: ClientCertificate;
  /** fetch over HTTPS trusting the test CA, presenting this client certificate (or none). */
  const fetchWith = (certificate?: ClientCertificate): typeof fetch => {
    const dispatcher = new Agent({ connect: { ca: pki.ca, ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) } });
    return ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  };
  const options = (certificate?: ClientCertificate) => ({ [oauth.customFetch]: fetchWith(certificate) });

  before(async () => {
    pki = makeTestPki();
    agentCert = makeClientCertificate(pki, '/O=Example/CN=billing-agent');
    selfSigned = makeClientCertificate(pki, '/CN=self-signed-agent', { selfSigned: true });
    ({ privateKey: signingKey, publicKey: publicJwk } = await (async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      return { privateKey: pair.privateKey, publicKey: { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig', kid: 'agent-key-1' } };
    })());
    otherKey = (await generateKeyPair('ES256')).privateKey;

    const { home, env } = await homeWithAda();
    const config = path.join(home, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ authentication: { client_auth_methods: METHODS } }));
    const serverEnv = { ...env, MCP_PA_CONFIG: config, MCP_TLS_CERT: pki.serverCert, MCP_TLS_KEY: pki.serverKey, MCP_TLS_CLIENT_CA: pki.caCert };
    const jwksFile = path.join(home, 'agent.jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
    const selfSignedJwks = path.join(home, 'self-signed.jwks.json');
    const x5c = new crypto.X509Certificate(selfSigned.cert).raw.toString('base64');
    fs.writeFileSync(selfSignedJwks, JSON.stringify({ keys: [{ ...(await exportJWK(crypto.createPublicKey(selfSigned.cert))), x5c: [x5c] }] }));
    const common = ['--redirect-uri', REDIRECT, '--owner', ADA.email];
    clients.basic = await addClient(home, serverEnv, ['--name', 'Basic Agent', '--auth-method', 'client_secret_basic', ...common]);
    clients.post = await addClient(home, serverEnv, ['--name', 'Post Agent', '--auth-method', 'client_secret_post', ...common]);
    clients.readOnly = await addClient(home, serverEnv, [
      '--name',
      'Reader',
      '--auth-method',
      'client_secret_basic',
      '--owner',
      ADA.email,
      '--scope',
      'pa:read',
    ]);
    clients.jwt = await addClient(home, serverEnv, ['--name', 'JWT Agent', '--auth-method', 'private_key_jwt', '--jwks-file', jwksFile, ...common]);
    clients.mtls = await addClient(home, serverEnv, [
      '--name',
      'Billing Agent',
      '--auth-method',
      'tls_client_auth',
      '--tls-subject-dn',
      'CN=billing-agent,O=Example',
      ...common,
    ]);
    clients.selfSigned = await addClient(home, serverEnv, [
      '--name',
      'Self-signed Agent',
      '--auth-method',
      'self_signed_tls_client_auth',
      '--jwks-file',
      selfSignedJwks,
      '--owner',
      ADA.email,
    ]);
    clients.keysElsewhere = await addClient(home, serverEnv, [
      '--name',
      'Keys on a private host',
      '--auth-method',
      'private_key_jwt',
      '--jwks-uri',
      'https://10.0.0.1/jwks.json',
      '--owner',
      ADA.email,
    ]);
    server = await HttpTestServer.start({ home, env: serverEnv });
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...options() }));
  });
  after(() => server?.close());

  /** The tokens of a client_credentials grant, or the OAuth error it got. */
  async function serviceToken(client: oauth.Client, auth: oauth.ClientAuth, certificate?: ClientCertificate, parameters: Record<string, string> = {}) {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      new URLSearchParams({ resource: `${server.url}/mcp`, ...parameters }),
      options(certificate),
    );
    return oauth.processClientCredentialsResponse(as, client, response);
  }
  const refusedAs = (error: string) => (err: { error?: string; cause?: { error?: string } }) => (err.error ?? err.cause?.error) === error;
  const callTool = (token: string, certificate?: ClientCertificate, name = 'list_todos', args: Record<string, unknown> = {}) =>
    fetchWith(certificate)(`${server.url}/mcp`, modernToolCall(name, args, token));

  it('advertises exactly the methods it checks, and issues secrets of 256 bits', async () => {
    assert.deepEqual([...(as.token_endpoint_auth_methods_supported ?? [])].sort(), ['none', ...METHODS].sort());
    assert.equal(as.tls_client_certificate_bound_access_tokens, true);
    assert.ok(!as.token_endpoint_auth_signing_alg_values_supported?.some((alg) => alg.startsWith('HS') || alg === 'none'));
    assert.ok(clients.basic!.secret && Buffer.from(clients.basic!.secret, 'base64url').length >= 32, 'a secret of 256 bits');
  });

  it('client_secret_basic: a service client acts for its owner; a wrong, empty or ill-encoded secret is invalid_client with a Basic challenge', async () => {
    const client = { client_id: clients.basic!.clientId };
    const tokens = await serviceToken(client, oauth.ClientSecretBasic(clients.basic!.secret!));
    const created = await callTool(tokens.access_token, undefined, 'create_todo', { title: 'filed by the basic agent' });
    assert.equal(created.status, 200, await created.clone().text());
    for (const header of [
      `Basic ${Buffer.from(`${client.client_id}:not-the-secret`).toString('base64')}`,
      `Basic ${Buffer.from(`${client.client_id}:`).toString('base64')}`,
      'Basic !!!not-base64!!!',
      `Basic ${Buffer.from('no-colon-at-all').toString('base64')}`,
    ]) {
      const res = await fetchWith()(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: header, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      assert.equal(res.status, 401, header);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client', header);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /, header);
    }
  });

  it('client_credentials: only the scopes the client was given', async () => {
    const client = { client_id: clients.readOnly!.clientId };
    const tokens = await serviceToken(client, oauth.ClientSecretBasic(clients.readOnly!.secret!), undefined, { scope: 'pa:read' });
    assert.equal((await callTool(tokens.access_token)).status, 200);
    assert.equal((await callTool(tokens.access_token, undefined, 'create_todo', { title: 'x' })).status, 403, 'a read-only service client cannot write');
    await assert.rejects(
      serviceToken(client, oauth.ClientSecretBasic(clients.readOnly!.secret!), undefined, { scope: 'pa:write' }),
      refusedAs('invalid_scope'),
    );
  });

  it('client_secret_post', async () => {
    const tokens = await serviceToken({ client_id: clients.post!.clientId }, oauth.ClientSecretPost(clients.post!.secret!));
    assert.ok(tokens.access_token);
  });

  /** A client assertion (RFC 7523) signed with the agent's key unless told otherwise. */
  const assertion = (claims: Record<string, unknown> = {}, key: JoseKey | Uint8Array = signingKey, header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const id = clients.jwt!.clientId;
    return new SignJWT({ iss: id, sub: id, aud: server.url, jti: crypto.randomUUID(), iat: now, exp: now + 60, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'agent-key-1', ...header })
      .sign(key);
  };
  const withAssertion = (jwt: string) =>
    fetchWith()(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clients.jwt!.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
        resource: `${server.url}/mcp`,
      }),
    });

  it('private_key_jwt: a fresh assertion works once; replay, wrong audience, expired, far-future, alg none, HS256 with the public key, and an unknown key fail', async () => {
    const tokens = await serviceToken({ client_id: clients.jwt!.clientId }, oauth.PrivateKeyJwt(signingKey as never));
    assert.equal((await callTool(tokens.access_token)).status, 200);
    const once = await assertion();
    assert.equal((await withAssertion(once)).status, 200);
    const now = Math.floor(Date.now() / 1000);
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const noneBody = Buffer.from(
      JSON.stringify({ iss: clients.jwt!.clientId, sub: clients.jwt!.clientId, aud: server.url, jti: crypto.randomUUID(), exp: now + 60 }),
    ).toString('base64url');
    const refused: [string, string, number?, string?][] = [
      ['the same assertion again (replayed jti)', once],
      ['another audience', await assertion({ aud: 'https://elsewhere.example' })],
      ['expired', await assertion({ iat: now - 600, exp: now - 300 })],
      ['far in the future', await assertion({ exp: now + 3600 })],
      // oidc-provider reads the client from sub: one that differs from client_id is a contradiction.
      ['a subject that is not the client', await assertion({ sub: 'someone-else' }), 400, 'invalid_request'],
      ['alg none', `${noneHeader}.${noneBody}.`],
      ['HS256 keyed with the public key', await assertion({}, new TextEncoder().encode(JSON.stringify(publicJwk)), { alg: 'HS256' })],
      ['signed by an unknown key', await assertion({}, otherKey)],
    ];
    for (const [what, jwt, status = 401, error = 'invalid_client'] of refused) {
      const res = await withAssertion(jwt);
      const answer = (await res.json()) as { error: string; error_description?: string };
      assert.equal(res.status, status, `${what}: ${JSON.stringify(answer)}`);
      assert.equal(answer.error, error, what);
    }
  });

  it('private_key_jwt with a jwks_uri: fetched through the SSRF-safe fetch, so a private address is never asked', async () => {
    const now = Math.floor(Date.now() / 1000);
    const id = clients.keysElsewhere!.clientId;
    const jwt = await new SignJWT({ iss: id, sub: id, aud: server.url, jti: crypto.randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'agent-key-1' })
      .sign(signingKey);
    const res = await fetchWith()(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: id,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      }),
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
    assert.ok(
      server.logs.some((line) => line.includes('"ssrf.blocked"') && line.includes('10.0.0.1')),
      'the blocked fetch is logged',
    );
  });

  it('tls_client_auth: the registered subject from the trusted CA gets a certificate-bound token, useless without that certificate', async () => {
    const client = { client_id: clients.mtls!.clientId };
    const tokens = await serviceToken(client, oauth.TlsClientAuth(), agentCert);
    const cnf = decodeJwt(tokens.access_token).cnf as Record<string, string>;
    assert.equal(cnf['x5t#S256'], crypto.createHash('sha256').update(new crypto.X509Certificate(agentCert.cert).raw).digest('base64url'));
    assert.equal((await callTool(tokens.access_token, agentCert)).status, 200, 'with its certificate');
    const stolen = await callTool(tokens.access_token);
    assert.equal(stolen.status, 401, 'replayed without the certificate');
    assert.match(stolen.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal(
      (await callTool(tokens.access_token, makeClientCertificate(pki, '/O=Example/CN=billing-agent'))).status,
      401,
      'or with another certificate of the same subject',
    );

    await assert.rejects(serviceToken(client, oauth.TlsClientAuth()), refusedAs('invalid_client'), 'no certificate');
    await assert.rejects(serviceToken(client, oauth.TlsClientAuth(), selfSigned), refusedAs('invalid_client'), 'a certificate from another CA');
    await assert.rejects(
      serviceToken(client, oauth.TlsClientAuth(), makeClientCertificate(pki, '/O=Example/CN=someone-else')),
      refusedAs('invalid_client'),
      'a subject that does not match',
    );
  });

  it('self_signed_tls_client_auth: the registered certificate, and only it', async () => {
    const client = { client_id: clients.selfSigned!.clientId };
    const tokens = await serviceToken(client, oauth.TlsClientAuth(), selfSigned);
    assert.equal((await callTool(tokens.access_token, selfSigned)).status, 200);
    await assert.rejects(
      serviceToken(client, oauth.TlsClientAuth(), makeClientCertificate(pki, '/CN=self-signed-agent', { selfSigned: true })),
      refusedAs('invalid_client'),
    );
  });

  for (const [method, key] of [
    ['client_secret_basic', 'basic'],
    ['client_secret_post', 'post'],
    ['private_key_jwt', 'jwt'],
    ['tls_client_auth', 'mtls'],
  ] as const) {
    it(`${method}: the authorization code flow through oauth4webapi, then a tool call`, async () => {
      const client = { client_id: clients[key]!.clientId };
      const auth =
        method === 'client_secret_basic'
          ? oauth.ClientSecretBasic(clients[key]!.secret!)
          : method === 'client_secret_post'
            ? oauth.ClientSecretPost(clients[key]!.secret!)
            : method === 'private_key_jwt'
              ? oauth.PrivateKeyJwt(signingKey as never)
              : oauth.TlsClientAuth();
      const certificate = method === 'tls_client_auth' ? agentCert : undefined;
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      const query = {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        scope: 'pa:read pa:write',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        resource: `${server.url}/mcp`,
      };
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      const callback = await signInAndConsent(url, REDIRECT, ADA, [], fetchWith());
      const params = oauth.validateAuthResponse(as, client, callback, state);
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, options(certificate)),
      );
      assert.equal(decodeJwt(tokens.access_token).sub !== client.client_id, true, 'a person signed in: the token speaks for them');
      assert.equal((await callTool(tokens.access_token, certificate)).status, 200);
    });
  }
});

describe('client registration of confidential clients', () => {
  it('mcp-pa client add, list and remove: the secret is shown once and sealed at rest', async () => {
    const { home, env } = await homeWithAda();
    const config = path.join(home, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ authentication: { client_auth_methods: ['client_secret_basic'] } }));
    const withConfig = { ...env, MCP_PA_CONFIG: config };
    const added = await addClient(home, withConfig, ['--name', 'Nightly Report', '--auth-method', 'client_secret_basic', '--owner', ADA.email]);
    const stored = await rawSql(home, "SELECT payload FROM oauth_records WHERE model = 'Client'", [], process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
    assert.equal(stored.length, 1);
    assert.doesNotMatch(String(stored[0]!.payload), new RegExp(added.secret!), 'the secret is not in the database');
    assert.match(String(stored[0]!.payload), /"client_secret":"sealed:/);
    const listed = await runCli(['client', 'list', '--json'], home, withConfig);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, new RegExp(added.secret!), 'nor in the list');
    const [entry] = JSON.parse(listed.stdout) as { client_id: string; client_name: string; owner: string; origin: string }[];
    assert.deepEqual([entry!.client_id, entry!.client_name, entry!.origin], [added.clientId, 'Nightly Report', 'administrator']);
    assert.ok(entry!.owner);

    const refused = await runCli(['client', 'add', '--name', 'x', '--auth-method', 'tls_client_auth', '--owner', ADA.email], home, withConfig);
    assert.equal(refused.code, 2, 'a method the configuration does not list');
    assert.match(refused.stderr, /token_endpoint_auth_method/);
    const noPurpose = await runCli(['client', 'add', '--name', 'x', '--auth-method', 'client_secret_basic'], home, withConfig);
    assert.match(noPurpose.stderr, /needs --redirect-uri .* or --owner/);
    const unknownOwner = await runCli(
      ['client', 'add', '--name', 'x', '--auth-method', 'client_secret_basic', '--owner', 'nobody@example.com'],
      home,
      withConfig,
    );
    assert.match(unknownOwner.stderr, /no account with email "nobody@example.com"/);

    // A token of the service client, good before the client is removed and refused right after.
    let server = await HttpTestServer.start({ home, env: withConfig });
    const basic = `Basic ${Buffer.from(`${added.clientId}:${added.secret}`).toString('base64')}`;
    const issued = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('list_todos', {}, token))).status, 200);
    await server.close();
    const removed = await runCli(['client', 'remove', added.clientId], home, withConfig);
    assert.equal(removed.code, 0, removed.stderr);
    server = await HttpTestServer.start({ home, env: withConfig });
    try {
      assert.equal(
        (await fetch(`${server.url}/mcp`, modernToolCall('list_todos', {}, token))).status,
        401,
        "a removed service client's token is refused at once",
      );
    } finally {
      await server.close();
    }
    assert.match((await runCli(['client', 'list'], home, withConfig)).stdout, /^no clients$/m);
    assert.match((await runCli(['client', 'remove', added.clientId], home, withConfig)).stderr, /no client/);
  });

  it('refuses an owner or the client_credentials grant through Dynamic Client Registration, and never shows a secret twice', async () => {
    const { home, env } = await homeWithAda();
    const config = path.join(home, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ authentication: { client_auth_methods: ['client_secret_basic'] } }));
    const server = await HttpTestServer.start({ home, env: { ...env, MCP_PA_CONFIG: config } });
    try {
      const register = (metadata: Record<string, unknown>) =>
        fetch(`${server.url}/oauth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT], ...metadata }),
        });
      assert.equal(
        (await register({ token_endpoint_auth_method: 'client_secret_basic', mcp_pa_owner: 'anyone' })).status,
        400,
        'an owner is for administrators to set',
      );
      assert.equal(
        (await register({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] })).status,
        400,
        'client_credentials needs an owner',
      );
      const registered = await register({ token_endpoint_auth_method: 'client_secret_basic' });
      assert.equal(registered.status, 201);
      const body = (await registered.json()) as {
        client_id: string;
        client_secret: string;
        registration_access_token: string;
        registration_client_uri: string;
      };
      assert.ok(body.client_secret, 'shown once, at registration');
      const read = (await (
        await fetch(body.registration_client_uri, { headers: { authorization: `Bearer ${body.registration_access_token}` } })
      ).json()) as Record<string, unknown>;
      assert.equal(read.client_secret, undefined, 'not when the registration is read back');
      const claimOwner = await fetch(body.registration_client_uri, {
        method: 'PUT',
        headers: { authorization: `Bearer ${body.registration_access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: body.client_id,
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'client_secret_basic',
          mcp_pa_owner: 'anyone',
          grant_types: ['authorization_code', 'client_credentials'],
        }),
      });
      assert.equal(claimOwner.status, 400, 'nor can an update give a client an owner');
      const renamed = await fetch(body.registration_client_uri, {
        method: 'PUT',
        headers: { authorization: `Bearer ${body.registration_access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: body.client_id,
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'client_secret_basic',
          client_name: 'Renamed',
        }),
      });
      assert.equal(renamed.status, 200);
      assert.equal(((await renamed.json()) as Record<string, unknown>).client_secret, undefined, 'nor when it is updated');
      const token = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(body.client_id)}:${encodeURIComponent(body.client_secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'a-code-never-issued', redirect_uri: REDIRECT, code_verifier: 'a'.repeat(43) }),
      });
      const answer = (await token.json()) as { error: string; error_description: string };
      assert.equal(answer.error, 'invalid_grant', `the secret authenticates the client (the code is what fails): ${answer.error_description}`);
    } finally {
      await server.close();
    }
  });
});

describe('a client secret that expires', () => {
  // In this process over loopback HTTP, with the clock of the authorization server (Date:
  // oidc-provider reads no other) moved past the expiry instead of waited for.
  it('works until it expires, then is invalid_client', async () => {
    const { home, env } = await homeWithAda();
    const config = path.join(home, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ authentication: { client_auth_methods: ['client_secret_basic'] } }));
    let added: { clientId: string; secret?: string; expiresAt?: number } | undefined;
    const server = await startHttpInProcess({
      home,
      env: { ...env, MCP_PA_CONFIG: config },
      clock: systemClock,
      prepare: async (runtime) => {
        added = await addClientTo(runtime, {
          name: 'Short-lived',
          authMethod: 'client_secret_basic',
          redirectUris: [],
          owner: ADA.email,
          scope: 'pa:read pa:write',
          secretExpiresInDays: 1,
        });
      },
    });
    try {
      const issuer = new URL(server.url);
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }),
      );
      const token = async () => {
        const client = { client_id: added!.clientId };
        const response = await oauth.clientCredentialsGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(added!.secret!),
          new URLSearchParams({ resource: server.mcpUrl.href }),
          {
            [oauth.allowInsecureRequests]: true,
          },
        );
        return oauth.processClientCredentialsResponse(as, client, response);
      };
      assert.ok((await token()).access_token, 'the secret works before it expires');
      mock.timers.enable({ apis: ['Date'], now: added!.expiresAt! * 1000 + 6_000 }); // past the expiry and the 5 s of tolerance
      await assert.rejects(token(), (err: { error?: string; cause?: { error?: string } }) => (err.error ?? err.cause?.error) === 'invalid_client');
    } finally {
      mock.timers.reset();
      await server.close(); // before the test database is dropped
    }
  });
});
