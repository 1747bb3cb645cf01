import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after } from 'node:test';
import { Client, StreamableHTTPClientTransport, type OAuthClientProvider } from '@modelcontextprotocol/client';
import { startServing, type ServingHttp } from '../../src/compose/http.js';
import { loadConfig, type ConfigFlags } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { planListen } from '../../src/transports/http/server.js';
import { seedHttpHome } from './pglite-template.js';
import { CLI, refuseStartupEnv, serverEnv, tempHome, type Era } from './server.js';

export interface HttpServerOptions {
  home?: string;
  env?: Record<string, string>;
  /** Command-line arguments: in this process only `--config <file>`; anything else needs `binary`. */
  args?: string[];
  /**
   * Spawn the built binary (`mcp-pa serve`) instead of building the server in this process: for
   * what only a process shows (signals, exit codes, a kill -9).
   */
  binary?: boolean;
}

const live = new Set<HttpTestServer>();
after(() => Promise.all([...live].map((s) => s.close())));

/**
 * `mcp-pa serve` on a loopback port the system picks: by default built in this process by the
 * same composition root as the binary (configuration, account checks, listener, maintenance), with
 * its log captured; with `binary: true` the built binary.
 */
export class HttpTestServer {
  readonly logs: string[] = [];
  readonly #logged = new EventEmitter();
  /** The public URL (MCP_PUBLIC_URL when set). */
  url = '';
  /** Where this process listens (differs from url when another instance holds the public URL). */
  listen = '';
  #child: ChildProcess | undefined;
  #serving: ServingHttp | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);
  #stop: () => Promise<number | null> = async () => null;

  private constructor(readonly home: string) {}

  get mcpUrl(): URL {
    return new URL(`${this.url}/mcp`);
  }

  /** Node's server underneath (only in this process). */
  get listener(): ServingHttp['handle']['listener'] {
    if (!this.#serving) throw new Error("the binary's server is in another process");
    return this.#serving.handle.listener;
  }

  /** The in-process server's Prometheus listener, when `metrics.port` is set. */
  get metricsUrl(): string {
    const url = this.#serving?.handle.metricsUrl;
    if (!url) throw new Error('no metrics listener (set metrics.port; in this process only)');
    return url;
  }

  /** The in-process server's embedding worker. */
  get recall() {
    if (!this.#serving) throw new Error("the binary's server is in another process");
    return this.#serving.handle.recall;
  }

  /** The binary's process (only with `binary: true`). */
  get child(): ChildProcess {
    if (!this.#child) throw new Error('this server runs in the test process: start it with binary: true for a process to signal');
    return this.#child;
  }

  static async start(options: HttpServerOptions = {}): Promise<HttpTestServer> {
    const home = options.home ?? tempHome('mcp-pa-http-');
    const env = serverEnv(home, { MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_PA_LOG_LEVEL: 'info', ...options.env });
    const server = new HttpTestServer(home);
    await seedHttpHome(home, env, configFlags(options.args ?? [], options.binary));
    if (options.binary) await server.#spawn(env, options.args ?? []);
    else await server.#startInProcess(env, options.args ?? []);
    live.add(server);
    return server;
  }

  async #startInProcess(env: Record<string, string>, args: string[]) {
    refuseStartupEnv(env, 'pass binary: true');
    const config = loadConfig(configFlags(args), env, { mode: 'http', serving: true });
    const logger = createLogger(config.logging.level, { write: (text: string) => this.#record(text) });
    const serving = (this.#serving = await startServing(config, logger, planListen(config)));
    const { address, port } = serving.handle.listener.address() as AddressInfo;
    this.url = serving.handle.url;
    this.listen = `${serving.handle.listener instanceof https.Server ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}`;
    this.#stop = () => serving.stop().then(() => null); // no process, no exit code
  }

  async #spawn(env: Record<string, string>, args: string[]) {
    const child = spawn(process.execPath, [CLI, ...args, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.#stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return this.#exited;
    };
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        const entry = this.#record(chunk.toString()).find((line) => parseLog(line)?.msg === 'serving MCP over HTTP');
        if (entry && !this.url) {
          const serving = parseLog(entry)!;
          this.url = String(serving.url).replace(/\/mcp$/, '');
          this.listen = String(serving.listen);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`mcp-pa serve exited with ${code} before listening:\n${this.logs.join('\n')}${this.#pending}`)));
    });
  }

  #pending = '';

  /** Splits what the server wrote into lines (pino writes whole entries; a pipe may cut them anywhere); returns the new ones. */
  #record(text: string): string[] {
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop()!;
    for (const line of lines) {
      this.logs.push(line);
      this.#logged.emit('line');
    }
    return lines;
  }

  /** An MCP client of the given era, connected (with a token provider when given). */
  async client(
    era: Era | '2025-06-18' = '2026-07-28',
    authProvider?: OAuthClientProvider | { token(): Promise<string | undefined> },
    fetchFn?: typeof fetch,
  ): Promise<Client> {
    // 'legacy' offers 2025-11-25; '2025-06-18' an older client that knows nothing later.
    const options =
      era === '2026-07-28'
        ? { versionNegotiation: { mode: { pin: era } } }
        : { versionNegotiation: { mode: 'legacy' as const }, ...(era === '2025-06-18' ? { supportedProtocolVersions: [era] } : {}) };
    const client = new Client({ name: 'mcp-pa-http-tests', version: '1.0.0' }, options);
    await client.connect(new StreamableHTTPClientTransport(this.mcpUrl, { ...(authProvider ? { authProvider } : {}), ...(fetchFn ? { fetch: fetchFn } : {}) }));
    return client;
  }

  /** Log entries (pino JSON) whose message matches. */
  logged(msg: string | RegExp): Record<string, unknown>[] {
    return this.logs.map(parseLog).filter((e): e is Record<string, unknown> => messageMatches(e, msg));
  }

  /** Resolves with the first log entry whose message matches, once the server has written it. */
  async waitForLog(msg: string | RegExp): Promise<Record<string, unknown>> {
    return parseLog(await this.waitForLine((line) => messageMatches(parseLog(line), msg)))!;
  }

  /**
   * Resolves once the server has logged a line that passes the test. Fails (instead of hanging) if
   * none comes within two minutes: far more than a loaded machine needs.
   */
  async waitForLine(test: (line: string) => boolean, deadlineMs = 120_000): Promise<string> {
    const deadline = AbortSignal.timeout(deadlineMs);
    for (;;) {
      const line = this.logs.find(test);
      if (line !== undefined) return line;
      try {
        await once(this.#logged, 'line', { signal: deadline });
      } catch {
        throw new Error(`the server logged no such line within ${deadlineMs} ms:\n${this.logs.join('\n')}`);
      }
    }
  }

  /** Waits for the binary's process to exit by itself; returns its exit code. */
  waitForExit(): Promise<number | null> {
    if (!this.#child) throw new Error('only a process exits by itself: start the server with binary: true');
    live.delete(this);
    return this.#exited;
  }

  /** Stops the server as SIGTERM does (finishing requests in flight); returns the binary's exit code (null in this process). */
  async close(): Promise<number | null> {
    live.delete(this);
    return this.#stop();
  }
}

/** The flags an in-process server understands, as the CLI would parse them. */
function configFlags(args: string[], binary = false): ConfigFlags {
  if (args.length === 0) return {};
  if (args.length === 2 && args[0] === '--config') return { config: args[1] };
  if (binary) return {}; // the binary parses its own; only a seeded home is at stake
  throw new Error(`in-process servers take only --config <file>, not ${args.join(' ')}: pass binary: true`);
}

function messageMatches(entry: Record<string, unknown> | undefined, msg: string | RegExp): boolean {
  return entry !== undefined && (typeof msg === 'string' ? entry.msg === msg : msg.test(String(entry.msg)));
}

function parseLog(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Writes a configuration file into a fresh home; returns the home and the arguments that use it. */
export function withConfigFile(config: Record<string, unknown>, home = tempHome('mcp-pa-http-')): { home: string; args: string[] } {
  const file = path.join(home, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return { home, args: ['--config', file] };
}

/** HTTP mode on loopback with authentication off (development). */
export const devServer = () => withConfigFile({ mode: 'http', authentication: { enabled: false } });
