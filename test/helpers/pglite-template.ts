import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type ConfigFlags } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { openRuntime } from '../../src/runtime.js';
import { tempHome } from './tmp.js';

let template: Promise<string> | undefined;

/** Makes a fresh embedded PostgreSQL cluster under `home`, migrated by this source; returns its directory. */
async function createPgliteTemplate(home: string): Promise<string> {
  const runtime = await openRuntime(loadConfig({}, { HOME: home, MCP_DATABASE_TYPE: 'postgresql' }), createLogger('silent'));
  await runtime.close();
  return path.join(home, '.config', 'mcp-pa', 'pgdata');
}

/**
 * A fresh embedded PostgreSQL cluster, migrated: creating one (initdb in WebAssembly, then every
 * migration) is most of what a PGlite server costs to start, about five times opening one that
 * exists. Made once per run by scripts/run-tests.mjs (TEST_PGLITE_TEMPLATE), or else once per test
 * process. Each home gets a copy, so each test still has its own database.
 */
function pgliteTemplate(): Promise<string> {
  const made = process.env.TEST_PGLITE_TEMPLATE;
  return (template ??= made && fs.existsSync(made) ? Promise.resolve(made) : createPgliteTemplate(tempHome('mcp-pa-pglite-template-')));
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

/**
 * HTTP mode's default store is the embedded PostgreSQL: a home that `mcp-pa serve` will serve from
 * it starts as a copy of the template too. A configuration the server will refuse is left for the
 * server to refuse.
 */
export async function seedHttpHome(home: string, env: Record<string, string>, flags: ConfigFlags = {}): Promise<void> {
  let database;
  try {
    ({ database } = loadConfig(flags, env, { mode: 'http' }));
  } catch {
    return;
  }
  if (database.type === 'postgresql' && !database.connection_string) await seedPgliteHome(home, { ...env, MCP_DATABASE_TYPE: 'postgresql' });
}

// Run as a script (by scripts/run-tests.mjs, once per run): makes the template in the home given.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await createPgliteTemplate(process.argv[2]!);
