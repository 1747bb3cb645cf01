// The floor for the HTTP benchmark: the same stack (Express 5, createMcpHandler, toNodeHandler)
// answering one no-op tool, a server per request. Prints its MCP URL on stdout.
import express from 'express';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { noopServer } from './noop-server.mjs';

const serve = toNodeHandler(createMcpHandler(noopServer));
const app = express();
app.all('/mcp', (req, res) => void serve(req, res));
const listener = app.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${listener.address().port}/mcp\n`));
process.once('SIGTERM', () => listener.close(() => process.exit(0)));
