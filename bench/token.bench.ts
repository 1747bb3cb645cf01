// The token endpoint of the embedded authorization server: requests/s of the client_credentials
// and refresh_token grants with mcp-pa's database adapter, beside the same server with
// oidc-provider's own in-memory adapter, in one run (issue 17: database ≥ 0.5 × memory).
//
// Each server is `mcp-pa serve` built by startServing in a process of its own (bench/token-server.ts)
// on loopback, with the same configuration, rate limits (raised above the load, still counted) and
// audit trail; only the authorization server's adapter differs. A confidential client
// (client_secret_basic) asks for tokens from BENCH_CONNECTIONS workers at once, each on its own
// keep-alive connection, one request at a time: client_credentials, then refresh_token with a
// chain per worker (each answer's rotated refresh token is the next request's).
//
// Engines: the PostgreSQL server when BENCH_DATABASE_URL is set (a database of its own for each
// server, dropped afterwards), and embedded PGlite; BENCH_ENGINES=postgres|pglite picks one.
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:token
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Client } from 'undici';
import { adminQuery, adminUrl } from './admin.js';
import { stats } from './measure.js';
import { startProcess, stop } from './server-process.js';
import { SERVER_NODE } from './server-node.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CPU_PROF = process.env.BENCH_CPU_PROF;
if (CPU_PROF) fs.mkdirSync(CPU_PROF, { recursive: true });
const ENGINES = (process.env.BENCH_ENGINES ?? (process.env.BENCH_DATABASE_URL ? 'postgres,pglite' : 'pglite')).split(',') as Engine[];
const DATABASE = 'mcp_pa_token_bench';
const APP_ROLE = 'mcp_pa_token_bench_app';
const log = (msg: string) => console.error(`[bench] ${msg}`);

type Engine = 'postgres' | 'pglite';
type Adapter = 'database' | 'memory';
interface Started {
  url: string;
  control: string;
  clientId: string;
  secret: string;
}

async function startServer(engine: Engine, adapter: Adapter) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-token-bench-'));
  const configFile = path.join(home, 'config.json');
  // The token limits (per address, per client) counted as always, but far above the load.
  fs.writeFileSync(configFile, JSON.stringify({ rate_limits: { token_per_minute: 1_000_000 } }));
  const env: Record<string, string> = {
    HOME: home,
    MCP_PA_CONFIG: configFile,
    MCP_HOST: '127.0.0.1',
    MCP_PORT: '0',
    MCP_PA_LOG_LEVEL: 'warn',
    MCP_DATABASE_TYPE: 'postgresql',
    BENCH_ADAPTER: adapter,
    // BENCH_STATEMENTS=each: the report counts statements by their text too.
    ...(process.env.BENCH_STATEMENTS ? { BENCH_STATEMENTS: process.env.BENCH_STATEMENTS } : {}),
  };
  if (engine === 'postgres') {
    await adminQuery(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${DATABASE}`);
    const url = new URL(process.env.BENCH_DATABASE_URL!);
    url.pathname = `/${DATABASE}`;
    Object.assign(env, {
      MCP_DATABASE_URL: url.toString(),
      MCP_DATABASE_APP_ROLE: APP_ROLE,
      MCP_OAUTH_KEY_ENCRYPTION_KEY: 'the token benchmark key-encryption passphrase',
    });
  }
  const child = startProcess(SERVER_NODE.bin, ['--import', 'tsx', 'bench/token-server.ts'], env);
  const started = await new Promise<Started>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as Started);
    });
    child.once('exit', (code) => reject(new Error(`the ${engine}/${adapter} server exited (${code}) before it listened`)));
  });
  return {
    ...started,
    name: `${engine}-${adapter}`,
    engine,
    basic: `Basic ${Buffer.from(`${encodeURIComponent(started.clientId)}:${encodeURIComponent(started.secret)}`).toString('base64')}`,
    async close() {
      await stop(child);
      fs.rmSync(home, { recursive: true, force: true });
      if (engine === 'postgres') await adminQuery(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    },
  };
}
type Server = Awaited<ReturnType<typeof startServer>>;

const control = async (server: Server, what: string, method = 'GET') => (await fetch(`${server.control}${what}`, { method })).json();

/** CPU time (ms) of the PostgreSQL server's backends serving the bench database, by pid (Linux /proc; clock ticks of 10 ms). */
async function databaseCpu(engine: Engine): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  if (engine !== 'postgres') return cpu;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [DATABASE]);
    for (const { pid } of rows) {
      try {
        const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
      } catch {
        // gone meanwhile
      }
    }
  } finally {
    await client.end();
  }
  return cpu;
}
const cpuSpent = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/**
 * CONNECTIONS workers for `seconds`, each on its own connection, one request at a time. `body`
 * gives a worker's next request body; `answered` takes its answer (a refresh chain moves on).
 */
async function load(
  server: Server,
  seconds: number,
  body: (worker: number) => string,
  answered?: (worker: number, json: { refresh_token?: string }) => void,
  profile?: string,
) {
  await control(server, '/counts', 'POST');
  if (profile) await control(server, '/profile?start', 'POST');
  const cpuBefore = ((await control(server, '/cpu')) as { ms: number }).ms;
  const databaseBefore = await databaseCpu(server.engine);
  const loadBefore = process.cpuUsage();
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      const client = new Client(server.url, { pipelining: 1 });
      try {
        while (performance.now() < end && failures.length === 0) {
          const t0 = performance.now();
          const res = await client.request({
            path: '/oauth/token',
            method: 'POST',
            headers: { authorization: server.basic, 'content-type': 'application/x-www-form-urlencoded' },
            body: body(worker),
          });
          const text = await res.body.text();
          if (res.statusCode !== 200) {
            failures.push(`${res.statusCode} ${text}`);
            break;
          }
          latencies.push(performance.now() - t0);
          answered?.(worker, JSON.parse(text) as { refresh_token?: string });
        }
      } finally {
        await client.close();
      }
    }),
  );
  if (failures.length) throw new Error(`token endpoint: ${failures[0]}`);
  const elapsed = (performance.now() - started) / 1000;
  if (profile) await control(server, `/profile?stop=${encodeURIComponent(profile)}`, 'POST');
  const generator = process.cpuUsage(loadBefore);
  const cpuMs = ((await control(server, '/cpu')) as { ms: number }).ms - cpuBefore;
  const databaseMs = cpuSpent(databaseBefore, await databaseCpu(server.engine));
  const per = (ms: number) => Math.round((ms / latencies.length) * 100) / 100;
  const counts = (await control(server, '/counts')) as Record<string, number>;
  const s = stats(latencies);
  return {
    result: {
      requests_per_s: Math.round(latencies.length / elapsed),
      p50_ms: s.p50,
      p99_ms: s.p99,
      // CPU per request: the server process (with PGlite, its database too), the PostgreSQL server's
      // backends, this load generator. The machine's other work does not count here.
      server_cpu_ms_per_request: per(cpuMs),
      database_cpu_ms_per_request: per(databaseMs),
      load_cpu_ms_per_request: per((generator.user + generator.system) / 1000),
      requests: latencies.length,
    },
    adapterCalls: Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, Math.round((n / latencies.length) * 100) / 100])),
  };
}
type Load = Awaited<ReturnType<typeof load>>['result'];

/** Where the measured run's CPU profile goes (BENCH_CPU_PROF=<directory>), if anywhere. */
const profileOf = (server: Server, grant: string, seconds: number) =>
  CPU_PROF && seconds === DURATION_S ? path.resolve(CPU_PROF, `${server.name}-${grant}-${Date.now()}.cpuprofile`) : undefined;

const clientCredentials = (server: Server, seconds: number) =>
  load(server, seconds, () => 'grant_type=client_credentials&scope=pa%3Aread', undefined, profileOf(server, 'client_credentials', seconds));

/** A fresh chain per worker (a chain cut by the end of the previous run is never used again). */
async function refreshChains(server: Server, seconds: number) {
  const chains = (await control(server, `/chains?n=${CONNECTIONS}`, 'POST')) as string[];
  return load(
    server,
    seconds,
    (worker) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(chains[worker]!)}`,
    (worker, json) => {
      if (!json.refresh_token || json.refresh_token === chains[worker]) throw new Error('the refresh token was not rotated');
      chains[worker] = json.refresh_token;
    },
    profileOf(server, 'refresh_token', seconds),
  );
}

/** One server, both grants; the adapter's calls per request counted on the database runs. */
async function measure(engine: Engine, adapter: Adapter) {
  const server = await startServer(engine, adapter);
  try {
    log(`${engine}, ${adapter} adapter: client_credentials ${DURATION_S} s at ${CONNECTIONS} connections`);
    await clientCredentials(server, WARMUP_S);
    const cc = await clientCredentials(server, DURATION_S);
    log(`${engine}, ${adapter} adapter: refresh_token ${DURATION_S} s`);
    await refreshChains(server, WARMUP_S);
    const refresh = await refreshChains(server, DURATION_S);
    log(`${engine}, ${adapter} adapter: ${cc.result.requests_per_s} and ${refresh.result.requests_per_s} requests/s`);
    return {
      client_credentials: cc.result,
      refresh_token: refresh.result,
      adapter_calls_per_request: { client_credentials: cc.adapterCalls, refresh_token: refresh.adapterCalls },
    };
  } finally {
    await server.close();
  }
}

/** The median of each figure over the rounds (the machine's other work makes a round an outlier now and then). */
const median = (runs: Load[]): Load => {
  const mid = (key: keyof Load) => {
    const sorted = runs.map((r) => r[key]).sort((a, b) => a - b);
    const m = sorted.length / 2;
    return Number.isInteger(m) ? Math.round(((sorted[m - 1]! + sorted[m]!) / 2) * 100) / 100 : sorted[Math.floor(m)]!;
  };
  return Object.fromEntries(Object.keys(runs[0]!).map((key) => [key, mid(key as keyof Load)])) as unknown as Load;
};
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const began = Date.now();
const results: Record<string, unknown> = {};
for (const engine of ENGINES) {
  const runs: Record<Adapter, Awaited<ReturnType<typeof measure>>[]> = { database: [], memory: [] };
  // Alternating, the first round's order reversed in the next: drift falls on both alike.
  for (let round = 0; round < ROUNDS; round++) {
    const order: Adapter[] = round % 2 === 0 ? ['memory', 'database'] : ['database', 'memory'];
    for (const adapter of order) runs[adapter].push(await measure(engine, adapter));
  }
  const grant = (adapter: Adapter, name: 'client_credentials' | 'refresh_token') => median(runs[adapter].map((r) => r[name]));
  const cpu = (load: Load) => load.server_cpu_ms_per_request + load.database_cpu_ms_per_request;
  results[engine] = {
    memory: { client_credentials: grant('memory', 'client_credentials'), refresh_token: grant('memory', 'refresh_token') },
    database: { client_credentials: grant('database', 'client_credentials'), refresh_token: grant('database', 'refresh_token') },
    database_to_memory: {
      client_credentials: ratio(grant('database', 'client_credentials').requests_per_s, grant('memory', 'client_credentials').requests_per_s),
      refresh_token: ratio(grant('database', 'refresh_token').requests_per_s, grant('memory', 'refresh_token').requests_per_s),
    },
    // The same ratio as CPU would set it on a machine of its own: memory's CPU per request (server and
    // database server) over the database adapter's.
    cpu_memory_to_database: {
      client_credentials: ratio(cpu(grant('memory', 'client_credentials')), cpu(grant('database', 'client_credentials'))),
      refresh_token: ratio(cpu(grant('memory', 'refresh_token')), cpu(grant('database', 'refresh_token'))),
    },
    adapter_calls_per_request: runs.database[runs.database.length - 1]!.adapter_calls_per_request,
    rounds: runs,
  };
}
const report = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    load_average: os.loadavg().map((l) => Math.round(l * 100) / 100),
    bench_node: process.version,
    server_node: SERVER_NODE.version,
  },
  method: `mcp-pa serve (startServing) per adapter in its own process, loopback; ${CONNECTIONS} connections one request at a time, ${DURATION_S} s after a ${WARMUP_S} s warm-up, ${ROUNDS} alternating rounds (medians); client_secret_basic; refresh_token: a rotating chain per connection; rate limits counted (raised above the load) and the audit trail written in every run`,
  ...results,
  total_seconds: Math.round((Date.now() - began) / 1000),
};
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/token.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
if (ENGINES.includes('postgres')) await adminQuery(`DROP ROLE IF EXISTS ${APP_ROLE}`);
