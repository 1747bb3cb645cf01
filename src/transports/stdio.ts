import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { maxMessageBytes } from '../mcp/limits.js';
import { createMcpServer } from '../mcp/server.js';
import { LOCAL_TENANT, type Runtime } from '../runtime.js';
import { createMemoryReducer } from './memory-reducer.js';

/**
 * Serves MCP over this process's stdin/stdout until the client closes stdin or a signal arrives.
 * serveStdio negotiates the era per connection (2026-07-28 discovery or the 2025 initialize
 * handshake). Messages may be as large as the biggest allowed upload in base64, plus room.
 */
export function serveLocalStdio(runtime: Runtime): Promise<void> {
  const maxBufferSize = maxMessageBytes(runtime.config.documents.max_file_size_mb);
  const transport = new StdioServerTransport(process.stdin, process.stdout, { maxBufferSize });
  const afterResponse = createMemoryReducer();
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    afterResponse();
  };
  const handle = serveStdio(() => createMcpServer(runtime, LOCAL_TENANT), {
    transport,
    onerror: (err) => runtime.logger.warn({ err }, 'stdio transport error'),
  });
  runtime.logger.info({ maxMessageBytes: maxBufferSize }, 'serving MCP over stdio');

  return new Promise((resolve) => {
    let closing = false;
    const shutdown = async (reason: string) => {
      if (closing) return;
      closing = true;
      runtime.logger.info({ reason }, 'shutting down');
      await handle.close().catch(() => undefined);
      await runtime.close();
      resolve();
    };
    process.stdin.once('end', () => void shutdown('stdin closed'));
    process.stdin.once('close', () => void shutdown('stdin closed'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  });
}
