// Latency of the local server over stdio at the data volume, against the protocol floor
// (server/discover on the same connection: answered by the SDK, no storage touched). Run: npm run bench. Writes bench/results/stdio.json.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FULL, SMALL, VOCABULARY, seed, type Volume } from './seed.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const CLI = path.resolve('dist/cli.js');
const log = (msg: string) => console.error(`[bench] ${msg}`);

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(samples.reduce((a, b) => a + b, 0) / samples.length) };
}

async function time(fn: () => Promise<unknown>, iterations = ITERATIONS): Promise<Stats> {
  for (let i = 0; i < Math.min(50, iterations); i++) await fn(); // warm-up: JIT, page cache, statement plans
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(samples);
}

function memoryOf(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss_mb: Math.round(kb('VmRSS') / 1024), peak_rss_mb: Math.round(kb('VmHWM') / 1024) };
}

async function connect(home: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', MCP_PA_LOG_LEVEL: 'warn' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
    return r;
  };
  return { client, transport, call };
}

/**
 * BENCH_CACHE=DIR keeps seeded data there between runs (for tuning; keyed by the schema, so a new
 * migration reseeds). Without it every run seeds afresh in a temporary directory.
 */
function cacheDir(label: string): string | undefined {
  const root = process.env.BENCH_CACHE;
  if (!root) return undefined;
  const schema = crypto.createHash('sha256');
  for (const f of fs.readdirSync('src/storage/migrations').sort()) schema.update(fs.readFileSync(path.join('src/storage/migrations', f)));
  schema.update(fs.readFileSync('bench/seed.ts'));
  return path.join(root, `${label}-${schema.digest('hex').slice(0, 12)}`);
}

async function seeded(volume: Volume, label: string): Promise<string> {
  const cached = cacheDir(label);
  if (cached && fs.existsSync(path.join(cached, 'done'))) return cached;
  const home = cached ?? fs.mkdtempSync(path.join(os.tmpdir(), `mcp-pa-bench-${label}-`));
  fs.rmSync(home, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  const t0 = Date.now();
  await seed(home, volume, (m) => log(`${label} ${m}`));
  log(`${label}: seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (cached) fs.writeFileSync(path.join(home, 'done'), '');
  return home;
}

async function measure(home: string, full: boolean) {
  const { client, transport, call } = await connect(home);
  const soon = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  // Typical searches use words of middling frequency (ranks 100 to 2,000 of the vocabulary);
  // the worst case is the most common word of all, which matches almost half of all items.
  const typical = Array.from({ length: 50 }, (_, i) => `${VOCABULARY[100 + i * 37]} ${VOCABULARY[150 + i * 29]!.slice(0, 4)}`);
  let q = 0;
  let n = 0;
  const result: Record<string, Stats> = {};
  result.baseline_discover = await time(() => client.discover());
  result.get_current_time = await time(() => call('get_current_time'));
  result.get_dashboard = await time(() => call('get_dashboard'));
  if (full) {
    result.list_todos_filtered = await time(() => call('list_todos', { completed: false, priority: 'high', due_before: soon, limit: 20 }));
    result.list_todos_by_tag = await time(() => call('list_todos', { tag: 'work', completed: false, limit: 20 }));
    result.search_typical = await time(() => call('search', { query: typical[q++ % typical.length], limit: 10 }));
    result.search_most_common_word = await time(() => call('search', { query: VOCABULARY[0], limit: 10 }), 100);
    result.create_todo = await time(() => call('create_todo', { title: `bench todo ${n++}`, due_date: soon, tags: ['bench'] }));
  }
  const memory = memoryOf(transport.pid!);
  await client.close();
  return { latency_ms: result, memory };
}

const started = Date.now();
const smallHome = await seeded(SMALL, '1k');
const small = await measure(smallHome, false);
const fullHome = await seeded(FULL, '100k');
const full = await measure(fullHome, true);

const floor = full.latency_ms.baseline_discover!.p50;
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` },
  iterations: ITERATIONS,
  volume: { small: SMALL, full: FULL },
  full: {
    ...full,
    ratio_to_floor_p50: Object.fromEntries(Object.entries(full.latency_ms).map(([k, v]) => [k, Math.round((v.p50 / floor) * 10) / 10])),
  },
  small,
  dashboard_growth_p50_1k_to_100k: Math.round((full.latency_ms.get_dashboard!.p50 / small.latency_ms.get_dashboard!.p50) * 100) / 100,
  database_size_mb: Math.round(fs.statSync(path.join(fullHome, '.config/mcp-pa/database.sqlite')).size / 1024 / 1024),
  total_seconds: Math.round((Date.now() - started) / 1000),
};
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/stdio.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
if (!process.env.BENCH_CACHE) for (const home of [smallHome, fullHome]) fs.rmSync(home, { recursive: true, force: true });
