import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { openRuntime } from '../../src/runtime.js';

let template: Promise<string> | undefined;

/**
 * A fresh embedded PostgreSQL cluster, migrated, made once per test process: creating one (initdb
 * in WebAssembly, then every migration) is most of what a PGlite server costs to start, about five
 * times opening one that exists. Each home gets a copy, so each test still has its own database.
 */
function pgliteTemplate(): Promise<string> {
  return (template ??= (async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-pglite-template-'));
    const runtime = await openRuntime(loadConfig({}, { HOME: home, MCP_DATABASE_TYPE: 'postgresql' }), createLogger('silent'));
    await runtime.close();
    return path.join(home, '.config', 'mcp-pa', 'pgdata');
  })());
}

/**
 * Gives a home about to be served on embedded PostgreSQL a copy of the template cluster, unless it
 * has a cluster already (a test that built an older schema itself) or names its own role.
 */
export async function seedPgliteHome(home: string, env: Record<string, string>): Promise<void> {
  if (env.MCP_DATABASE_TYPE !== 'postgresql' || env.MCP_DATABASE_URL || env.MCP_DATABASE_APP_ROLE) return;
  const target = path.join(home, '.config', 'mcp-pa', 'pgdata');
  if (fs.existsSync(target)) return;
  const source = await pgliteTemplate();
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  fs.cpSync(source, target, { recursive: true });
}
