// What an administrative command costs on embedded PostgreSQL (PGlite): `mcp-pa user add` on an
// existing, migrated data directory, each run on a fresh copy of it, against `mcp-pa --version`
// (starting Node and loading the CLI, nothing else) in the same run, and, with BENCH_CLI_BEFORE,
// the same command of another build (e.g. the previous commit's). Runs are interleaved, so a busy
// machine slows every variant alike. Each run's wall time, CPU time (user + system, all threads)
// and peak resident set size (getrusage maxrss, read as the process exits).
// Run: npm run build && npx tsx bench/cli-pglite.bench.ts
//   BENCH_RUNS (default 5); BENCH_CLI_BEFORE=/path/to/another/dist/cli.js. Writes bench/results/cli-pglite.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SERVER_NODE } from './server-node.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLI = path.resolve('dist/cli.js');
const BEFORE = process.env.BENCH_CLI_BEFORE ? path.resolve(process.env.BENCH_CLI_BEFORE) : undefined;
const PASSWORD = 'a passphrase long enough';
const log = (msg: string) => console.error(`[bench] ${msg}`);

// Loaded before the CLI with --import: writes the process's resource usage as it exits (however it exits).
const REPORTER = `data:text/javascript,${encodeURIComponent(
  "import fs from 'node:fs'; process.on('exit', () => fs.writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify(process.resourceUsage())));",
)}`;

interface Run {
  wall_s: number;
  cpu_s: number;
  peak_rss_mb: number;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-cli-bench-'));
const usageFile = path.join(root, 'usage.json');

function run(cli: string, args: string[], home: string, input = ''): Promise<Run & { stdout: string }> {
  fs.rmSync(usageFile, { force: true });
  const started = process.hrtime.bigint();
  const child = spawn(SERVER_NODE.bin, ['--import', REPORTER, cli, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', MCP_DATABASE_TYPE: 'postgresql', BENCH_USAGE_FILE: usageFile },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`));
      const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage;
      resolve({ wall_s: wall, cpu_s: (usage.userCPUTime + usage.systemCPUTime) / 1e6, peak_rss_mb: usage.maxRSS / 1024, stdout });
    });
  });
}

/** A fresh copy of the migrated data directory. */
function freshHome(template: string, name: string): string {
  const home = path.join(root, name);
  fs.rmSync(home, { recursive: true, force: true });
  fs.cpSync(template, home, { recursive: true });
  return home;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const summary = (runs: Run[]) => ({
  wall_s: round(median(runs.map((r) => r.wall_s))),
  cpu_s: round(median(runs.map((r) => r.cpu_s))),
  peak_rss_mb: round(median(runs.map((r) => r.peak_rss_mb)), 0),
  runs: runs.map((r) => ({ wall_s: round(r.wall_s), cpu_s: round(r.cpu_s), peak_rss_mb: round(r.peak_rss_mb, 0) })),
});

const started = Date.now();
try {
  const template = path.join(root, 'template');
  fs.mkdirSync(template);
  log('migrating a new embedded PostgreSQL data directory (once)');
  await run(CLI, ['migrate'], template);

  const variants: [string, (i: number) => Promise<Run>][] = [
    ['version', () => run(CLI, ['--version'], template)],
    ['user_add', (i) => userAdd(CLI, i)],
    ...(BEFORE ? ([['user_add_before', (i: number) => userAdd(BEFORE, i)]] as [string, (i: number) => Promise<Run>][]) : []),
  ];
  async function userAdd(cli: string, i: number): Promise<Run> {
    const result = await run(cli, ['user', 'add', '--email', `bench-${i}@example.com`], freshHome(template, 'home'), `${PASSWORD}\n`);
    if (!/^added bench-/.test(result.stdout)) throw new Error(`user add said: ${result.stdout}`);
    return result;
  }

  const results: Record<string, Run[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, measure] of variants) {
      const r = await measure(i);
      results[name]!.push(r);
      log(`run ${i + 1}/${RUNS} ${name}: ${r.wall_s.toFixed(2)} s, ${r.cpu_s.toFixed(2)} s CPU, ${r.peak_rss_mb.toFixed(0)} MB peak`);
    }
  }
  const s = Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, summary(runs)]));
  const ratio = (a: string, b: string) => ({
    wall: round(s[a]!.wall_s / s[b]!.wall_s),
    cpu: round(s[a]!.cpu_s / s[b]!.cpu_s),
    peak_rss: round(s[a]!.peak_rss_mb / s[b]!.peak_rss_mb),
  });
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: SERVER_NODE.version,
      platform: `${os.platform()} ${os.release()}`,
      load: os.loadavg().map((l) => round(l)),
    },
    runs: RUNS,
    medians: s,
    user_add_over_version: ratio('user_add', 'version'),
    ...(BEFORE
      ? { before: BEFORE, user_add_before_over_version: ratio('user_add_before', 'version'), user_add_over_before: ratio('user_add', 'user_add_before') }
      : {}),
    total_seconds: Math.round((Date.now() - started) / 1000),
  };
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/cli-pglite.json', JSON.stringify(report, null, 2) + '\n');
  for (const [name, m] of Object.entries(s)) log(`${name.padEnd(16)} median ${m.wall_s} s wall, ${m.cpu_s} s CPU, ${m.peak_rss_mb} MB peak`);
  log(`user add / --version: ${JSON.stringify(report.user_add_over_version)}`);
  if (BEFORE) log(`user add, this build / before: ${JSON.stringify(report.user_add_over_before)}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
