// The SDK's server with one no-op tool and nothing of mcp-pa: the floor the benchmarks compare
// mcp-pa with, over HTTP (minimal-http-server.mjs) and over stdio (minimal-stdio-server.mjs).
// Plain JavaScript, so Node runs it without a TypeScript loader, as it runs mcp-pa's built code.
import { McpServer } from '@modelcontextprotocol/server';

export function noopServer() {
  const server = new McpServer({ name: 'minimal', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('noop', { description: 'Does nothing' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  return server;
}
