import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { devServer, HttpTestServer } from '../helpers/http-server.js';
import { modernRequest } from '../helpers/mcp-wire.js';
import { day, runCli, tempHome, type Era } from '../helpers/server.js';

const ERAS: (Era | '2025-06-18')[] = ['2026-07-28', 'legacy', '2025-06-18'];
const JSON_RPC_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('HTTP mode on loopback, authentication off', () => {
  let server: HttpTestServer;
  before(async () => {
    const { home, args } = devServer();
    server = await HttpTestServer.start({ home, args, env: { MCP_ALLOWED_ORIGINS: 'https://app.example.com, https://Other.Example.com' } });
  });
  after(() => server.close());

  for (const era of ERAS) {
    it(`serves the tools, resources and prompts to a ${era} client, each request on its own`, async () => {
      const client = await server.client(era);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), era === 'legacy' ? '2025-11-25' : era);
        const created = (await client.callTool({ name: 'create_todo', arguments: { title: `over HTTP (${era})`, due_date: day(1) } })).structuredContent as {
          id: string;
        };
        const listed = (await client.callTool({ name: 'list_todos', arguments: {} })).structuredContent as { items: { id: string }[] };
        assert.ok(
          listed.items.some((t) => t.id === created.id),
          'the new todo is listed by the next request',
        );
        const status = await client.readResource({ uri: 'pa://status' });
        assert.equal(status.contents[0]!.mimeType, 'application/json');
        const prompt = await client.getPrompt({ name: 'daily_briefing', arguments: {} });
        assert.ok(prompt.messages.length > 0);
        assert.ok((await client.listTools()).tools.some((t) => t.name === 'get_dashboard'));
      } finally {
        await client.close();
      }
    });
  }

  it('answers health and readiness', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', row_level_security: 'enforced' } });
  });

  it('sends security headers on every response', async () => {
    for (const path of ['/mcp', '/healthz', '/.well-known/oauth-protected-resource/mcp', '/nowhere']) {
      const res = await fetch(`${server.url}${path}`, {
        method: path === '/mcp' ? 'POST' : 'GET',
        headers: JSON_RPC_HEADERS,
        body: path === '/mcp' ? '{}' : undefined,
      });
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/, path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('x-powered-by'), null, path);
    }
  });

  it('refuses a Host header it does not serve (DNS rebinding)', async () => {
    const res = await rawPost(server, '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { host: 'attacker.example:80' });
    assert.equal(res.status, 403);
    assert.match(res.body, /Invalid Host/);
  });

  it("refuses a browser Origin that is not allowed, and lets the server's own origin in with CORS", async () => {
    const evil = await fetch(server.mcpUrl, { method: 'POST', headers: { ...JSON_RPC_HEADERS, origin: 'https://attacker.example' }, body: listTools });
    assert.equal(evil.status, 403);
    const nullOrigin = await fetch(server.mcpUrl, { method: 'POST', headers: { ...JSON_RPC_HEADERS, origin: 'null' }, body: listTools });
    assert.equal(nullOrigin.status, 403);
    const own = new URL(server.url).origin;
    const preflight = await fetch(server.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: own, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, mcp-protocol-version' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), own);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    for (const origin of ['https://app.example.com', 'https://other.example.com']) {
      const allowed = await fetch(server.mcpUrl, { method: 'POST', headers: { ...JSON_RPC_HEADERS, origin }, body: listTools });
      assert.equal(allowed.status, 200, `${origin} is in MCP_ALLOWED_ORIGINS`);
      assert.equal(allowed.headers.get('access-control-allow-origin'), origin);
    }
  });

  it('answers malformed JSON, oversized bodies, batches and other methods with JSON-RPC errors, never a stack trace', async () => {
    const send = async (body: string | undefined, headers: Record<string, string> = {}, method = 'POST') => {
      const res = await fetch(server.mcpUrl, { method, headers: { ...JSON_RPC_HEADERS, ...headers }, body });
      const text = await res.text();
      assert.ok(!/at .+\.(js|ts):\d+/.test(text), `no stack trace in ${text}`);
      return { status: res.status, code: text.startsWith('{') ? (JSON.parse(text) as { error?: { code: number } }).error?.code : undefined };
    };
    assert.deepEqual(await send('{"jsonrpc": "2.0", "id": 1, "method": '), { status: 400, code: -32700 });
    const pad = 'x'.repeat(40 * 1024 * 1024);
    assert.equal((await send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad } }))).status, 413);
    const batch = JSON.stringify([modernRequest(1, 'tools/list'), modernRequest(2, 'tools/list')]);
    assert.deepEqual(
      await send(batch, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }),
      { status: 400, code: -32600 },
      'no batches in 2026-07-28',
    );
    const legacyBatch = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'prompts/list' },
    ]);
    assert.deepEqual(await send(legacyBatch, { 'mcp-protocol-version': '2025-11-25' }), { status: 400, code: -32600 }, 'no batches in 2025-11-25');
    assert.deepEqual(await send(legacyBatch, { 'mcp-protocol-version': '2025-06-18' }), { status: 400, code: -32600 }, 'nor in 2025-06-18');
    assert.equal((await send(legacyBatch, { 'mcp-protocol-version': '2025-03-26' })).status, 200, '2025-03-26 still had batches');
    assert.equal((await send(listTools, { 'mcp-protocol-version': '1999-01-01' })).status, 400, 'an unsupported MCP-Protocol-Version is refused');
    assert.equal((await send(undefined, {}, 'GET')).status, 405);
  });
});

describe('start-up refusals', () => {
  it('refuses plain HTTP on a non-loopback address, and says how to fix it', async () => {
    const home = tempHome();
    const result = await runCli(['serve'], home, { MCP_HOST: '0.0.0.0', MCP_PUBLIC_URL: 'https://pa.example.com', MCP_OAUTH_ISSUER: 'https://id.example.com' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Refusing to serve plain HTTP on 0\.0\.0\.0/);
    assert.match(result.stderr, /MCP_TLS_CERT/);
    assert.match(result.stderr, /MCP_TRUST_PROXY/);
  });

  it('refuses authentication off on a non-loopback address', async () => {
    const { home, args } = (await import('../helpers/http-server.js')).withConfigFile({
      mode: 'http',
      server: { host: '0.0.0.0' },
      authentication: { enabled: false },
    });
    const result = await runCli([...args, 'serve'], home);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /authentication\.enabled.*loopback/);
  });

  it('refuses an http:// public URL or issuer for a host other than loopback', async () => {
    const result = await runCli(['serve'], tempHome(), { MCP_PUBLIC_URL: 'http://pa.example.com', MCP_OAUTH_ISSUER: 'http://id.example.com' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /MCP_PUBLIC_URL: must be the public origin, https:\/\//);
    assert.match(result.stderr, /MCP_OAUTH_ISSUER: must be the issuer URL, https:\/\//);
  });
});

const listTools = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

/** A request with a Host header of our choosing (fetch will not send a forged one). */
async function rawPost(server: HttpTestServer, path: string, body: unknown, headers: Record<string, string>) {
  const http = await import('node:http');
  const url = new URL(path, server.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...JSON_RPC_HEADERS, ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('behind a TLS-terminating proxy', () => {
  it('serves only what the trusted proxy marks as https, and then sends HSTS', async () => {
    const { home, args } = devServer();
    const server = await HttpTestServer.start({ home, args, env: { MCP_TRUST_PROXY: 'loopback' } });
    try {
      const plain = await fetch(server.mcpUrl, { method: 'POST', headers: JSON_RPC_HEADERS, body: listTools });
      assert.equal(plain.status, 403, 'not marked https by the proxy');
      assert.match(await plain.text(), /HTTPS required/);
      const proxied = await fetch(server.mcpUrl, { method: 'POST', headers: { ...JSON_RPC_HEADERS, 'x-forwarded-proto': 'https' }, body: listTools });
      assert.equal(proxied.status, 200);
      assert.match(proxied.headers.get('strict-transport-security') ?? '', /max-age=31536000; includeSubDomains/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'health checks come straight from the load balancer');
    } finally {
      await server.close();
    }
  });
});

describe('readiness and shutdown', () => {
  it('behind a balancer polling /readyz, a stopping instance serves on until it has answered "not ready" three times', async () => {
    const { home, args } = devServer();
    const server = await HttpTestServer.start({ home, args });
    const poll = async () => (await fetch(`${server.url}/readyz`)).status;
    for (let i = 0; i < 3; i++) assert.equal(await poll(), 200, 'the balancer polls');
    const closing = server.close();
    const notReady = () => answers.filter((s) => s === 503).length;
    const answers: number[] = [];
    while (notReady() < 3) {
      answers.push(await poll());
      if (notReady() >= 3) break;
      // Requests the balancer still sends meanwhile are served.
      const call = await fetch(server.mcpUrl, { method: 'POST', headers: JSON_RPC_HEADERS, body: listTools });
      assert.equal(call.status, 200);
    }
    assert.deepEqual(answers, [503, 503, 503]);
    await closing;
    await assert.rejects(fetch(`${server.url}/readyz`), 'it stopped listening then');
  });

  it('reports not ready, and answers 503, while the issuer cannot be reached', async () => {
    const server = await HttpTestServer.start({ env: { MCP_OAUTH_ISSUER: 'http://127.0.0.1:9' } });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(JSON.stringify(await ready.json()), /"issuer":"metadata or keys not loaded"/);
      const call = await fetch(server.mcpUrl, { method: 'POST', headers: { ...JSON_RPC_HEADERS, authorization: 'Bearer a.b.c' }, body: listTools });
      assert.equal(call.status, 503);
      assert.ok(call.headers.get('retry-after'));
    } finally {
      await server.close();
    }
  });

  it('finishes a request in flight on SIGTERM, then exits', async () => {
    const { home, args } = devServer();
    const server = await HttpTestServer.start({ home, args, binary: true });
    const http = await import('node:http');
    const url = new URL(server.mcpUrl);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    // The request starts (the server has its headers: it says 100 Continue), then the server is
    // told to stop (it says so in its log) before the body has arrived.
    const response = new Promise<number>((resolve, reject) => {
      const headers = { ...JSON_RPC_HEADERS, 'content-length': Buffer.byteLength(body), expect: '100-continue' };
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.once('continue', () => {
        req.write(body.slice(0, 10));
        server.child.kill('SIGTERM');
        server.waitForLog(/^shutting down/).then(() => req.end(body.slice(10)), reject);
      });
      req.flushHeaders();
    });
    assert.equal(await response, 200, 'the request in flight was answered');
    assert.equal(await server.waitForExit(), 0, 'then the server exited cleanly');
  });
});
