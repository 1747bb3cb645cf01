// Latency of the local server over stdio at the data volume, against the protocol floor
// (server/discover on the same connection: answered by the SDK, no storage touched). Run: npm run bench. Writes bench/results/stdio.json.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ITERATIONS, measure, measureStartup } from './measure.js';
import { FULL, SMALL, seed, type Volume } from './seed.js';

const log = (msg: string) => console.error(`[bench] ${msg}`);

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

const started = Date.now();
const smallHome = await seeded(SMALL, '1k');
const small = await measure(smallHome, {}, { full: false });
log('start-up: 12 launches each');
const startup = await measureStartup(smallHome, 12);
const fullHome = await seeded(FULL, '100k');
const full = await measure(fullHome, {}, { full: true });

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
  startup,
  dashboard_growth_p50_1k_to_100k: Math.round((full.latency_ms.get_dashboard!.p50 / small.latency_ms.get_dashboard!.p50) * 100) / 100,
  database_size_mb: Math.round(fs.statSync(path.join(fullHome, '.config/mcp-pa/database.sqlite')).size / 1024 / 1024),
  total_seconds: Math.round((Date.now() - started) / 1000),
};
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/stdio.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
if (!process.env.BENCH_CACHE) for (const home of [smallHome, fullHome]) fs.rmSync(home, { recursive: true, force: true });
