// Serves mcp-pa's real HTTP stack, with the conformance fixtures added and authentication off, on
// a loopback port; prints the MCP endpoint's URL on stdout. Used by conformance.test.ts through
// tools/conformance/run.mjs; never part of the product.
import fs from 'node:fs';
import path from 'node:path';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { LOCAL_TENANT, openRuntime } from '../../src/runtime.js';
import { startHttpServer } from '../../src/compose/http.js';
import { planListen } from '../../src/transports/http/server.js';
import { conformanceFixtures } from './fixtures.js';
import { tempHome } from '../helpers/tmp.js';
import { seedHttpHome } from '../helpers/pglite-template.js';

const home = tempHome('mcp-pa-conformance-');
const file = path.join(home, 'config.json');
fs.writeFileSync(file, JSON.stringify({ mode: 'http', authentication: { enabled: false } }));
const env = { HOME: home, MCP_HOST: '127.0.0.1', MCP_PORT: '0' };
await seedHttpHome(home, env, { config: file });
const config = loadConfig({ config: file }, env, { mode: 'http' });
const runtime = await openRuntime(config, createLogger('error'));
await runtime.ensureTenant(LOCAL_TENANT);
const running: { notify?: McpHttpHandler['notify'] } = {};
const handle = await startHttpServer(
  runtime,
  planListen(config),
  conformanceFixtures(() => running.notify),
);
running.notify = handle.notify;
process.stdout.write(`${handle.url}/mcp\n`);

const stop = async () => {
  await handle.close();
  await runtime.close();
  fs.rmSync(home, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
