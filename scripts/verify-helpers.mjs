// What scripts/verify-package.mjs and scripts/verify-image.mjs share: a time budget, commands run
// with a timeout in their own process group, temporary directories and child processes that are
// always cleaned up, a real MCP client over stdio, and the HTTP checks of `mcp-pa serve`.
// Plain JavaScript (run by any Node, like the other scripts); the MCP client is the SDK's, a
// devDependency of this checkout.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const cleanups = [];
const children = new Set();
let cleaned = false;

/** Registers a synchronous clean-up step; they run last-first when the script ends, however it ends. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function cleanUp() {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) killGroup(child, 'SIGKILL');
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      fn();
    } catch (err) {
      console.error(`clean-up: ${err.message}`);
    }
  }
}
process.on('exit', cleanUp);

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Runs `main` within `budgetMs`: exit code 0 when it resolves, 1 when it throws, when the budget
 * runs out or on a signal; temporary directories and child processes are cleaned up in every case.
 */
export function runMain(name, budgetMs, main) {
  const started = Date.now();
  let done = false;
  const finish = (code, message) => {
    if (done) return;
    done = true;
    if (message) console.error(`\n${name}: FAILED: ${message}`);
    else console.log(`\n${name}: every check passed (${seconds(started)})`);
    const cleaning = Date.now();
    cleanUp();
    console.log(`(cleaned up in ${seconds(cleaning)})`);
    process.exit(code);
  };
  setTimeout(() => finish(1, `over its time budget of ${budgetMs / 1000} s`), budgetMs).unref();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => finish(1, `stopped by ${signal}`));
  main().then(
    () => finish(0),
    (err) => finish(1, err instanceof Error ? err.message : String(err)),
  );
}

/** Prints a step's title, runs it, and prints how long it took. */
export async function step(title, fn) {
  console.log(`== ${title}`);
  const started = Date.now();
  const result = await fn();
  console.log(`   ok (${seconds(started)})`);
  return result;
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** A fresh directory under the system's temporary directory, removed when the script ends. */
export function scratch(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The environment for npm and the server: this one without what an enclosing `npm run` set (it
 * would steer the inner npm), with `node` on the PATH being the chosen one and node-gyp building
 * against that Node's headers (tools/node ships them: no download).
 */
export function cleanEnv(node, extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$|NODE_OPTIONS$)/i.test(k)));
  env.PATH = `${path.dirname(node.bin)}${path.delimiter}${env.PATH ?? ''}`;
  if (node.headers) env.npm_config_nodedir = node.headers;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/**
 * Runs a command in its own process group (so a timeout stops everything it started, node-gyp's
 * compilers included) and resolves with its output; rejects, with the output's tail, when it exits
 * non-zero or runs past `timeoutMs`.
 */
export function run(command, args, { cwd, env = process.env, timeoutMs = 120_000, input, show = true } = {}) {
  if (show) console.log(`   $ ${[command, ...args].join(' ')}${cwd ? `   (in ${cwd})` : ''}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const keep = (s, chunk) => (s + chunk).slice(-4 * 1024 * 1024);
    child.stdout.on('data', (c) => (out = keep(out, c)));
    child.stderr.on('data', (c) => (err = keep(err, c)));
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs / 1000} s\n${tail(out + err)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve({ stdout: out, stderr: err });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}\n${tail(out + err)}`));
    });
    // A child that exits without reading its input (git ls-files) may close the pipe first: not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

const tail = (text) =>
  text
    .trimEnd()
    .split('\n')
    .slice(-40)
    .map((l) => `   | ${l}`)
    .join('\n');

/** A synchronous command for the clean-up steps (which run when the process exits). */
export function runNow(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...options });
}

/** A TCP port free on 127.0.0.1 at the moment of asking. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const textOf = (result) =>
  (result.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

/** One stdio session of a real MCP client with the server `params` starts (StdioClientTransport's parameters). */
async function withStdioClient(params, fn, timeoutMs) {
  const client = new Client({ name: 'mcp-pa-verify', version: '1.0.0' });
  const transport = new StdioClientTransport({ ...params, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-64 * 1024)));
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stdio session took longer than ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect(transport);
        await fn(client);
      })(),
      timeout,
    ]);
  } catch (err) {
    throw new Error(`${err.message}\n   server's stderr:\n${tail(stderr)}`, { cause: err });
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

async function callOk(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  check(result.isError !== true, `${name} failed: ${textOf(result)}`);
  check(result.structuredContent, `${name} returned no structured content`);
  return result.structuredContent;
}

/**
 * The stdio check: a client lists the tools, creates a todo and reads it back; then the server is
 * started again and a second client finds the todo (it was written to disk, not kept in memory).
 */
export async function checkStdio(params, { timeoutMs = 60_000 } = {}) {
  const title = `verify ${Math.random().toString(36).slice(2, 10)}`;
  let id;
  await withStdioClient(
    params,
    async (client) => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of ['create_todo', 'list_todos', 'get_status']) check(names.includes(name), `the tool list lacks ${name} (it has ${names.join(', ')})`);
      console.log(`   ${tools.length} tools listed`);
      const todo = await callOk(client, 'create_todo', { title });
      check(todo.title === title && typeof todo.id === 'string', `create_todo returned ${JSON.stringify(todo)}`);
      id = todo.id;
      const page = await callOk(client, 'list_todos', {});
      check(
        page.items.some((t) => t.id === id && t.title === title),
        `list_todos does not show the todo just created: ${JSON.stringify(page)}`,
      );
      console.log(`   created todo ${id} and read it back`);
    },
    timeoutMs,
  );
  await withStdioClient(
    params,
    async (client) => {
      const page = await callOk(client, 'list_todos', {});
      check(
        page.items.some((t) => t.id === id && t.title === title),
        `after a restart, list_todos does not show the todo: ${JSON.stringify(page)}`,
      );
      console.log('   a second server process read it back from disk');
    },
    timeoutMs,
  );
}

/** An HTTP(S) request: { status, headers, body }. `ca`: the certificate to trust (a self-signed one). */
export function request(url, { method = 'GET', headers = {}, body, ca } = {}) {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method, headers, ca, timeout: 15_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts `mcp-pa serve` (in its own process group) and resolves once it logs that it serves:
 * { url (public, ending /mcp), listen, logs, stop() → exit code }. `label` is what is printed
 * instead of the command line (which may hold secrets).
 */
export function startServe(command, args, { cwd, env, timeoutMs = 120_000, label = [command, ...args].join(' ') }) {
  console.log(`   $ ${label}`);
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  const logs = [];
  let pending = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  exited.then(() => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`mcp-pa serve did not start within ${timeoutMs / 1000} s:\n${tail(logs.join('\n'))}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const line of lines) {
        logs.push(line);
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry.msg === 'serving MCP over HTTP') {
          clearTimeout(timer);
          resolve({
            url: entry.url,
            listen: entry.listen,
            logs,
            /** SIGTERM, as `docker stop` sends; resolves with the exit code (or the signal that killed it). */
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              const timeout = new Promise((r) => setTimeout(() => r('still running 40 s after SIGTERM'), 40_000).unref());
              return Promise.race([exited, timeout]);
            },
          });
        }
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mcp-pa serve exited (${code}) before serving:\n${tail(logs.join('\n') + pending)}`));
    });
  });
}

/**
 * The HTTP checks of a running `mcp-pa serve`: /healthz and /readyz answer 200, the Protected
 * Resource Metadata names the MCP endpoint, and /mcp without a token is 401 with the metadata's
 * address. `base` is where it listens; `resource` the public MCP endpoint.
 */
export async function checkServe(base, resource, { ca } = {}) {
  const healthz = await request(`${base}/healthz`, { ca });
  check(healthz.status === 200 && JSON.parse(healthz.body).status === 'ok', `/healthz answered ${healthz.status} ${healthz.body}`);
  const readyz = await request(`${base}/readyz`, { ca });
  check(readyz.status === 200, `/readyz answered ${readyz.status} ${readyz.body}`);
  console.log(`   /healthz 200, /readyz 200 ${readyz.body.slice(0, 300)}`);
  const prm = await request(`${base}/.well-known/oauth-protected-resource`, { ca });
  check(prm.status === 200, `/.well-known/oauth-protected-resource answered ${prm.status} ${prm.body}`);
  const metadata = JSON.parse(prm.body);
  check(metadata.resource === resource, `the protected resource metadata names ${metadata.resource}, not ${resource}`);
  check(Array.isArray(metadata.authorization_servers) && metadata.authorization_servers.length > 0, `no authorization server in ${prm.body}`);
  console.log(`   /.well-known/oauth-protected-resource 200: resource ${metadata.resource}, authorization server ${metadata.authorization_servers[0]}`);
  const mcp = await request(`${base}/mcp`, {
    method: 'POST',
    ca,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  check(
    mcp.status === 401 && /resource_metadata=/.test(mcp.headers['www-authenticate'] ?? ''),
    `/mcp without a token answered ${mcp.status} ${mcp.headers['www-authenticate']}`,
  );
  console.log('   /mcp without a token: 401 with WWW-Authenticate resource_metadata');
}
