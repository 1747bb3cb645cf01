// The floor for the start-up measure of `npm run bench`: the SDK answering one no-op tool over
// stdio (serveStdio, which speaks both protocol eras, as mcp-pa does), with nothing of mcp-pa.
// Plain JavaScript, so Node starts it without a TypeScript loader.
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

serveStdio(() => {
  const server = new McpServer({ name: 'minimal', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('noop', { description: 'Does nothing' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  return server;
});
