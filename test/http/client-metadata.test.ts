import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { ADA, serverWithAda } from '../helpers/embedded-as.js';
import { makeTestPki } from '../helpers/certificates.js';
import type { HttpTestServer } from '../helpers/http-server.js';
import { MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/**
 * A client's web site on this machine (HTTPS, a certificate from a test CA the server is told to
 * trust), serving Client ID Metadata Documents good and bad. Counts connections and requests.
 */
async function startClientSite() {
  const pki = makeTestPki();
  const hits = new Map<string, number>();
  let connections = 0;
  let origin = '';
  const document = (path: string, extra: Record<string, unknown> = {}) => ({
    client_id: `${origin}${path}`,
    client_name: 'Metadata Document Client',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });
  const routes: Record<string, (res: ServerResponse, path: string) => void> = {
    '/clients/good.json': (res, path) =>
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(document(path))),
    '/clients/moved.json': (res) => res.writeHead(302, { location: `${origin}/clients/good.json` }).end(),
    '/clients/huge.json': (res, path) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(path, { padding: 'x'.repeat(64 * 1024) }))),
    '/clients/slow.json': () => undefined, // never answers
    '/clients/impostor.json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document('/clients/good.json'))),
    '/clients/secret.json': (res, path) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(path, { token_endpoint_auth_method: 'client_secret_basic' }))),
    '/clients/plain-http-redirect.json': (res, path) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(path, { redirect_uris: ['http://app.example.com/cb'] }))),
  };
  const server = https.createServer({ cert: fs.readFileSync(pki.serverCert), key: fs.readFileSync(pki.serverKey) }, (req, res) => {
    const path = new URL(req.url!, origin).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(res, path);
    else res.writeHead(404).end();
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `https://localhost:${port}`;
  return {
    pki,
    port,
    url: (path: string) => `${origin}${path}`,
    hits: (path: string) => hits.get(path) ?? 0,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

type ClientSite = Awaited<ReturnType<typeof startClientSite>>;

const authorizeUrl = (server: HttpTestServer, clientId: string, redirect = REDIRECT) =>
  `${server.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'pa:read', state: 's', code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`;

/** An authorization request naming the client by URL; the error the server answers with (never a redirect). */
async function refusal(server: HttpTestServer, clientId: string, redirect = REDIRECT): Promise<string> {
  const res = await fetch(authorizeUrl(server, clientId, redirect), { redirect: 'manual' });
  assert.equal(res.status, 400, `${clientId} must be refused (got ${res.status} ${res.headers.get('location') ?? ''})`);
  return ((await res.json()) as { error: string }).error;
}

describe('Client ID Metadata Documents (development setting: a client site on this machine)', () => {
  let site: ClientSite;
  let server: HttpTestServer;
  before(async () => {
    site = await startClientSite();
    // The test CA is trusted the way an operator trusts a private one: NODE_EXTRA_CA_CERTS, read as Node starts.
    server = await serverWithAda({ MCP_OAUTH_ALLOW_PRIVATE_FETCH: 'true', NODE_EXTRA_CA_CERTS: site.pki.caCert }, { binary: true });
  });
  after(async () => {
    await server.close();
    site.close();
  });

  it('are advertised in the server metadata', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata.client_id_metadata_document_supported, true);
  });

  it('let the official SDK client sign in with its URL as client_id, call tools and refresh, fetching the document once', async () => {
    const documentUrl = site.url('/clients/good.json');
    const provider = new MemoryOAuthProvider(documentUrl);
    const first = new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider });
    await assert.rejects(
      new Client({ name: 'cimd-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }).connect(first),
      UnauthorizedError,
    );
    assert.equal(provider.authorizationUrl!.searchParams.get('client_id'), documentUrl, 'no registration: the URL is the client id');
    const pages: string[] = [];
    const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA, pages);
    assert.match(
      pages.find((p) => p.includes('name="decision"'))!,
      /Allow Metadata Document Client\?/,
      'the consent page names the client as its document does',
    );
    await first.finishAuth(callback.searchParams);
    const client = new Client({ name: 'cimd-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider }));
    const todo = (await client.callTool({ name: 'create_todo', arguments: { title: 'from a metadata-document client' } })).structuredContent as {
      title: string;
    };
    assert.equal(todo.title, 'from a metadata-document client');
    await client.close();

    const before = provider.tokens()!;
    assert.ok(before.refresh_token, 'the document asked for the refresh_token grant');
    assert.equal(await auth(provider, { serverUrl: server.mcpUrl }), 'AUTHORIZED');
    assert.notEqual(provider.tokens()!.refresh_token, before.refresh_token, 'refreshed and rotated');
    assert.notEqual(provider.tokens()!.access_token, before.access_token);
    assert.equal(site.hits('/clients/good.json'), 1, 'cached for the max-age the document was served with');
  });

  it('refuse documents that redirect, are too large, never arrive, name another client_id, want a shared secret, or list a redirect URI the policy forbids', async () => {
    const goodHits = site.hits('/clients/good.json');
    assert.equal(await refusal(server, site.url('/clients/moved.json')), 'invalid_client');
    assert.equal(site.hits('/clients/good.json'), goodHits, 'the redirect was not followed');
    assert.equal(await refusal(server, site.url('/clients/huge.json')), 'invalid_client');
    assert.equal(await refusal(server, site.url('/clients/slow.json')), 'invalid_client');
    assert.equal(await refusal(server, site.url('/clients/impostor.json')), 'invalid_client_metadata');
    assert.equal(await refusal(server, site.url('/clients/secret.json')), 'invalid_client_metadata');
    assert.equal(await refusal(server, site.url('/clients/plain-http-redirect.json')), 'invalid_redirect_uri');
    assert.equal(await refusal(server, site.url('/clients/missing.json')), 'invalid_client');
  });

  it('refuse a redirect_uri the document does not list', async () => {
    assert.equal(await refusal(server, site.url('/clients/good.json'), 'http://127.0.0.1:9/elsewhere'), 'invalid_redirect_uri');
  });
});

describe('Client ID Metadata Documents (the production setting)', () => {
  let site: ClientSite;
  let server: HttpTestServer;
  before(async () => {
    site = await startClientSite();
    // The test CA is trusted, so only the address policy stands between the server and the site.
    server = await serverWithAda({ NODE_EXTRA_CA_CERTS: site.pki.caCert }, { binary: true });
  });
  after(async () => {
    await server.close();
    site.close();
  });

  it('are never fetched from loopback, private, link-local or unique-local addresses, by name or literally', async () => {
    const targets = [
      site.url('/clients/good.json'), // localhost, by name: refused at the DNS lookup the connection uses
      `https://127.0.0.1:${site.port}/clients/good.json`,
      `https://[::ffff:127.0.0.1]:${site.port}/clients/good.json`,
      'https://169.254.169.254/latest/meta-data.json',
      'https://10.0.0.1/client.json',
      'https://192.168.1.1/client.json',
      'https://[fc00::1]/client.json',
      'https://[fe80::1]/client.json',
    ];
    for (const target of targets) assert.equal(await refusal(server, target), 'invalid_client');
    assert.equal(site.connections(), 0, 'no connection ever reached the site');
    const blocked = server.logs.filter((line) => line.includes('"ssrf.blocked"')).map((line) => JSON.parse(line).host as string);
    for (const host of ['localhost', '127.0.0.1', '::ffff:7f00:1', '169.254.169.254', '10.0.0.1', '192.168.1.1', 'fc00::1', 'fe80::1']) {
      assert.ok(blocked.includes(host), `the refusal for ${host} is logged`);
    }
  });
});
