import { EventEmitter } from 'node:events';
import type { Transport, JSONRPCMessage } from '@modelcontextprotocol/client';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { openLocal } from '../../src/compose/local.js';
import type { RecallWorker } from '../../src/compose/recall.js';
import { LOCAL_TENANT, type OpenedRuntime } from '../../src/runtime.js';

/**
 * One end of a linked pair of transports inside one process. Each message crosses as JSON text, as
 * it would over stdio, so the client sees what a real client sees (no shared objects, no
 * `undefined` fields), and arrives on a later turn of the event loop, as it would from a pipe.
 */
export class WireEnd implements Transport {
  other?: WireEnd;
  #started = false;
  #closed = false;
  #queue: string[] = [];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  static pair(): [WireEnd, WireEnd] {
    const a = new WireEnd();
    const b = new WireEnd();
    a.other = b;
    b.other = a;
    return [a, b];
  }

  async start(): Promise<void> {
    this.#started = true;
    for (const text of this.#queue.splice(0)) this.#deliver(text);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const other = this.other;
    if (this.#closed || !other) throw new Error('the in-process connection is closed');
    const text = JSON.stringify(message);
    setImmediate(() => other.#receive(text));
  }

  #receive(text: string) {
    if (this.#closed) return;
    if (this.#started) this.#deliver(text);
    else this.#queue.push(text);
  }

  #deliver(text: string) {
    try {
      this.onmessage?.(JSON.parse(text) as JSONRPCMessage);
    } catch (err) {
      this.onerror?.(err as Error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const other = this.other;
    this.other = undefined;
    await other?.close();
    this.onclose?.();
  }
}

/** What the log of an in-process server wrote (pino JSON lines), with an event per line. */
export class LogLines extends EventEmitter {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
    this.emit('line', line);
  }
}

export interface InProcessOptions {
  /** The server's environment, as the binary would see it (HOME, engine, MCP_PA_* settings). */
  env: Record<string, string>;
  clock: Clock;
  log: LogLines;
}

export interface InProcessServer {
  /** The client's end of the connection. */
  transport: Transport;
  runtime: OpenedRuntime;
  /** The embedding worker (tests await its queue). */
  recall: RecallWorker;
  /** Closes the connection, then the runtime (and with it the database). */
  close(): Promise<void>;
}

/**
 * The server of `mcp-pa stdio`, built in this process: configuration resolved from the given
 * environment as the CLI resolves it, the runtime, and the same per-connection era negotiation
 * (serveStdio) over an in-process wire instead of stdin and stdout. The one place that knows how
 * the local composition root is assembled, for the tests.
 */
export async function startInProcess(options: InProcessOptions): Promise<InProcessServer> {
  const config = loadConfig({}, options.env);
  const logger = createLogger(config.logging.level, options.log);
  const { runtime, mcp, recall, close } = await openLocal(config, logger, options.clock);
  const [clientEnd, serverEnd] = WireEnd.pair();
  const handle = serveStdio(() => createMcpServer(mcp, LOCAL_TENANT), {
    transport: serverEnd,
    onerror: (err) => logger.warn({ err }, 'in-process transport error'),
  });
  let closed: Promise<void> | undefined;
  return {
    transport: clientEnd,
    runtime,
    recall,
    close: () =>
      (closed ??= (async () => {
        await handle.close().catch(() => undefined);
        await close();
      })()),
  };
}
