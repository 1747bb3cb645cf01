#!/usr/bin/env node
// Verifies the container image's recipe without a container engine (docs/deployment.md). No image
// is built: this script reads Containerfile and carries out its instructions on this machine, one
// by one, each stage in its own directory (a container path /p of stage S is <scratch>/stages/S/p;
// the base image's Node, /usr/local, is tools/node's Node of the same major version):
//  - the build context is copied by .dockerignore's rules;
//  - FROM picks the Node; WORKDIR, ENV, COPY (from the context or --from a stage) are carried out
//    as a builder does; RUN runs `npm ...` lines as written, and the few other lines it knows (a
//    RUN it does not know fails the script: update this script with the Containerfile);
//  - USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD of the last stage say how the server is run.
// Then the runtime stage's tree is run as the image would run: as USER (setpriv), in a private
// mount namespace where the whole root filesystem is read-only, /tmp is a fresh tmpfs and only a
// "volume" is mounted writable on /data (unshare + mount; needs root):
//  1. a probe shows what the server can write (only /data and /tmp);
//  2. `stdio` (the entrypoint, CMD replaced) with a real MCP client: tools listed, a todo created
//     and read back, and again by a second process, with its SQLite database on the volume;
//  3. `serve` (CMD) with the embedded database and authorization server, its files on the volume;
//  4. deploy/postgres-init.sh (what compose.yaml's database runs on its first start) on this
//     machine's PostgreSQL, in a database and roles of its own, dropped at the end; `migrate` as the
//     owner, then `serve` (CMD) logged in as the login role, over HTTPS with a throw-away
//     certificate, with no volume (as in compose.yaml): /healthz, /readyz, the protected resource
//     metadata, 401 on /mcp, no SECURITY warning, `user add` and `user list` beside it, the
//     HEALTHCHECK command passes (and fails once the server has stopped), and SIGTERM ends it with
//     exit code 0.
// Also: every MCP_* variable named in Containerfile, compose.yaml, .env.example, deploy/ and
// docs/deployment.md is one mcp-pa reads. Exits non-zero on any failure, within a time budget;
// removes its directories, processes, database and roles.
//
//   node scripts/verify-image.mjs           # as root; PostgreSQL at VERIFY_DATABASE_URL
//                                           # (default postgres://postgres@127.0.0.1:5432/postgres)
//   VERIFY_NODE=24 node scripts/verify-image.mjs    # as with --build-arg NODE_VERSION=24
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chooseNode, ROOT } from './node-runtime.mjs';
import { check, checkServe, checkStdio, cleanEnv, freePort, onCleanup, request, run, runMain, runNow, scratch, startServe, step } from './verify-helpers.mjs';

const BUDGET_MS = 25 * 60_000;
const CONTAINERFILE = path.join(ROOT, 'Containerfile');
const ADMIN_URL = process.env.VERIFY_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

// --- Containerfile ---------------------------------------------------------------------------

/** Instructions in order, continuation lines joined, comments dropped: [{ op, rest, line }]. */
function instructions(text) {
  const out = [];
  let current;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (current === undefined && (line === '' || line.startsWith('#'))) return;
    if (current !== undefined && line.startsWith('#')) return; // a comment inside a continued instruction
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    current = current === undefined ? { text: body, line: i + 1 } : { ...current, text: `${current.text} ${body}` };
    if (!continued) {
      const m = /^(\S+)\s*(.*)$/.exec(current.text);
      out.push({ op: m[1].toUpperCase(), rest: m[2], line: current.line });
      current = undefined;
    }
  });
  return out;
}

/** `--name=value` flags at the start of an instruction's arguments, and what follows them. */
function flags(rest) {
  const found = {};
  let remaining = rest;
  for (let m; (m = /^--([\w-]+)=(\S+)\s*/.exec(remaining)); remaining = remaining.slice(m[0].length)) found[m[1]] = m[2];
  return { flags: found, rest: remaining };
}

function envPairs(rest) {
  const tokens = rest.split(/\s+/).filter(Boolean);
  if (!tokens[0]?.includes('=')) return [[tokens[0], tokens.slice(1).join(' ')]];
  return tokens.map((t) => {
    const i = t.indexOf('=');
    return [t.slice(0, i), t.slice(i + 1).replace(/^"(.*)"$/, '$1')];
  });
}

const execForm = (rest, where) => {
  try {
    const argv = JSON.parse(rest);
    if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) return argv;
  } catch {
    // not JSON
  }
  throw new Error(`${where}: only the exec form (a JSON array) is supported, and recommended (signals reach node): ${rest}`);
};

/**
 * RUN lines other than npm's that this script knows how to carry out on this machine (`map` turns
 * a path of the stage into one here). Any other RUN line fails the script.
 */
const KNOWN_RUN = {
  'mkdir -p /data && chown 1000:1000 /data': (map) => {
    fs.mkdirSync(map('/data'), { recursive: true });
    fs.chownSync(map('/data'), 1000, 1000);
  },
};

/** Reads .dockerignore: [{ negate, re }], matched against a path or any of its parents, last match wins. */
function ignoreRules() {
  const file = path.join(ROOT, '.dockerignore');
  check(fs.existsSync(file), 'there is no .dockerignore: the whole checkout (node_modules, tools/node, .git, .env) would be the build context');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ''));
      const body = pattern
        .split(/(\*\*|\*|\?)/)
        .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { negate, re: new RegExp(`^${body}$`), literal: pattern.split(/[*?[]/)[0] };
    });
}

function ignored(rules, rel) {
  const parts = rel.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let result = false;
  for (const rule of rules) if (candidates.some((c) => rule.re.test(c))) result = !rule.negate;
  return result;
}

/** Copies the checkout into `to` as a builder sends the build context: what .dockerignore leaves. */
function copyContext(to) {
  const rules = ignoreRules();
  const copied = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // An ignored folder is entered only when an exception might take something back inside it.
        if (!ignored(rules, child) || rules.some((r) => r.negate && (r.literal.startsWith(`${child}/`) || r.literal === ''))) walk(child);
      } else if (!ignored(rules, child)) {
        fs.mkdirSync(path.join(to, rel), { recursive: true });
        fs.cpSync(path.join(ROOT, child), path.join(to, child), { verbatimSymlinks: true });
        copied.push(child);
      }
    }
  };
  walk('');
  return copied;
}

// --- carrying out the stages ---------------------------------------------------------------------

/**
 * Carries out every stage of the Containerfile under `dir`; returns what running the last one
 * needs: its root, workdir, environment, user, healthcheck, entrypoint and command.
 */
async function build(dir, context) {
  const all = instructions(fs.readFileSync(CONTAINERFILE, 'utf8'));
  const args = {};
  const stages = [];
  let stage;
  const where = (ins) => `Containerfile:${ins.line} (${ins.op} ${ins.rest.slice(0, 60)})`;
  for (const ins of all) {
    const subst = (s) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? stage?.env[a ?? b] ?? '');
    if (ins.op === 'ARG') {
      check(!stage, `${where(ins)}: ARG inside a stage is not supported here`);
      const [name, value = ''] = ins.rest.split('=');
      args[name] = name === 'NODE_VERSION' && process.env.VERIFY_NODE ? process.env.VERIFY_NODE : value;
      continue;
    }
    if (ins.op === 'FROM') {
      const m = /^node:(\d+)-(bookworm(?:-slim)?)(?:\s+AS\s+(\S+))?$/i.exec(subst(ins.rest));
      check(m, `${where(ins)}: the base image should be node:<major>-bookworm[-slim], whose Node this script stands in for with tools/node`);
      const node = chooseNode(m[1]);
      const name = m[3] ?? `stage${stages.length}`;
      const root = path.join(dir, 'stages', name);
      fs.mkdirSync(root, { recursive: true });
      // What the base image provides: Node (with its headers) in /usr/local, and the rest of a Debian system.
      const map = (p) => (p.startsWith('/usr/local/') || p === '/usr/local' ? path.join(node.headers, p.slice('/usr/local'.length)) : path.join(root, p));
      // The base image's user `node` (1000:1000) and its home.
      fs.mkdirSync(map('/home/node'), { recursive: true });
      fs.chownSync(map('/home/node'), 1000, 1000);
      stage = { name, base: `node:${m[1]}-${m[2]}`, node, root, map, workdir: '/', env: {}, user: '0', copies: [], runs: [] };
      stages.push(stage);
      console.log(`   FROM node:${m[1]}-${m[2]}${m[3] ? ` AS ${m[3]}` : ''}: Node ${node.version} from tools/node, in ${path.relative(dir, root)}`);
      continue;
    }
    check(stage, `${where(ins)}: an instruction before FROM`);
    const cwd = () => stage.map(stage.workdir);
    switch (ins.op) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, subst(ins.rest));
        fs.mkdirSync(cwd(), { recursive: true });
        break;
      case 'ENV':
        for (const [k, v] of envPairs(ins.rest)) stage.env[k] = subst(v);
        break;
      case 'COPY': {
        const { flags: f, rest } = flags(ins.rest);
        check(
          Object.keys(f).every((k) => k === 'from'),
          `${where(ins)}: COPY flags other than --from are not supported here`,
        );
        const parts = rest.split(/\s+/);
        const dest = path.posix.resolve(stage.workdir, parts.pop());
        const destIsDir = parts.length > 1 || rest.trimEnd().endsWith('/');
        const from = f.from && stages.find((s) => s.name === f.from);
        check(!f.from || from, `${where(ins)}: no earlier stage named ${f.from}`);
        for (const src of parts) {
          const source = from ? from.map(path.posix.resolve('/', src)) : path.join(context, src);
          check(
            fs.existsSync(source),
            `${where(ins)}: ${src} does not exist in ${from ? `stage ${from.name}` : 'the build context (.dockerignore leaves it out?)'}`,
          );
          const isDir = fs.statSync(source).isDirectory();
          const target = stage.map(isDir || !destIsDir ? dest : path.posix.join(dest, path.basename(src)));
          fs.mkdirSync(isDir ? target : path.dirname(target), { recursive: true });
          fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
        }
        stage.copies.push({ from: f.from, sources: parts, dest });
        console.log(`   ${ins.op} ${ins.rest}`);
        break;
      }
      case 'RUN': {
        const command = ins.rest;
        stage.runs.push(command);
        if (command.startsWith('npm ')) {
          const env = cleanEnv(stage.node, Object.fromEntries(Object.entries(stage.env).map(([k, v]) => [k, v.startsWith('/') ? stage.map(v) : v])));
          const started = Date.now();
          await run('sh', ['-c', command], { cwd: cwd(), env, timeoutMs: 10 * 60_000 });
          console.log(`     (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } else {
          check(KNOWN_RUN[command], `${where(ins)}: this script does not know how to carry out that RUN line: add it to KNOWN_RUN in scripts/verify-image.mjs`);
          KNOWN_RUN[command](stage.map);
          console.log(`   RUN ${command}`);
        }
        break;
      }
      case 'USER':
        stage.user = ins.rest;
        break;
      case 'EXPOSE':
        stage.expose = ins.rest;
        break;
      case 'HEALTHCHECK': {
        const { flags: f, rest } = flags(ins.rest);
        check(rest.startsWith('CMD '), `${where(ins)}: HEALTHCHECK should be CMD [...]`);
        stage.healthcheck = { options: f, argv: execForm(rest.slice(4), where(ins)) };
        break;
      }
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(ins.rest, where(ins));
        break;
      case 'CMD':
        stage.cmd = execForm(ins.rest, where(ins));
        break;
      default:
        throw new Error(`${where(ins)}: ${ins.op} is not an instruction this script knows: teach scripts/verify-image.mjs what it means`);
    }
  }
  return stages;
}

/** What the recipe must say, beyond what carrying it out checks. */
function checkRecipe(stages) {
  const last = stages.at(-1);
  const from = (name) => stages.find((s) => s.name === name);
  const copied = (source) => last.copies.find((c) => c.sources.some((s) => path.posix.resolve('/', s) === source) && c.from);
  const modules = copied('/app/node_modules');
  check(
    modules && from(modules.from).runs.some((r) => /^npm ci\b.*--omit=dev\b/.test(r)),
    'the runtime stage should copy node_modules from a stage that runs npm ci --omit=dev',
  );
  const dist = copied('/app/dist');
  check(dist && from(dist.from).runs.includes('npm run build'), 'the runtime stage should copy dist from a stage that runs npm run build');
  check(
    last.copies.some((c) => !c.from && c.sources.includes('package.json')),
    'the runtime stage needs package.json ("type": "module")',
  );
  check(!last.runs.some((r) => r.startsWith('npm ')), 'the runtime stage should install nothing itself (no compilers there)');
  const [uid, gid = uid] = last.user.split(':');
  check(/^[1-9]\d*$/.test(uid) && /^\d+$/.test(gid), `USER should be a non-root uid:gid by number (it is "${last.user}")`);
  check(last.env.XDG_CONFIG_HOME?.startsWith('/'), 'ENV XDG_CONFIG_HOME should name the data volume');
  check(last.healthcheck, 'the runtime stage has no HEALTHCHECK');
  check(
    JSON.stringify(last.entrypoint) === JSON.stringify(['node', 'dist/cli.js']),
    `ENTRYPOINT should be ["node", "dist/cli.js"], not ${JSON.stringify(last.entrypoint)}`,
  );
  check(last.cmd?.length, 'the runtime stage has no CMD');
  check(last.expose === last.env.MCP_PORT, `EXPOSE ${last.expose} should be the port the server listens on (ENV MCP_PORT ${last.env.MCP_PORT})`);
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every MCP_* variable the deployment files name is one mcp-pa reads (src/config/load.ts). */
function checkVariableNames() {
  const load = fs.readFileSync(path.join(ROOT, 'src/config/load.ts'), 'utf8');
  const known = new Set([...load.matchAll(/'(MCP_[A-Z0-9_]+)'/g)].map((m) => m[1]));
  check(known.has('MCP_DATABASE_URL') && known.has('MCP_PA_CONFIG'), 'cannot read the variable names from src/config/load.ts');
  const files = ['Containerfile', 'compose.yaml', '.env.example', 'deploy/postgres-init.sh', 'docs/deployment.md'];
  const unknown = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const [name] of text.matchAll(/\bMCP_[A-Z0-9_]*[A-Z0-9]\b/g)) if (!known.has(name)) unknown.push(`${file}: ${name}`);
  }
  check(unknown.length === 0, `variables mcp-pa does not read: ${[...new Set(unknown)].join(', ')}`);
  const compose = fs.readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8');
  check(/dockerfile:\s*Containerfile\b/.test(compose), 'compose.yaml should build Containerfile');
  check(compose.includes('./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/'), 'compose.yaml should run deploy/postgres-init.sh when its database is new');
  console.log(`   ${files.join(', ')}: every MCP_* variable is one mcp-pa reads`);
}

// --- running the runtime stage -------------------------------------------------------------------

/**
 * The sandbox the runtime stage runs in: a private mount namespace where / is read-only, /tmp a
 * new tmpfs, the stage's tree read-only too, and `volume` (if any) mounted writable on the data
 * directory; then the user of USER, no other groups, no new privileges, and exactly `env`.
 * The scratch tree lives under /tmp: the shell keeps it as its working directory while the tmpfs
 * covers /tmp, and binds it back at the same path.
 */
const SANDBOX = `set -eu
scratch=$1 root=$2 data=$3 volume=$4 workdir=$5 uid=$6 gid=$7
shift 7
cd "$scratch"
mount --rbind / /
mount -o remount,ro,bind /
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mkdir -p "$scratch"
mount --no-canonicalize --bind . "$scratch"
mount -o remount,rw,bind "$scratch"
mount --bind "$root" "$root"
mount -o remount,ro,bind "$root"
if [ -n "$volume" ]; then mount --bind "$volume" "$data"; fi
cd "$workdir"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- env -i "$@"
`;

/** Under /tmp, which the sandbox covers with a tmpfs of its own (a checkout there, and its tools/node, are not seen). */
const underTmp = (p) => p === '/tmp' || p.startsWith('/tmp/');

/** The runtime stage's Node as the sandbox sees it: tools/node's, or a copy in the stage's /usr/local/bin when that is hidden. */
function visibleNode(stage) {
  if (!underTmp(stage.node.bin)) return stage.node.bin;
  const copy = path.join(stage.root, 'usr/local/bin/node');
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(stage.node.bin, copy);
  fs.chmodSync(copy, 0o755);
  return copy;
}

function sandboxed(runtime, { volume = '', env, argv }) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return {
    command: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      SANDBOX,
      'sandbox',
      runtime.scratch,
      runtime.root,
      runtime.data,
      volume,
      runtime.workdir,
      String(runtime.uid),
      String(runtime.gid),
      ...vars,
      ...argv,
    ],
  };
}

/** The environment the server gets in the container: the base image's PATH and HOME, the image's ENV, the run's. */
function containerEnv(runtime, extra = {}) {
  const image = Object.fromEntries(Object.entries(runtime.stage.env).map(([k, v]) => [k, v.startsWith('/') ? runtime.stage.map(v) : v]));
  return {
    PATH: `${path.dirname(runtime.nodeBin)}:/usr/bin:/bin`,
    HOME: runtime.stage.map('/home/node'), // the base image's user's home: read-only here, as there
    ...image,
    ...extra,
  };
}

const PROBE = `
const fs = require('node:fs');
const tries = JSON.parse(process.argv[1]);
const result = {};
for (const [name, dir] of Object.entries(tries)) {
  if (name === 'checkout' && !fs.existsSync(dir)) { result[name] = 'absent'; continue; }
  try { fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(dir + '/.verify-write', 'x'); fs.rmSync(dir + '/.verify-write'); result[name] = 'writable'; }
  catch (err) { result[name] = err.code; }
}
console.log(JSON.stringify(result));
`;

async function main() {
  check(process.getuid?.() === 0, 'run as root: the runtime is checked in a mount namespace (unshare, mount) as the image user (setpriv)');
  const dir = scratch('mcp-pa-verify-image-');
  fs.chmodSync(dir, 0o755); // the image user must reach its files in here

  await step('the deployment files name only variables mcp-pa reads', () => checkVariableNames());

  const context = path.join(dir, 'context');
  await step('the build context, as .dockerignore leaves it', () => {
    const files = copyContext(context);
    const top = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    for (const kept of ['node_modules', 'dist', 'tools', 'test', 'bench', '.git', '.env', 'secrets'])
      check(!top.includes(kept), `the build context holds ${kept}`);
    for (const needed of ['package.json', 'package-lock.json', 'src']) check(top.includes(needed), `the build context lacks ${needed}`);
    console.log(`   ${files.length} files: ${top.join(', ')}`);
  });

  const stages = await step("the Containerfile's stages, carried out here", () => build(dir, context));
  const last = stages.at(-1);
  const { uid, gid } = await step('what the recipe must say', () => checkRecipe(stages));
  const runtime = {
    stage: last,
    nodeBin: visibleNode(last),
    scratch: dir,
    root: last.root,
    data: last.map(last.env.XDG_CONFIG_HOME),
    workdir: last.map(last.workdir),
    uid,
    gid,
  };

  await step('the runtime stage holds the server and its production dependencies only', async () => {
    const app = runtime.workdir;
    const entries = fs.readdirSync(app).sort();
    check(JSON.stringify(entries) === JSON.stringify(['dist', 'node_modules', 'package.json']), `the image's ${last.workdir} holds ${entries.join(', ')}`);
    for (const devOnly of ['typescript', 'tsx', 'eslint', '@modelcontextprotocol/client'])
      check(!fs.existsSync(path.join(app, 'node_modules', devOnly)), `a devDependency is in the image: ${devOnly}`);
    const driver = path.join(app, 'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node');
    check(fs.existsSync(driver), 'the native SQLite driver was not built in the image');
    const { stdout } = await run('du', ['-sm', app], { show: false });
    console.log(`   ${last.workdir}: dist, node_modules (no devDependencies), package.json; the native driver built; ${stdout.split('\t')[0]} MB`);
  });

  // A new named volume takes the ownership and mode of the image's /data (Docker and Podman both copy it up).
  const volume = path.join(dir, 'volume');
  fs.mkdirSync(volume);
  fs.chownSync(volume, fs.statSync(runtime.data).uid, fs.statSync(runtime.data).gid);
  fs.chmodSync(volume, fs.statSync(runtime.data).mode & 0o7777);

  await step(`the sandbox: uid ${uid}, read-only root, tmpfs /tmp, a volume on ${last.env.XDG_CONFIG_HOME}`, async () => {
    const tries = { app: runtime.workdir, data: runtime.data, tmp: '/tmp', home: containerEnv(runtime).HOME, checkout: ROOT };
    const { command, args } = sandboxed(runtime, { volume, env: containerEnv(runtime), argv: ['node', '-e', PROBE, JSON.stringify(tries)] });
    const { stdout } = await run(command, args, { show: false });
    const result = JSON.parse(stdout);
    // A checkout under /tmp is hidden by the sandbox's own tmpfs there; anywhere else it is read-only.
    const want = { app: 'EROFS', data: 'writable', tmp: 'writable', home: 'EROFS', checkout: underTmp(ROOT) ? 'absent' : 'EROFS' };
    check(
      JSON.stringify(result) === JSON.stringify(want),
      `the sandbox is not what the image gives: ${JSON.stringify(result)}, expected ${JSON.stringify(want)}`,
    );
    const whoami = sandboxed(runtime, { env: containerEnv(runtime), argv: ['id', '-u'] });
    const { stdout: id } = await run(whoami.command, whoami.args, { show: false });
    check(id.trim() === String(uid), `the sandbox runs as uid ${id.trim()}`);
    console.log(`   as uid ${uid}: the app and everything else read-only; writable: the volume and /tmp`);
  });

  await step(`ENTRYPOINT + stdio, with a real MCP client: ${[...last.entrypoint, 'stdio'].join(' ')}`, async () => {
    const { command, args } = sandboxed(runtime, { volume, env: containerEnv(runtime, { MCP_PA_LOG_LEVEL: 'warn' }), argv: [...last.entrypoint, 'stdio'] });
    await checkStdio({ command, args });
    const db = path.join(volume, 'mcp-pa/database.sqlite');
    check(fs.existsSync(db), `no database on the volume (${db})`);
    const stat = fs.statSync(db);
    check(stat.uid === uid && (stat.mode & 0o077) === 0, `the database on the volume is owned by ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)}`);
    console.log(`   the database is on the volume (mcp-pa/database.sqlite), owned by uid ${uid}, private`);
  });

  await step('CMD (serve) with its data on the volume: embedded PostgreSQL and authorization server, loopback HTTP', async () => {
    const port = String(await freePort());
    const env = containerEnv(runtime, { MCP_HOST: '127.0.0.1', MCP_PORT: port, MCP_PA_LOG_LEVEL: 'info' });
    const serve = sandboxed(runtime, { volume, env, argv: [...last.entrypoint, ...last.cmd] });
    const server = await startServe(serve.command, serve.args, {
      env: process.env,
      label: `(sandboxed, as uid ${uid}) ${[...last.entrypoint, ...last.cmd].join(' ')}`,
    });
    await checkServe(server.listen, server.url);
    const health = sandboxed(runtime, { volume, env, argv: last.healthcheck.argv });
    await run(health.command, health.args, { show: false, timeoutMs: 30_000 });
    console.log('   the HEALTHCHECK command passes (over HTTP)');
    const code = await server.stop();
    check(code === 0, `serve exited with ${code} after SIGTERM`);
    for (const made of ['mcp-pa/pgdata', 'mcp-pa/oauth-signing-keys.kek']) check(fs.existsSync(path.join(volume, made)), `no ${made} on the volume`);
    console.log('   the embedded database (mcp-pa/pgdata) and the key-encryption key file are on the volume; SIGTERM: exit code 0');
  });

  await step("compose.yaml's database set-up on this machine's PostgreSQL, then migrate and serve (CMD) from the image", async () => {
    const suffix = crypto.randomBytes(4).toString('hex');
    const db = `mcp_pa_verify_image_${suffix}`;
    const roles = { owner: `mcp_pa_verify_owner_${suffix}`, app: `mcp_pa_verify_app_${suffix}`, login: `mcp_pa_verify_login_${suffix}` };
    const admin = new URL(ADMIN_URL);
    const psql = (sql) => runNow('psql', [ADMIN_URL, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
    onCleanup(() => {
      const dropped = psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      if (dropped.status !== 0) console.error(`could not drop database ${db}: ${dropped.stderr}`);
      for (const role of [roles.login, roles.owner, roles.app]) psql(`DROP ROLE IF EXISTS ${role}`);
    });
    const created = psql(`CREATE DATABASE ${db}`);
    check(created.status === 0, `cannot create a database at ${admin.host}: ${created.stderr}`);
    const passwords = { owner: crypto.randomBytes(12).toString('hex'), login: crypto.randomBytes(12).toString('hex') };
    await run('sh', [path.join(ROOT, 'deploy/postgres-init.sh')], {
      env: {
        PATH: process.env.PATH,
        PGHOST: admin.hostname,
        PGPORT: admin.port || '5432',
        POSTGRES_USER: decodeURIComponent(admin.username) || 'postgres',
        POSTGRES_DB: db,
        DB_OWNER_ROLE: roles.owner,
        DB_OWNER_PASSWORD: passwords.owner,
        DB_LOGIN_ROLE: roles.login,
        DB_LOGIN_PASSWORD: passwords.login,
        MCP_DATABASE_APP_ROLE: roles.app,
      },
    });
    const url = (role) => `postgresql://${role}:${passwords[role === roles.owner ? 'owner' : 'login']}@${admin.hostname}:${admin.port || 5432}/${db}`;

    const migrate = sandboxed(runtime, {
      env: containerEnv(runtime, { MCP_DATABASE_URL: url(roles.owner), MCP_DATABASE_APP_ROLE: roles.app }),
      argv: [...last.entrypoint, 'migrate'],
    });
    const migrated = await run(migrate.command, migrate.args, { show: false, timeoutMs: 120_000 });
    check(/applied migration/.test(migrated.stdout + migrated.stderr), `migrate reported no migration:\n${migrated.stdout}${migrated.stderr}`);
    console.log(`   deploy/postgres-init.sh, then migrate as ${roles.owner}: ${(migrated.stdout.match(/applied migration/g) ?? []).length} migrations applied`);

    // A throw-away certificate for 127.0.0.1, readable by the image user (as compose's secrets must be).
    const secrets = path.join(dir, 'secrets');
    fs.mkdirSync(secrets, { mode: 0o755 });
    const cert = path.join(secrets, 'tls.crt');
    const key = path.join(secrets, 'tls.key');
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { show: false },
    );
    fs.chownSync(key, uid, gid);
    fs.chmodSync(key, 0o600);
    const port = String(await freePort());
    // compose.yaml's service environment; MCP_HOST 127.0.0.1 rather than the image's 0.0.0.0 (this
    // machine is no container network: nothing here listens beyond loopback), and a free port.
    const env = containerEnv(runtime, {
      MCP_DATABASE_URL: url(roles.login),
      MCP_DATABASE_APP_ROLE: roles.app,
      MCP_OAUTH_KEY_ENCRYPTION_KEY: crypto.randomBytes(24).toString('hex'),
      MCP_PUBLIC_URL: `https://127.0.0.1:${port}`,
      MCP_TLS_CERT: cert,
      MCP_TLS_KEY: key,
      MCP_HOST: '127.0.0.1',
      MCP_PORT: port,
      MCP_PA_LOG_LEVEL: 'info',
    });
    const serve = sandboxed(runtime, { env, argv: [...last.entrypoint, ...last.cmd] });
    const server = await startServe(serve.command, serve.args, {
      env: process.env,
      label: `(sandboxed, as uid ${uid}) ${[...last.entrypoint, ...last.cmd].join(' ')}`,
    });
    console.log(`   serving ${server.url} as ${roles.login} (a member of ${roles.app} only), no volume`);
    await checkServe(server.listen, server.url, { ca: fs.readFileSync(cert) });
    const readyz = JSON.parse((await request(`${server.listen}/readyz`, { ca: fs.readFileSync(cert) })).body);
    check(readyz.checks?.row_level_security === 'enforced', `/readyz says row-level security is ${readyz.checks?.row_level_security}`);
    const security = server.logs.filter((l) => l.includes('SECURITY'));
    check(security.length === 0, `the server warns about its database roles:\n${security.join('\n')}`);
    console.log('   row-level security enforced; no SECURITY warning about the login role');

    // An administrative command beside the running server, as `docker compose run --rm mcp-pa user add` runs it.
    const password = crypto.randomBytes(12).toString('hex');
    const userAdd = sandboxed(runtime, { env, argv: [...last.entrypoint, 'user', 'add', '--email', 'verify@example.com'] });
    await run(userAdd.command, userAdd.args, { show: false, input: `${password}\n${password}\n` });
    const userList = sandboxed(runtime, { env, argv: [...last.entrypoint, 'user', 'list', '--json'] });
    const { stdout: users } = await run(userList.command, userList.args, { show: false });
    check(users.includes('verify@example.com'), `user list does not show the account user add made: ${users}`);
    console.log(`   user add and user list beside the server, as ${roles.login}`);

    const health = sandboxed(runtime, { env, argv: last.healthcheck.argv });
    await run(health.command, health.args, { show: false, timeoutMs: 30_000 });
    console.log(
      `   the HEALTHCHECK command passes (${Object.entries(last.healthcheck.options)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );
    const code = await server.stop();
    check(code === 0, `serve exited with ${code} after SIGTERM`);
    console.log('   SIGTERM: exit code 0');
    const after = await run(health.command, health.args, { show: false, timeoutMs: 30_000 }).then(
      () => 'passed',
      () => 'failed',
    );
    check(after === 'failed', 'the HEALTHCHECK command passes with no server running: it checks nothing');
    console.log('   with the server stopped, the HEALTHCHECK command fails');
  });
}

runMain('verify-image', BUDGET_MS, main);
