import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { Client, StreamableHTTPClientTransport, type OAuthClientProvider } from '@modelcontextprotocol/client';
import { CLI, serverEnv, tempHome, type Era } from './server.js';

export interface HttpServerOptions {
  home?: string;
  env?: Record<string, string>;
  args?: string[];
}

const live = new Set<HttpTestServer>();
after(() => Promise.all([...live].map((s) => s.close())));

/** `mcp-pa serve` (the built binary) on a loopback port the system picks. */
export class HttpTestServer {
  readonly logs: string[] = [];
  readonly #logged = new EventEmitter();
  /** The public URL (MCP_PUBLIC_URL when set). */
  url = '';
  /** Where this process listens (differs from url when another instance holds the public URL). */
  listen = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly home: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get mcpUrl(): URL {
    return new URL(`${this.url}/mcp`);
  }

  static async start(options: HttpServerOptions = {}): Promise<HttpTestServer> {
    const home = options.home ?? tempHome('mcp-pa-http-');
    const env = serverEnv(home, { MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_PA_LOG_LEVEL: 'info', ...options.env });
    const child = spawn(process.execPath, [CLI, ...(options.args ?? []), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new HttpTestServer(child, home);
    live.add(server);
    let pending = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          server.logs.push(line);
          server.#logged.emit('line');
          const entry = parseLog(line);
          if (entry?.msg === 'serving MCP over HTTP') {
            server.url = String(entry.url).replace(/\/mcp$/, '');
            server.listen = String(entry.listen);
            resolve();
          }
        }
      });
      child.once('exit', (code) => reject(new Error(`mcp-pa serve exited with ${code} before listening:\n${server.logs.join('\n')}${pending}`)));
    });
    return server;
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

  /** Waits for the process to exit by itself; returns its exit code. */
  waitForExit(): Promise<number | null> {
    live.delete(this);
    return this.exited;
  }

  /** SIGTERM, then waits for the process to exit; returns its exit code. */
  async close(): Promise<number | null> {
    live.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
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
