#!/usr/bin/env node
// Runs the fault tests (test/faults/*.test.ts), which `npm test` leaves out: three `mcp-pa serve`
// instances behind haproxy on loopback, kill -9 and rolling restarts under load, a private
// PostgreSQL cluster restarted under load, the local server killed in a loop of writes and on a
// full disk, and a mixed soak (FAULTS_SOAK_SECONDS, default 600). One file at a time: they time
// crashes against load, and the machine has few cores. Exits non-zero on any failure.
//
// Needs haproxy (Debian's package), PostgreSQL's initdb and pg_ctl (on the PATH or under
// /usr/lib/postgresql/<version>/bin), and root or password-less sudo for the full-disk test's tmpfs.
// Runs under the same Node as the tests (TEST_NODE=22|24|current; see node-runtime.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseNode, ensureNativeDriver, envFor, ROOT } from './node-runtime.mjs';

const node = chooseNode(process.env.TEST_NODE, '22');
ensureNativeDriver(node);

// Everything the tests make (homes, clusters, the balancer's files) goes under one directory,
// removed when the run ends, pass or fail (see run-tests.mjs).
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-faults-'));
process.on('exit', () => fs.rmSync(runTmp, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130)).on('SIGTERM', () => process.exit(143));

const dir = path.join(ROOT, 'test/faults');
// Arguments: files to run (all of test/faults by default) and flags for node's test runner
// (--test-name-pattern=…).
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = only.length
  ? only
  : fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => path.join('test/faults', f));
console.log(`\n=== ${files.length} fault test files, Node ${node.version} ===\n`);
const started = Date.now();
const result = spawnSync(node.bin, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...flags, ...files.sort()], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...envFor(node), TEST_TMPDIR: runTmp, FAULTS_SOAK_SECONDS: process.env.FAULTS_SOAK_SECONDS ?? '600' },
});
console.log(`\nfault tests ${result.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(result.status ?? 1);
