import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeTestPki, type TestPki } from '../helpers/certificates.js';
import { HttpTestServer, withConfigFile } from '../helpers/http-server.js';

/** Connects with the given TLS settings; resolves with the negotiated protocol or rejects with the failure. */
function handshake(port: number, ca: Buffer, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...options }, () => {
      const protocol = socket.getProtocol() ?? '';
      socket.end();
      resolve(protocol);
    });
    socket.once('error', reject);
  });
}

describe('HTTPS', () => {
  let pki: TestPki;
  let server: HttpTestServer;
  let port: number;
  before(async () => {
    pki = makeTestPki();
    const { home, args } = withConfigFile({ mode: 'http', authentication: { enabled: false } });
    server = await HttpTestServer.start({ home, args, env: { MCP_TLS_CERT: pki.serverCert, MCP_TLS_KEY: pki.serverKey } });
    port = Number(new URL(server.url).port);
  });
  after(() => server.close());

  it('serves MCP over HTTPS with HSTS on every response', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { ca: pki.ca } });
    const secureFetch = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
    const client = await server.client('2026-07-28', undefined, secureFetch);
    try {
      const time = (await client.callTool({ name: 'get_current_time', arguments: {} })).structuredContent as { timezone: string };
      assert.ok(time.timezone);
    } finally {
      await client.close();
    }
    for (const path of ['/healthz', '/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await secureFetch(`${server.url}${path}`);
      const hsts = res.headers.get('strict-transport-security') ?? '';
      assert.match(hsts, /includeSubDomains/, path);
      assert.ok(Number(/max-age=(\d+)/.exec(hsts)?.[1]) >= 31_536_000, `${path}: max-age of at least a year (${hsts})`);
    }
  });

  it('refuses TLS 1.0 and 1.1', async () => {
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      // SECLEVEL=0 lets this client offer the old protocol, so the refusal is the server's.
      await assert.rejects(
        handshake(port, pki.ca, { minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }),
        /protocol version|unsupported protocol|alert/i,
        version,
      );
    }
    assert.equal(await handshake(port, pki.ca, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    assert.equal(await handshake(port, pki.ca, {}), 'TLSv1.3');
  });

  it('refuses cipher suites without AEAD (CBC with SHA-1 or SHA-2)', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384']) {
      await assert.rejects(
        handshake(port, pki.ca, { maxVersion: 'TLSv1.2', ciphers: `${cipher}@SECLEVEL=0` }),
        /handshake failure|no shared cipher|alert/i,
        cipher,
      );
    }
    assert.equal(await handshake(port, pki.ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), 'TLSv1.2');
  });
});
