import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ADA, homeWithAda } from '../helpers/embedded-as.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';

/** An embedded-authorization-server deployment (Ada's account in it) with these limits. */
async function limitedServer(rateLimits: Record<string, number>, extraEnv: Record<string, string> = {}) {
  const { home, env } = await homeWithAda();
  const config = path.join(home, 'limits.json');
  fs.writeFileSync(config, JSON.stringify({ rate_limits: rateLimits }));
  return { home, env: { ...env, MCP_PA_CONFIG: config, ...extraEnv } };
}

const register = (server: HttpTestServer, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
  });

/** A 429 as the limit promises it: Retry-After, the policy, nothing left. */
function assertLimited(res: Response, policy: string) {
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
  assert.match(res.headers.get('ratelimit-policy') ?? '', new RegExp(`^"${policy}";q=\\d+;w=\\d+$`));
  assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`^"${policy}";r=0;t=\\d+$`));
}

describe('rate limits', () => {
  it('stop a registration flood from one address, and a forged X-Forwarded-For does not move the limit', async () => {
    const { home, env } = await limitedServer({ register_per_hour: 4 });
    const server = await HttpTestServer.start({ home, env });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await register(server, { 'x-forwarded-for': `203.0.113.${i}` });
        assert.equal(res.status, 201);
        assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`r=${3 - i};`), 'what is left is announced');
      }
      assertLimited(await register(server, { 'x-forwarded-for': '198.51.100.7' }), 'register-address');
      // The trip is in the audit trail (its line may follow the answer).
      await server.waitForLine((line) => line.includes('"rate_limit.tripped"') && line.includes('register-address'));
    } finally {
      await server.close();
    }
  });

  it('block an address on /mcp after too many requests the token check refused', async () => {
    const { home, env } = await limitedServer({ mcp_refusals_per_address_per_minute: 3 });
    const server = await HttpTestServer.start({ home, env });
    try {
      for (let i = 0; i < 4; i++) assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('get_current_time', {}, `guess-${i}`))).status, 401);
      const blocked = await fetch(`${server.url}/mcp`, modernToolCall('get_current_time'));
      assertLimited(blocked, 'mcp-address');
    } finally {
      await server.close();
    }
  });

  it('limit /mcp per tenant', async () => {
    const { home, env } = await limitedServer({ mcp_per_minute: 6 });
    const server = await HttpTestServer.start({ home, env });
    try {
      const provider = new MemoryOAuthProvider();
      const { auth } = await import('@modelcontextprotocol/client');
      await auth(provider, { serverUrl: server.mcpUrl });
      const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA);
      await auth(provider, { serverUrl: server.mcpUrl, authorizationCode: callback.searchParams.get('code')!, iss: callback.searchParams.get('iss')! });
      const token = provider.tokens()!.access_token;
      for (let i = 0; i < 6; i++) assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('get_current_time', {}, token))).status, 200);
      assertLimited(await fetch(`${server.url}/mcp`, modernToolCall('get_current_time', {}, token)), 'mcp-tenant');
    } finally {
      await server.close();
    }
  });

  it('limit the token endpoint per address', async () => {
    const { home, env } = await limitedServer({ token_per_minute: 3 });
    const server = await HttpTestServer.start({ home, env });
    try {
      const attempt = () =>
        fetch(`${server.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=authorization_code&code=x&client_id=y',
        });
      for (let i = 0; i < 3; i++) assert.notEqual((await attempt()).status, 429);
      assertLimited(await attempt(), 'token-address');
    } finally {
      await server.close();
    }
  });

  it('limit requests to the sign-in pages per address', async () => {
    const { home, env } = await limitedServer({ pages_per_minute: 2 });
    const server = await HttpTestServer.start({ home, env });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await fetch(`${server.url}/oauth/interaction/made-up-${i}`)).status, 400, 'an unknown sign-in');
      assertLimited(await fetch(`${server.url}/oauth/interaction/made-up-3`), 'pages-address');
    } finally {
      await server.close();
    }
  });

  it('hold across instances sharing a PostgreSQL server', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' }, async () => {
    const { home, env } = await limitedServer({ register_per_hour: 4 });
    // The first instance takes a port of its own; its address is the public URL of both.
    const first = await HttpTestServer.start({ home, env: { ...env, MCP_PORT: '0' } });
    const second = await HttpTestServer.start({ home, env: { ...env, MCP_PORT: '0', MCP_PUBLIC_URL: first.url } });
    try {
      const at = (base: string) =>
        fetch(`${base}/oauth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
        });
      for (const base of [first.listen, second.listen, first.listen, second.listen]) assert.equal((await at(base)).status, 201);
      assertLimited(await at(second.listen), 'register-address');
      assertLimited(await at(first.listen), 'register-address');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
