import assert from 'node:assert/strict';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeTestPki } from '../helpers/certificates.js';
import { homeWithAda } from '../helpers/embedded-as.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { forgeToken, unsignedToken } from '../helpers/oauth.js';
import { runCli } from '../helpers/server.js';

interface Event {
  type: string;
  address: string | null;
  details: Record<string, unknown>;
}

/** Every refusal leaves a trace: a round of attacks against one HTTPS deployment, then its audit trail. */
describe('attacks leave an audit trail', () => {
  it('records refused TLS handshakes, tokens in the URL, forged tokens, CSRF, bad registrations and SSRF attempts', async () => {
    const pki = makeTestPki();
    const { home, env } = await homeWithAda();
    const server = await HttpTestServer.start({ home, env: { ...env, MCP_TLS_CERT: pki.serverCert, MCP_TLS_KEY: pki.serverKey } });
    const dispatcher = new Agent({ connect: { ca: pki.ca } });
    const secureFetch = (url: string, init: Record<string, unknown> = {}) => undiciFetch(url, { ...init, dispatcher });
    try {
      const { port } = new URL(server.url);
      // An old protocol: the handshake fails before HTTP.
      await new Promise<void>((resolve) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: Number(port),
          ca: pki.ca,
          servername: 'localhost',
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
        socket.once('error', () => resolve());
        socket.once('secureConnect', () => (socket.end(), resolve()));
      });
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: server.url, sub: 'someone', aud: `${server.url}/mcp`, iat: now, exp: now + 300, scope: 'pa:read' };
      const impostor = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), alg: 'ES256', kid: 'impostor' };
      // A real sign-in page, then its form posted without the CSRF token.
      const registered = await secureFetch(`${server.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
      });
      const { client_id } = (await registered.json()) as { client_id: string };
      const started = await secureFetch(
        `${server.url}/oauth/authorize?response_type=code&client_id=${client_id}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&scope=pa%3Aread&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
        { redirect: 'manual' },
      );
      const cookie = started.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const page = new URL(started.headers.get('location')!, server.url);
      const refusals: [string, Promise<{ status: number }>][] = [
        ['token in the URL', secureFetch(`${server.url}/mcp?access_token=abc`, modernToolCall('list_todos'))],
        ['alg none', secureFetch(`${server.url}/mcp`, modernToolCall('list_todos', {}, unsignedToken(claims)))],
        ['impostor key', secureFetch(`${server.url}/mcp`, modernToolCall('list_todos', {}, await forgeToken(impostor as never, claims)))],
        [
          'javascript: redirect',
          secureFetch(`${server.url}/oauth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ redirect_uris: ['javascript:alert(1)'] }),
          }),
        ],
        [
          'cloud metadata as a client',
          secureFetch(
            `${server.url}/oauth/authorize?response_type=code&client_id=${encodeURIComponent('https://169.254.169.254/latest/client.json')}&redirect_uri=https%3A%2F%2Fx.example%2Fcb&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
            { redirect: 'manual' },
          ),
        ],
        [
          'a sign-in form without its CSRF token',
          secureFetch(`${page}/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
            body: 'csrf=forged&email=a%40b.c&password=y',
          }),
        ],
      ];
      for (const [what, pending] of refusals) assert.ok((await pending).status >= 400, what);
    } finally {
      await server.close();
    }

    const tail = await runCli(['audit', 'tail', '--last', '200'], home, env);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    const has = (type: string, match: (e: Event) => boolean = () => true) =>
      assert.ok(
        events.some((e) => e.type === type && match(e)),
        `${type} is recorded (${[...new Set(events.map((e) => e.type))].join(', ')})`,
      );
    has('tls.refused');
    has('auth.denied', (e) => e.details.reason === 'token outside the Authorization header');
    has('auth.denied', (e) => /none|unsigned|algorithm/i.test(String(e.details.reason)));
    has('auth.denied', (e) => /key the issuer does not publish/.test(String(e.details.reason)));
    has('auth.denied', (e) => e.details.route === 'registration');
    has('ssrf.blocked', (e) => e.details.host === '169.254.169.254');
    has('csrf.refused');
    for (const event of events) if (event.address) assert.match(event.address, /^[\w-]{16}$/, 'addresses only as pseudonyms');
  });
});
