#!/usr/bin/env node
// Runs the tests with node's test runner (through tsx) and exits non-zero on any failure.
//  1. every test/**/*.test.ts on SQLite;
//  2. the domain suite again on embedded PostgreSQL (PGlite, with pgvector);
//  3. the domain suite again on a real PostgreSQL server when TEST_DATABASE_URL is set.
// Node 20's --test takes no globs, so the files are found here. Arguments narrow the run to
// those files (on SQLite only).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function find(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? find(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The tests of what the server does, whatever stores it. */
const DOMAIN_SUITE = [...find('test/tools'), 'test/resources.test.ts', 'test/users.test.ts', 'test/persistence.test.ts', 'test/protocol.test.ts', 'test/storage/transaction.test.ts', 'test/security/injection.test.ts', 'test/security/bad-data.test.ts', 'test/storage/document-pieces.test.ts'];

function run(engine, files) {
  console.log(`\n=== ${files.length} test files on ${engine} ===\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files.sort()],
    { stdio: 'inherit', env: { ...process.env, TEST_ENGINE: engine } },
  );
  return result.status ?? 1;
}

const only = process.argv.slice(2);
const passes = only.length
  ? [['sqlite', only]]
  : [
      ['sqlite', find('test')],
      ['pglite', DOMAIN_SUITE],
      ...(process.env.TEST_DATABASE_URL ? [['postgres', DOMAIN_SUITE]] : []),
    ];
const failed = passes.filter(([engine, files]) => run(engine, files) !== 0).map(([engine]) => engine);
if (!process.env.TEST_DATABASE_URL && !only.length) console.log('\n(TEST_DATABASE_URL is not set: the PostgreSQL-server pass was skipped)');
if (failed.length) {
  console.log(`\nFAILED on: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nAll passes green: ${passes.map(([engine]) => engine).join(', ')}`);
