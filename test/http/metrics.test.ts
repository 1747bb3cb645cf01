import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { auth } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import { ADA, homeWithAda } from '../helpers/embedded-as.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';
import { tempHome } from '../helpers/server.js';

const TOKEN = 'a metrics token long enough to pass';

/** The value of one sample in Prometheus's text format (0 when the series is not there yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return 0;
}

const scrape = async (server: HttpTestServer) => {
  const res = await fetch(server.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
};

describe('Prometheus metrics', () => {
  it('count tool calls by tool and status, token refusals by reason and rate-limit trips, on their own port behind their token', async () => {
    const { home, env } = await homeWithAda();
    const config = path.join(home, 'metrics.json');
    fs.writeFileSync(config, JSON.stringify({ rate_limits: { mcp_refusals_per_address_per_minute: 3 }, metrics: { port: 0, token: TOKEN } }));
    const server = await HttpTestServer.start({ home, env: { ...env, MCP_PA_CONFIG: config } });
    try {
      assert.equal((await fetch(server.metricsUrl)).status, 401, 'no token');
      assert.equal((await fetch(server.metricsUrl, { headers: { authorization: 'Bearer a metrics token long enough to pasS' } })).status, 401);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404, 'the public port does not show them');
      const before = await scrape(server);
      assert.ok(sample(before, 'mcp_pa_process_resident_memory_bytes') > 0);
      assert.match(before, /^mcp_pa_audit_queue_events \d+$/m);
      if (process.env.TEST_DATABASE_URL) assert.ok(sample(before, 'mcp_pa_db_pool_connections', { state: 'total' }) >= 1, 'the pool of the server');

      const provider = new MemoryOAuthProvider();
      await auth(provider, { serverUrl: server.mcpUrl });
      const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, ADA);
      await auth(provider, { serverUrl: server.mcpUrl, authorizationCode: callback.searchParams.get('code')!, iss: callback.searchParams.get('iss')! });
      const token = provider.tokens()!.access_token;
      for (const title of ['Water the plants', 'Call the plumber'])
        assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('create_todo', { title }, token))).status, 200);
      await fetch(`${server.url}/mcp`, modernToolCall('complete_todo', { todo_id: 'no-such-todo' }, token));
      // Arguments the SDK refuses against the tool's input schema, before the tool runs.
      const badArguments = await fetch(`${server.url}/mcp`, modernToolCall('create_todo', { title: 42 }, token));
      assert.match(await badArguments.text(), /Input validation error/);
      for (let i = 0; i < 4; i++) assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('get_current_time', {}, `guess-${i}`))).status, 401);
      assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('get_current_time'))).status, 429);
      const refused = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token', client_id: provider.clientInformation()!.client_id }),
      });
      assert.equal(refused.status, 400);

      const after = await scrape(server);
      const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      assert.equal(delta('mcp_pa_tool_call_duration_seconds_count', { tool: 'create_todo', status: 'ok' }), 2);
      assert.equal(delta('mcp_pa_tool_call_duration_seconds_count', { tool: 'complete_todo', status: 'not_found' }), 1);
      assert.equal(delta('mcp_pa_tool_call_duration_seconds_count', { tool: 'create_todo', status: 'invalid' }), 1);
      assert.equal(
        delta('mcp_pa_token_refusals_total', { where: 'resource', reason: 'the token is not a JWT, and this server cannot introspect opaque tokens' }),
        4,
      );
      assert.equal(delta('mcp_pa_token_refusals_total', { where: 'token_endpoint', reason: 'invalid_grant' }), 1);
      assert.ok(delta('mcp_pa_rate_limited_total', { policy: 'mcp-address' }) >= 1);
      assert.ok(delta('mcp_pa_http_request_duration_seconds_count', { route: 'mcp', status: '401' }) >= 4);
      assert.ok(delta('mcp_pa_http_request_duration_seconds_count', { route: 'token', status: '400' }) >= 1);
      // Nothing a request carried: no token, no title.
      for (const secret of [token, 'guess-0', 'Water the plants', TOKEN]) assert.equal(after.includes(secret), false, `${secret.slice(0, 12)} in the metrics`);
    } finally {
      await server.close();
    }
  });

  it('a metrics listener off loopback without a token is refused at start', () => {
    const home = tempHome('mcp-pa-metrics-');
    assert.throws(
      () => loadConfig({}, { HOME: home, MCP_PA_METRICS_PORT: '9464', MCP_PA_METRICS_HOST: '0.0.0.0' }, { mode: 'http', serving: true }),
      /metrics\.token.*must be set when the metrics listener binds "0\.0\.0\.0"/s,
    );
    assert.doesNotThrow(() => loadConfig({}, { HOME: home, MCP_PA_METRICS_PORT: '9464', MCP_PA_METRICS_HOST: '0.0.0.0', MCP_PA_METRICS_TOKEN: TOKEN }));
  });
});
