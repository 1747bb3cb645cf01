// mcp-pa over Streamable HTTP on a PostgreSQL server: throughput and latency of a read tool with
// token verification on and off, beside a minimal SDK server answering a no-op tool on the same
// stack, all in one run and on loopback only. Needs BENCH_DATABASE_URL (a role that may create a
// database and roles; the database mcp_pa_http_bench is dropped and created afresh).
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:http
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { modernToolCall } from '../test/helpers/mcp-wire.js';
import { adminQuery, adminUrl } from './admin.js';
import { freePort, startProcess, stop, waitReady } from './server-process.js';
import { startTokenIssuer } from './token-issuer.js';
import { SERVER_NODE } from './server-node.js';

const admin = adminUrl();
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TODOS = 50;
const log = (msg: string) => console.error(`[bench] ${msg}`);

const toolCall = modernToolCall;

async function load(url: string, request: ReturnType<typeof toolCall>) {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, requests: [request] }); // warm-up
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: [request] });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { requests_per_s: Math.round(result.requests.average), p50_ms: result.latency.p50, p99_ms: result.latency.p99, requests: result.requests.total };
}

async function seed(mcpUrl: string, token?: string) {
  const client = new Client({ name: 'bench-seed', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), token ? { authProvider: { token: async () => token } } : {}));
  for (let i = 0; i < TODOS; i++) await client.callTool({ name: 'create_todo', arguments: { title: `bench todo ${i}`, tags: ['bench'] } });
  await client.close();
}

const started = Date.now();
await adminQuery('DROP DATABASE IF EXISTS mcp_pa_http_bench WITH (FORCE)');
await adminQuery('CREATE DATABASE mcp_pa_http_bench');
const dbUrl = new URL(admin);
dbUrl.pathname = '/mcp_pa_http_bench';
const issuer = await startTokenIssuer();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-http-bench-'));
// Limits raised far above the load so every request is counted and none refused; and switched off,
// to measure what counting costs.
const HIGH_LIMITS = { mcp_per_minute: 1_000_000 };
const config = (name: string, value: object) => {
  const file = path.join(home, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
};
const devConfig = config('dev', { mode: 'http', authentication: { enabled: false }, rate_limits: HIGH_LIMITS });
const limitedConfig = config('limited', { rate_limits: HIGH_LIMITS });
const unlimitedConfig = config('unlimited', { rate_limits: { enabled: false } });
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serverEnv = {
  HOME: home,
  MCP_DATABASE_URL: dbUrl.toString(),
  MCP_DATABASE_APP_ROLE: 'mcp_pa_http_bench_app',
  MCP_HOST: '127.0.0.1',
  MCP_PORT: String(port),
  MCP_PA_LOG_LEVEL: 'warn',
};
const read = { limit: 20, completed: false };

async function measureMcpPa(auth: boolean, limits = true) {
  const configFile = !auth ? devConfig : limits ? limitedConfig : unlimitedConfig;
  const child = startProcess(SERVER_NODE.bin, ['dist/cli.js', '--config', configFile, 'serve'], {
    ...serverEnv,
    ...(auth ? { MCP_OAUTH_ISSUER: issuer.issuer } : {}),
  });
  try {
    await waitReady(base);
    const token = auth ? await issuer.token(`${base}/mcp`, 'bench-user') : undefined;
    await seed(`${base}/mcp`, token);
    log(`list_todos with verification ${auth ? 'on' : 'off'}, rate limits ${limits ? 'on' : 'off'}: ${DURATION_S} s at ${CONNECTIONS} connections`);
    return await load(`${base}/mcp`, toolCall('list_todos', read, token));
  } finally {
    await stop(child);
  }
}

// Alternating rounds, averaged: the machine's drift over the run falls on both alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
type Load = Awaited<ReturnType<typeof load>>;
const mean = (runs: Load[]): Load => {
  const avg = (key: keyof Load) => Math.round(runs.reduce((sum, r) => sum + r[key], 0) / runs.length);
  return { requests_per_s: avg('requests_per_s'), p50_ms: avg('p50_ms'), p99_ms: avg('p99_ms'), requests: avg('requests') };
};
async function measureMinimal() {
  const child = startProcess(process.execPath, ['bench/minimal-http-server.mjs'], {});
  try {
    const url = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    log('minimal SDK server, no-op tool');
    return await load(url, toolCall('noop', {}));
  } finally {
    await stop(child);
  }
}

// The minimal server is measured in every round too: on a shared machine the load drifts, and a
// ratio is only fair between measurements taken side by side.
const offRuns: Load[] = [];
const onRuns: Load[] = [];
const unlimitedRuns: Load[] = [];
const minimalRuns: Load[] = [];
for (let round = 0; round < ROUNDS; round++) {
  offRuns.push(await measureMcpPa(false));
  onRuns.push(await measureMcpPa(true));
  unlimitedRuns.push(await measureMcpPa(true, false));
  minimalRuns.push(await measureMinimal());
}
const verificationOff = mean(offRuns);
const verificationOn = mean(onRuns);
const limitsOff = mean(unlimitedRuns);
const minimal = mean(minimalRuns);
await issuer.close();

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  method: `autocannon, ${CONNECTIONS} connections, ${DURATION_S} s after a 2 s warm-up, ${ROUNDS} alternating rounds averaged (the minimal server's too), loopback; mcp-pa serve on PostgreSQL; tools/call list_todos (${read.limit} of ${TODOS} open todos) from a 2026-07-28 client; rate limits counted (raised above the load) except in the rate_limits_off run`,
  mcp_pa_verification_off: verificationOff,
  mcp_pa_verification_on: verificationOn,
  mcp_pa_verification_on_rate_limits_off: limitsOff,
  minimal_sdk_server_noop: minimal,
  ratios: {
    throughput_on_to_off: ratio(verificationOn.requests_per_s, verificationOff.requests_per_s),
    // Like with like: without authentication there is no tenant to count, so verification is
    // measured with the limits off, and the limits' own cost with verification on.
    verification_cost_of_throughput: Math.round((1 - limitsOff.requests_per_s / verificationOff.requests_per_s) * 1000) / 1000,
    // Issue 17's measure: the read tool with token verification (and its rate limit counted)
    // against the stack's floor, a minimal SDK server answering a no-op; the target is 1.5.
    throughput_mcp_pa_on_to_minimal: ratio(verificationOn.requests_per_s, minimal.requests_per_s),
    throughput_mcp_pa_off_to_minimal: ratio(verificationOff.requests_per_s, minimal.requests_per_s),
    p50_on_to_off: ratio(verificationOn.p50_ms, verificationOff.p50_ms),
    rate_limit_cost_of_throughput: Math.round((1 - verificationOn.requests_per_s / limitsOff.requests_per_s) * 1000) / 1000,
  },
  total_seconds: Math.round((Date.now() - started) / 1000),
};
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/http.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
await adminQuery('DROP DATABASE IF EXISTS mcp_pa_http_bench WITH (FORCE)');
await adminQuery('DROP ROLE IF EXISTS mcp_pa_http_bench_app');
fs.rmSync(home, { recursive: true, force: true });
