import assert from 'node:assert/strict';
import { engineEnv } from './engines.js';
import { HttpTestServer } from './http-server.js';
import { seedPgliteHome } from './pglite-template.js';
import { runCli, tempHome } from './server.js';

export const ADA = { email: 'ada@example.com', password: 'a long enough passphrase' };

/** `mcp-pa serve` as its own authorization server, with Ada's account added first (by the CLI, as an administrator would). */
export async function serverWithAda(extraEnv: Record<string, string> = {}, options: { binary?: boolean } = {}): Promise<HttpTestServer> {
  const { home, env } = await homeWithAda();
  return HttpTestServer.start({ home, env: { ...env, ...extraEnv }, ...options });
}

/** A data directory (and, with TEST_DATABASE_URL, a PostgreSQL database) holding Ada's account; more can be added before a server starts. */
export async function homeWithAda(): Promise<{ home: string; env: Record<string, string> }> {
  const home = tempHome('mcp-pa-as-');
  // On the real PostgreSQL server when there is one (simultaneous redemptions are then truly
  // simultaneous); embedded PGlite otherwise.
  const env = process.env.TEST_DATABASE_URL
    ? { ...(await engineEnv(home, 'postgres')), MCP_OAUTH_KEY_ENCRYPTION_KEY: 'a key-encryption passphrase for tests' }
    : {};
  // HTTP mode's default engine is the embedded PostgreSQL: a copy of the migrated template.
  await seedPgliteHome(home, { MCP_DATABASE_TYPE: 'postgresql', ...env });
  const added = await runCli(['user', 'add', '--email', ADA.email], home, env, `${ADA.password}\n`);
  assert.equal(added.code, 0, added.stderr);
  return { home, env };
}
