import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Clock } from '../../src/clock.js';
import type { RecallWorker } from '../../src/compose/recall.js';
import { TEST_NOON, TestClock } from './clock.js';
import { engineEnv } from './engines.js';
import { LogLines, startInProcess } from './in-process.js';
import { seedPgliteHome } from './pglite-template.js';
import { tempHome } from './tmp.js';

export const CLI = path.resolve('dist/cli.js');

export { tempHome };

export const dataDir = (home: string) => path.join(home, '.config', 'mcp-pa');

export type Era = 'legacy' | '2026-07-28';

export interface ServerOptions {
  home?: string;
  /** false: always SQLite, whatever TEST_ENGINE says (for tests of SQLite itself). */
  engine?: false;
  env?: Record<string, string>;
  /** Command-line arguments of the binary (so only with `binary: true`). */
  args?: string[];
  era?: Era;
  /**
   * Spawn the built binary (dist/cli.js) over stdio instead of building the server in this process:
   * for what only a process shows (the stdio wire, start-up, exit, encryption at rest, restarts,
   * several processes at once).
   */
  binary?: boolean;
  /** The in-process server's time (default: a TestClock at noon on a fixed day). */
  clock?: Clock;
  /** The name the client gives itself (clientInfo). */
  clientName?: string;
}

/** The environment a spawned server sees: only what the test gives, plus PATH, HOME and a fixed zone. */
export function serverEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', MCP_PA_LOG_LEVEL: 'warn', ...extra };
}

// In-process servers share this process's zone: the same as the binary's (TZ=UTC), set before any
// code reads it.
process.env.TZ = 'UTC';

type ToolResult = Awaited<ReturnType<Client['callTool']>>;

// A server a failed test forgot to stop would keep the test file's process alive: stop them all.
const live = new Set<TestServer>();
after(() => Promise.all([...live].map((s) => s.close())));

/**
 * A real MCP client connected to the server: by default built in this process (see in-process.ts),
 * with `binary: true` the built binary over stdio.
 */
export class TestServer {
  /** What the server logged (pino JSON lines, warnings and up unless MCP_PA_LOG_LEVEL says otherwise). */
  readonly stderr: string[] = [];
  readonly #logged = new EventEmitter();
  /** The in-process server's clock (undefined for the binary, which runs on the system clock). */
  readonly clock: TestClock | undefined;
  /** The in-process server's embedding worker (undefined for the binary). */
  recall: RecallWorker | undefined;
  #stop: () => Promise<void>;

  private constructor(
    readonly client: Client,
    readonly home: string,
    clock: Clock | undefined,
    stop: () => Promise<void>,
  ) {
    this.clock = clock instanceof TestClock ? clock : undefined;
    this.#stop = stop;
  }

  static async start(options: ServerOptions = {}): Promise<TestServer> {
    const home = options.home ?? tempHome();
    const env = serverEnv(home, { ...(options.engine === false ? {} : await engineEnv(home)), ...options.env });
    await seedPgliteHome(home, env);
    const era = options.era ?? '2026-07-28';
    const client = new Client(
      { name: options.clientName ?? 'mcp-pa-tests', version: '1.0.0' },
      { versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: era } } },
    );
    let server: TestServer;
    if (options.binary) {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [CLI, ...(options.args ?? [])],
        env,
        stderr: 'pipe',
        maxBufferSize: 64 * 1024 * 1024,
      });
      server = new TestServer(client, home, undefined, () => client.close());
      transport.stderr?.on('data', (chunk: Buffer) => server.#log(chunk.toString()));
      await client.connect(transport);
    } else {
      if (options.args) throw new Error('command-line arguments need the binary: pass binary: true');
      const clock = options.clock ?? new TestClock();
      const log = new LogLines();
      const inProcess = await startInProcess({ env, clock, log });
      server = new TestServer(client, home, clock, async () => {
        await client.close();
        await inProcess.close();
      });
      server.recall = inProcess.recall;
      // What it logged while starting, then the rest as it comes.
      for (const line of log.lines) server.#log(line);
      log.on('line', (line: string) => server.#log(line));
      await client.connect(inProcess.transport);
    }
    live.add(server);
    return server;
  }

  #log(text: string) {
    this.stderr.push(text);
    this.#logged.emit('text');
  }

  /** Resolves once the server's log holds text. */
  async waitForLog(text: string): Promise<void> {
    while (!this.stderr.join('').includes(text)) await once(this.#logged, 'text');
  }

  /** Calls a tool and returns its whole result, error or not. */
  call(name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
    return this.client.callTool({ name, arguments: args });
  }

  /** Calls a tool that must succeed; returns its structured content. */
  async ok<T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await this.call(name, args);
    assert.notEqual(result.isError, true, `${name} failed: ${textOf(result)}`);
    assert.ok(result.structuredContent, `${name} returned no structured content`);
    return result.structuredContent as T;
  }

  /** Calls a tool that must fail as a tool error; returns the message. */
  async fails(name: string, args: Record<string, unknown>): Promise<string> {
    const result = await this.call(name, args);
    assert.equal(result.isError, true, `${name} should have failed but returned ${textOf(result)}`);
    return textOf(result);
  }

  async close(): Promise<void> {
    live.delete(this);
    await this.#stop();
  }
}

function textOf(result: ToolResult): string {
  return (result.content as { type: string; text?: string }[])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

/**
 * Dates relative to today in UTC (the test servers run with TZ=UTC): today is the day of the
 * in-process servers' TestClock, or, for a binary, the machine's.
 */
export function day(offset: number, today: number = TEST_NOON): string {
  const d = new Date(today);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Settings Node reads only as a process starts (NODE_*) cannot reach anything run in this process: refused, naming the way out. */
export function refuseStartupEnv(env: Record<string, string>, instead: string): void {
  const atStart = Object.keys(env).filter((name) => name.startsWith('NODE_'));
  if (atStart.length) throw new Error(`${atStart.join(', ')}: read by Node as a process starts; ${instead}`);
}

/**
 * Runs the command line in this process, as the binary would (its `main`, with the environment a
 * spawned binary would see, `input` as its stdin, not a terminal), and collects what it wrote and
 * logged. A `serve` that starts serving instead of refusing stops again at once, as SIGTERM would
 * stop it (the test then sees exit code 0), so a test of a refusal fails instead of hanging.
 */
export async function runCli(args: string[], home: string, env: Record<string, string> = {}, input = ''): Promise<CliResult> {
  refuseStartupEnv(env, 'use runBinary');
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const collect = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const err = collect((text) => (stderr += text));
  const io = {
    env: serverEnv(home, env),
    stdin: Readable.from(input ? [input] : []),
    stdout: collect((text) => (stdout += text)),
    stderr: err,
    log: { write: (text: string) => void err.write(text) },
    exitCode: 0,
    stop: AbortSignal.abort(),
  };
  const code = await main(['node', 'mcp-pa', ...args], io);
  return { code, stdout, stderr };
}

/**
 * Runs the built binary to completion, stdin closed after `input`: for what only a process shows
 * (exit codes as the shell sees them, a pipe, the command line as typed). The deadline only
 * catches a hang: ten minutes, which a loaded machine does not reach.
 */
export function runBinary(args: string[], home: string, env: Record<string, string> = {}, input = '', timeoutMs = 600_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: serverEnv(home, env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-pa ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Runs fn against a fresh server and always stops the server, even when an assertion fails. */
export async function withServer<T>(options: ServerOptions, fn: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await TestServer.start(options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}
