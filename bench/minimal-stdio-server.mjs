// The floor for the start-up measure of `npm run bench`: the SDK answering one no-op tool over
// stdio (serveStdio, which speaks both protocol eras, as mcp-pa does), with nothing of mcp-pa.
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { noopServer } from './noop-server.mjs';

serveStdio(noopServer);
