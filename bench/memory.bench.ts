// What big uploads cost `mcp-pa serve` in memory, against the HTTP body size (base64) and an idle
// baseline measured in the same run: one maximum upload, several at once from different tenants,
// and a flood of 30 at once from one tenant while another tenant works. Loopback only.
// Run: npm run bench:memory   (BENCH_ENGINE=sqlite|pglite|postgres, default pglite: HTTP mode's default
// store; postgres needs BENCH_DATABASE_URL, a role that may create a database and roles;
// BENCH_UPLOAD_MB, default 24: the file size, its body a third larger; BENCH_FLOOD, default 30;
// BENCH_CLI: another build, e.g. an older one, with BENCH_FLOOD=0 if it has no limits).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminQuery, adminUrl } from './admin.js';
import { bodyBudgetOf, ConfigSchema } from '../src/config/schema.js';
import { postRaw, rawToolCall, type RawResponse } from '../test/helpers/mcp-wire.js';
import { freePort, mib, resetPeak, residentMemory, startProcess, stop, waitReady } from './server-process.js';
import { startTokenIssuer } from './token-issuer.js';
import { SERVER_NODE } from './server-node.js';

const MB = 1024 * 1024;
const ENGINE = process.env.BENCH_ENGINE ?? 'pglite';
const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 24);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 4);
const FLOOD = Number(process.env.BENCH_FLOOD ?? 30);
const log = (msg: string) => console.error(`[bench] ${msg}`);

const started = Date.now();
const issuer = await startTokenIssuer();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-memory-bench-'));
const configFile = path.join(home, 'config.json');
// Requests are not rate-limited here: the benchmark measures memory, not the request limits.
fs.writeFileSync(configFile, JSON.stringify({ rate_limits: { enabled: false } }));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const POSTGRES_DB = 'mcp_pa_memory_bench';
async function engineEnvironment(): Promise<Record<string, string>> {
  if (ENGINE === 'sqlite') return { MCP_DATABASE_TYPE: 'sqlite' };
  if (ENGINE !== 'postgres') return {};
  await adminQuery(`DROP DATABASE IF EXISTS ${POSTGRES_DB} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${POSTGRES_DB}`);
  const url = new URL(adminUrl());
  url.pathname = `/${POSTGRES_DB}`;
  return { MCP_DATABASE_URL: url.toString(), MCP_DATABASE_APP_ROLE: `${POSTGRES_DB}_app` };
}
const engineEnv = await engineEnvironment();
// BENCH_CLI: another build to compare with.
const child = startProcess(SERVER_NODE.bin, [process.env.BENCH_CLI ?? 'dist/cli.js', '--config', configFile, 'serve'], {
  HOME: home,
  MCP_HOST: '127.0.0.1',
  MCP_PORT: String(port),
  MCP_PA_LOG_LEVEL: 'warn',
  MCP_OAUTH_ISSUER: issuer.issuer,
  ...engineEnv,
});
const pid = child.pid!;

async function settledRss(): Promise<number> {
  // A few samples a moment apart, the smallest: what the process holds when nothing runs.
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 200));
    samples.push(residentMemory(pid).rss);
  }
  return Math.min(...samples);
}

try {
  await waitReady(base);
  const mcp = `${base}/mcp`;
  const tokens = await Promise.all(Array.from({ length: CONCURRENT + 1 }, (_, i) => issuer.token(mcp, `tenant-${i}`)));
  const call = (name: string, args: Record<string, unknown>, token: string) => {
    const { headers, body } = rawToolCall(name, args, token);
    return postRaw(mcp, headers, body);
  };
  const mustSucceed = (what: string) => (res: RawResponse) => {
    if (res.status !== 200 || /"isError":true/.test(res.text)) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  };
  // One body for every upload (random bytes: stored as they are, nothing to index); each tenant's
  // request differs only in its token.
  const content = crypto.randomBytes(UPLOAD_MB * MB).toString('base64');
  const uploads = tokens.map((token) => rawToolCall('upload_document', { title: 'big', content_base64: content }, token));
  const bodyBytes = uploads[0]!.body.length;
  const upload = (i: number) => postRaw(mcp, uploads[i]!.headers, uploads[i]!.body);

  for (const token of tokens) await call('get_current_time', {}, token).then(mustSucceed('get_current_time'));
  const coldIdle = await settledRss();
  log(`cold idle ${mib(coldIdle)} MiB; warm-up: one small upload per tenant`);
  for (const token of tokens)
    await call('upload_document', { title: 'small', content_base64: crypto.randomBytes(64 * 1024).toString('base64') }, token).then(mustSucceed('warm-up'));
  const idle = await settledRss();

  log(`one upload of ${UPLOAD_MB} MiB (${mib(bodyBytes)} MiB of body)`);
  resetPeak(pid);
  await upload(0).then(mustSucceed('single upload'));
  const single = residentMemory(pid).peak;
  const afterSingle = await settledRss();

  log(`${CONCURRENT} at once, one per tenant`);
  resetPeak(pid);
  await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => upload(i).then(mustSucceed(`concurrent upload ${i}`))));
  const concurrent = residentMemory(pid).peak;
  const afterConcurrent = await settledRss();

  log(`flood: ${FLOOD} at once from one tenant, while another calls get_current_time`);
  resetPeak(pid);
  let othersServed = 0;
  let floodDone = false;
  const other = (async () => {
    while (!floodDone) {
      await call('get_current_time', {}, tokens[CONCURRENT]!).then(mustSucceed('the other tenant'));
      othersServed++;
    }
  })();
  const flood = await Promise.all(Array.from({ length: FLOOD }, () => upload(0)));
  floodDone = true;
  await other;
  const floodPeak = residentMemory(pid).peak;
  const statuses: Record<string, number> = {};
  for (const res of flood) statuses[res.status] = (statuses[res.status] ?? 0) + 1;

  // The default ceilings (this run sets none): what the server admits at once.
  const budget = bodyBudgetOf(ConfigSchema.parse({ mode: 'http' }));
  const bound = idle + 3 * budget.total;
  const perUpload = (peak: number, n: number) => Math.round(((peak - idle) / (n * bodyBytes)) * 100) / 100;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, memory_gib: Math.round(os.totalmem() / 1024 ** 3) },
    method:
      `mcp-pa serve on ${ENGINE}, an external issuer's JWTs for ${CONCURRENT + 1} tenants, node:http clients on loopback. Uploads: ${UPLOAD_MB} MiB of random bytes, ` +
      `${mib(bodyBytes)} MiB of JSON body. Resident memory from /proc/<pid>/status: the idle figure is the smallest of five samples 200 ms apart after a warm-up ` +
      `(one small upload per tenant); each peak is VmHWM after resetting it (clear_refs 5) just before the step. Ratios: (peak - idle) / (uploads in flight x body size).`,
    body_mib: mib(bodyBytes),
    resident_mib: {
      cold_idle: mib(coldIdle),
      idle: mib(idle),
      peak_one_upload: mib(single),
      after_one_upload: mib(afterSingle),
      [`peak_${CONCURRENT}_uploads_from_${CONCURRENT}_tenants`]: mib(concurrent),
      [`after_${CONCURRENT}_uploads`]: mib(afterConcurrent),
      [`peak_flood_of_${FLOOD}`]: mib(floodPeak),
    },
    ratios: {
      peak_over_idle_per_body_one_upload: perUpload(single, 1),
      [`peak_over_idle_per_body_${CONCURRENT}_uploads`]: perUpload(concurrent, CONCURRENT),
      // At most a tenant's share is in flight during the flood (2 maximum uploads by default).
      flood_peak_over_rss_before_it_mib: mib(floodPeak - afterConcurrent),
    },
    ceiling: {
      in_flight_body_mib: mib(budget.total),
      in_flight_body_mib_per_tenant: mib(budget.perTenant),
      memory_bound_mib: mib(bound),
      note: 'the bound is idle + 3 x the bytes admitted at once: what the 3x-per-upload target promises',
    },
    flood: {
      peak_under_bound: floodPeak <= bound,
      statuses,
      retry_after: [...new Set(flood.filter((r) => r.status !== 200).map((r) => r.headers['retry-after']))],
      other_tenant_calls_served: othersServed,
    },
    total_seconds: Math.round((Date.now() - started) / 1000),
  };
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(`bench/results/memory-${ENGINE}${process.env.BENCH_CLI ? '-other-build' : ''}.json`, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report, null, 2));
} finally {
  await stop(child);
  await issuer.close();
  fs.rmSync(home, { recursive: true, force: true });
  if (ENGINE === 'postgres') {
    await adminQuery(`DROP DATABASE IF EXISTS ${POSTGRES_DB} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${POSTGRES_DB}_app`);
  }
}
