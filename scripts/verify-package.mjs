#!/usr/bin/env node
// Verifies the npm package as a user gets it (docs/deployment.md):
//  1. `npm pack` (which runs `prepare`, the build, as `npm publish` does) in a clean copy of the
//     working tree, into a temporary directory;
//  2. the tarball holds what the server needs and nothing else (dist, README, docs, package.json;
//     no sources, tests, benchmarks or tools/node), no build output without its source, and every
//     module dist imports is a dependency or a file in the tarball;
//  3. `npm install <tarball>` into an empty directory, as a user with no devDependencies, with the
//     chosen Node first on the PATH so the native SQLite driver is built for it; `prepare` does not
//     run there (it needs TypeScript, which is not installed);
//  4. the installed `mcp-pa` over stdio with a real MCP client (tools listed, a todo created and read
//     back, and again after a restart), with HOME in a temporary directory;
//  5. `mcp-pa serve` from the install on a free loopback port (plain HTTP on loopback, the embedded
//     authorization server, embedded PostgreSQL): /healthz, /readyz, the protected resource
//     metadata, 401 on /mcp without a token, and a clean exit on SIGTERM.
// Exits non-zero on any failure, within a time budget; removes its directories and processes.
//
//   node scripts/verify-package.mjs          # on tools/node's Node 22 (the engines floor)
//   VERIFY_NODE=24 node scripts/verify-package.mjs
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { chooseNode, ROOT } from './node-runtime.mjs';
import { check, checkServe, checkStdio, cleanEnv, run, runMain, scratch, startServe, step } from './verify-helpers.mjs';

/** What the tarball may hold (paths inside its package/ folder). */
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICEN[CS]E(\.md|\.txt)?$/i, /^dist\/.+\.js(\.map)?$/, /^docs\/.+\.(md|svg)$/];
/** What it must hold. */
const REQUIRED = ['package.json', 'README.md', 'dist/cli.js', 'docs/configuration.md', 'docs/http.md', 'docs/deployment.md'];
/** Installed for the build only: their absence shows the user got no devDependencies. */
const BUILD_ONLY = ['typescript', 'tsx'];

const BUDGET_MS = 20 * 60_000;

const warnings = [];

/** Bare module names and relative paths a built module imports (static, dynamic, or through createRequire). */
function importsOf(code) {
  const found = new Set();
  const patterns = [
    /^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bcreateRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.add(m[1]);
  return [...found];
}

const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function checkContents(entries, unpacked) {
  const outside = entries.filter((e) => !e.startsWith('package/'));
  check(outside.length === 0, `entries outside package/: ${outside.join(', ')}`);
  const files = entries.map((e) => e.slice('package/'.length)).filter((f) => f && !f.endsWith('/'));
  const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  check(unexpected.length === 0, `the tarball holds files a user does not need: ${unexpected.join(', ')}`);
  const missing = REQUIRED.filter((f) => !files.includes(f));
  check(missing.length === 0, `the tarball lacks ${missing.join(', ')}`);
  if (!files.some((f) => /^LICEN[CS]E/i.test(f))) {
    warnings.push('the tarball holds no LICENSE file, though package.json says "license": "MIT" (the repository has none to include)');
  }
  // Build output of a source that no longer exists (tsc never deletes) would be published too.
  const stale = files.filter((f) => f.startsWith('dist/') && !fs.existsSync(path.join(ROOT, 'src', f.slice(5).replace(/\.js(\.map)?$/, '.ts'))));
  check(stale.length === 0, `dist holds build output of sources that are gone: ${stale.join(', ')}`);

  const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const problems = [];
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    for (const spec of importsOf(fs.readFileSync(path.join(unpacked, file), 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (!files.includes(target)) problems.push(`${file} imports ${spec}, which is not in the tarball`);
      } else if (!spec.startsWith('node:') && !builtins.has(spec) && !deps.has(packageName(spec))) {
        problems.push(`${file} imports ${spec}, which is not among the dependencies`);
      }
    }
  }
  check(problems.length === 0, problems.join('\n'));

  check(pkg.bin?.['mcp-pa'] && files.includes(path.posix.normalize(pkg.bin['mcp-pa'])), `the bin mcp-pa (${pkg.bin?.['mcp-pa']}) is not in the tarball`);
  const binFirstLine = fs.readFileSync(path.join(unpacked, pkg.bin['mcp-pa']), 'utf8').split('\n')[0];
  check(binFirstLine === '#!/usr/bin/env node', `the bin starts with ${binFirstLine}, not #!/usr/bin/env node`);
  check(pkg.engines?.node, 'package.json has no engines.node');
  const size = files.reduce((sum, f) => sum + fs.statSync(path.join(unpacked, f)).size, 0);
  console.log(`   ${files.length} files, ${(size / 1e6).toFixed(1)} MB unpacked; bin ${pkg.bin['mcp-pa']}; engines.node ${pkg.engines.node}`);
  return pkg;
}

async function main() {
  const node = chooseNode(process.env.VERIFY_NODE || '22');
  console.log(`Verifying the npm package on Node ${node.version} (${node.bin})`);
  const dir = scratch('mcp-pa-verify-package-');
  const env = cleanEnv(node);

  // Packed from a copy of the working tree as a fresh clone would hold it (tracked and new files,
  // nothing .gitignore'd: no dist, no node_modules), with the checkout's node_modules for the build:
  // the tarball's dist is built from the sources alone, and the checkout's own dist is left alone.
  const tree = path.join(dir, 'tree');
  await step("a clean copy of the working tree (git ls-files), with the checkout's node_modules", async () => {
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, show: false });
    const files = stdout.split('\0').filter((f) => f && fs.existsSync(path.join(ROOT, f)));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
      fs.cpSync(path.join(ROOT, f), path.join(tree, f), { verbatimSymlinks: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    console.log(`   ${files.length} files`);
  });

  const tarball = await step('npm pack (runs prepare: the build)', async () => {
    fs.mkdirSync(path.join(dir, 'pack'));
    await run('npm', ['pack', '--pack-destination', path.join(dir, 'pack'), '--loglevel=warn'], { cwd: tree, env, timeoutMs: 5 * 60_000 });
    const found = fs.readdirSync(path.join(dir, 'pack')).filter((f) => f.endsWith('.tgz'));
    check(found.length === 1, `npm pack made ${found.join(', ') || 'nothing'}`);
    return path.join(dir, 'pack', found[0]);
  });

  const pkg = await step('what the tarball holds', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], { show: false });
    const unpacked = path.join(dir, 'unpacked');
    fs.mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], { show: false });
    return checkContents(stdout.split('\n').filter(Boolean), unpacked);
  });

  const app = path.join(dir, 'app');
  await step(`npm install <tarball> into an empty directory (Node ${node.version}: the native SQLite driver is built for it)`, async () => {
    fs.mkdirSync(app);
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=warn', tarball], { cwd: app, env, timeoutMs: 10 * 60_000 });
    const installed = path.join(app, 'node_modules', pkg.name);
    check(fs.existsSync(path.join(installed, 'dist/cli.js')), `${installed}/dist/cli.js is missing`);
    const present = BUILD_ONLY.filter((name) => fs.existsSync(path.join(app, 'node_modules', name)));
    check(present.length === 0, `build-only packages were installed for the user: ${present.join(', ')}`);
    console.log(`   no ${BUILD_ONLY.join(' or ')} installed: the user has no devDependencies, and prepare (tsc) did not run`);
    const driver = await run(
      node.bin,
      ['-e', "const D = require('better-sqlite3-multiple-ciphers'); console.log(new D(':memory:').prepare('SELECT sqlite_version() AS v').get().v)"],
      { cwd: installed, env, show: false },
    );
    console.log(`   the native SQLite driver loads under Node ${node.version} (SQLite ${driver.stdout.trim()})`);
    const version = await run(path.join(app, 'node_modules/.bin/mcp-pa'), ['--version'], { env, show: false });
    check(version.stdout.trim() === pkg.version, `mcp-pa --version printed ${version.stdout.trim()}, not ${pkg.version}`);
  });

  const bin = path.join(app, 'node_modules/.bin/mcp-pa');
  await step('the installed mcp-pa over stdio, with a real MCP client', async () => {
    const home = path.join(dir, 'home-stdio');
    fs.mkdirSync(home);
    await checkStdio({ command: bin, args: [], cwd: app, env: { PATH: env.PATH, HOME: home, TZ: 'UTC', MCP_PA_LOG_LEVEL: 'warn' } });
    const db = path.join(home, '.config/mcp-pa/database.sqlite');
    check(fs.existsSync(db), `no database at ${db}`);
    console.log(`   its data is in ${path.relative(dir, db)} under the temporary HOME`);
  });

  await step('mcp-pa serve from the install (loopback, plain HTTP, embedded authorization server and PostgreSQL)', async () => {
    const home = path.join(dir, 'home-serve');
    fs.mkdirSync(home);
    const server = await startServe(bin, ['serve'], {
      cwd: app,
      env: { PATH: env.PATH, HOME: home, TZ: 'UTC', MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_PA_LOG_LEVEL: 'info' },
    });
    console.log(`   serving ${server.url}, listening on ${server.listen}`);
    await checkServe(server.listen, server.url);
    const code = await server.stop();
    check(code === 0, `mcp-pa serve exited with ${code} after SIGTERM`);
    console.log('   SIGTERM: exit code 0');
  });

  for (const warning of warnings) console.log(`WARNING: ${warning}`);
}

runMain('verify-package', BUDGET_MS, main);
