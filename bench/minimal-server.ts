// The floor for the HTTP benchmark: the same stack (Express 5, createMcpHandler, toNodeHandler)
// answering one no-op tool, with nothing of mcp-pa. Prints its MCP URL on stdout.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'minimal', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('noop', { description: 'Does nothing' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  return server;
});
const serve = toNodeHandler(handler);
const app = express();
app.all('/mcp', (req, res) => void serve(req, res));
const listener = app.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp\n`));
process.once('SIGTERM', () => listener.close(() => process.exit(0)));
