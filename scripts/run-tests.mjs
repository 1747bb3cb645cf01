#!/usr/bin/env node
// Runs the tests with node's test runner (through tsx) and exits non-zero on any failure.
//  1. every test/**/*.test.ts on SQLite;
//  2. the domain suite again on embedded PostgreSQL (PGlite, with pgvector);
//  3. the domain suite again on a real PostgreSQL server when TEST_DATABASE_URL is set.
// The fault tests (test/faults) are not among them: scripts/run-faults.mjs runs those.
// Arguments narrow the run to those files, on TEST_ENGINE (SQLite unless set).
//
// The tests run under a Node that meets package.json's engines floor, whichever Node starts this
// script (see node-runtime.mjs): TEST_NODE=22 or 24 picks tools/node's, TEST_NODE=current this
// one; unset, this one when it meets the floor, else tools/node's node22 (the floor itself). The
// native SQLite driver is built for it first, and the conformance tools installed, when missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseNode, ensureInstalled, ensureNativeDriver, envFor, ROOT } from './node-runtime.mjs';

/** The fault tests (test/faults: balancer, crashes, restarts, a 10-minute soak) run apart: `npm run test:faults`. */
const FAULTS = path.join('test', 'faults');

function find(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (p === FAULTS) return [];
    return e.isDirectory() ? find(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The tests of what the server does, whatever stores it. */
const DOMAIN_SUITE = [
  ...find('test/tools'),
  'test/resources.test.ts',
  'test/users.test.ts',
  'test/persistence.test.ts',
  'test/protocol.test.ts',
  'test/storage/transaction.test.ts',
  'test/security/injection.test.ts',
  'test/security/bad-data.test.ts',
  'test/storage/document-pieces.test.ts',
];

const node = chooseNode(process.env.TEST_NODE, '22');
ensureNativeDriver(node);

// The tests' temporary files (homes, certificates, clusters) go under one directory, removed when
// the run ends, pass or fail: a run leaves nothing behind. (TEST_TMPDIR, not TMPDIR: tsx keeps its
// compile cache in the system's temporary directory, and should keep it between runs.)
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-tests-'));
process.on('exit', () => fs.rmSync(runTmp, { recursive: true, force: true }));
// Ctrl-C or a cancelled CI job: exit (and so clean up) once the pass running has stopped too.
process.on('SIGINT', () => process.exit(130)).on('SIGTERM', () => process.exit(143));
const testEnv = { ...envFor(node), TEST_TMPDIR: runTmp };

/**
 * The migrated embedded-PostgreSQL cluster the tests copy for each home on PGlite, made once for
 * the whole run by the tests' own source (instead of once in every test process).
 */
function makePgliteTemplate() {
  const home = fs.mkdtempSync(path.join(runTmp, 'pglite-template-'));
  const made = spawnSync(node.bin, ['--import', 'tsx', 'test/helpers/pglite-template.ts', home], { cwd: ROOT, env: testEnv, encoding: 'utf8' });
  const cluster = path.join(home, '.config', 'mcp-pa', 'pgdata');
  if (made.status !== 0 || !fs.existsSync(cluster)) {
    console.error(`could not make the PGlite template cluster:\n${made.stderr}`);
    process.exit(1);
  }
  return cluster;
}
const pgliteTemplate = makePgliteTemplate();

function run(engine, files) {
  console.log(`\n=== ${files.length} test files on ${engine}, Node ${node.version} ===\n`);
  const result = spawnSync(
    node.bin,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      // TEST_REPORT=<prefix> also writes each pass as TAP (with every file's duration) to <prefix>.<engine>.tap.
      ...(process.env.TEST_REPORT
        ? ['--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${process.env.TEST_REPORT}.${engine}.tap`]
        : []),
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
      ...files.sort(),
    ],
    // The chosen Node is first on the PATH too, for the tests that start `node` by name.
    { stdio: 'inherit', env: { ...testEnv, TEST_ENGINE: engine, TEST_PGLITE_TEMPLATE: pgliteTemplate } },
  );
  return result.status ?? 1;
}

const only = process.argv.slice(2);
const passes = only.length
  ? [[process.env.TEST_ENGINE ?? 'sqlite', only]]
  : [['sqlite', find('test')], ['pglite', DOMAIN_SUITE], ...(process.env.TEST_DATABASE_URL ? [['postgres', DOMAIN_SUITE]] : [])];
if (passes.some(([, files]) => files.some((f) => path.resolve(f).startsWith(path.join(ROOT, 'test/conformance'))))) {
  ensureInstalled(path.join(ROOT, 'tools/conformance'));
}
const failed = passes.filter(([engine, files]) => run(engine, files) !== 0).map(([engine]) => engine);
if (!process.env.TEST_DATABASE_URL && !only.length) console.log('\n(TEST_DATABASE_URL is not set: the PostgreSQL-server pass was skipped)');
if (failed.length) {
  console.log(`\nFAILED on: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nAll passes green on Node ${node.version}: ${passes.map(([engine]) => engine).join(', ')}`);
