import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { maxMessageBytes } from '../config/message-size.js';
import type { Logger } from '../logging.js';
import type { McpDeps } from '../mcp/errors.js';
import { createMcpServer } from '../mcp/server.js';
import { LOCAL_TENANT } from '../runtime.js';
import { LineFramer } from './line-framer.js';
import { createMemoryReducer } from './memory-reducer.js';
import { shutdownOnce } from './shutdown.js';

/**
 * The SDK's stdio transport, reading whole lines from our framer instead of raw stdin chunks
 * (its own buffering is quadratic in the length of a line). Closing it stops reading stdin.
 */
export function createStdioTransport(stdin: Readable, stdout: Writable, maxBufferSize: number): StdioServerTransport {
  const lines = stdin.pipe(new LineFramer(maxBufferSize));
  const transport = new StdioServerTransport(lines, stdout, { maxBufferSize });
  const close = transport.close.bind(transport);
  transport.close = async () => {
    stdin.unpipe(lines);
    stdin.pause();
    await close();
  };
  return transport;
}

export interface StdioOptions {
  /** What the one local tenant's MCP server acts through. */
  mcp: McpDeps;
  logger: Logger;
  /** The largest upload (documents.max_file_size_mb): a message may hold it in base64. */
  maxFileSizeMb: number;
  /** Closes what the composition root opened, once the client is gone. */
  close(): Promise<void>;
  streams: StdioStreams;
}

/** Where the messages come in and go out: the process's stdin and stdout, or a test's streams. */
export interface StdioStreams {
  input: Readable;
  output: Writable;
}

export const processStdio = (): StdioStreams => ({ input: process.stdin, output: process.stdout });

/**
 * Serves MCP over this process's stdin/stdout until the client closes stdin or a signal arrives.
 * serveStdio negotiates the era per connection (2026-07-28 discovery or the 2025 initialize
 * handshake). Messages may be as large as the biggest allowed upload in base64, plus room.
 */
export function serveLocalStdio(options: StdioOptions): Promise<void> {
  const { mcp, logger } = options;
  const maxBufferSize = maxMessageBytes(options.maxFileSizeMb);
  const { input, output } = options.streams;
  const transport = createStdioTransport(input, output, maxBufferSize);
  const afterResponse = createMemoryReducer();
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    afterResponse();
  };
  const handle = serveStdio(() => createMcpServer(mcp, LOCAL_TENANT), {
    transport,
    onerror: (err) => logger.warn({ err }, 'stdio transport error'),
  });
  logger.info({ maxMessageBytes: maxBufferSize }, 'serving MCP over stdio');

  return new Promise((resolve) => {
    const shutdown = shutdownOnce(async (reason) => {
      logger.info({ reason }, 'shutting down');
      await handle.close().catch(() => undefined);
      await options.close();
      resolve();
    });
    input.once('end', () => void shutdown('stdin closed'));
    input.once('close', () => void shutdown('stdin closed'));
  });
}
