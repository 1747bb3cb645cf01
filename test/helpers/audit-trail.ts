import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { engineEnv, type EngineName } from './engines.js';
import { tempHome } from './server.js';
import { seedHttpHome } from './pglite-template.js';

/** A deployment's home for audit tests: HTTP mode on the engine, with a key-encryption key where the engine needs one. */
export async function auditHome(engine: EngineName): Promise<{ home: string; env: Record<string, string>; log: string }> {
  const home = tempHome('mcp-pa-audit-');
  const extra: Record<string, string> =
    engine === 'postgres'
      ? { MCP_OAUTH_KEY_ENCRYPTION_KEY: 'a key-encryption passphrase for tests' }
      : engine === 'sqlite'
        ? { MCP_DATABASE_TYPE: 'sqlite' }
        : {};
  const env = { ...(await engineEnv(home, engine)), ...extra };
  return { home, env, log: path.join(home, 'audit.log') };
}

/**
 * A runtime of that home in this process, on a ManualClock, logging (JSON, level info) to `log`,
 * as `mcp-pa serve` logs to stderr.
 */
export async function openAuditRuntime(
  home: string,
  env: Record<string, string>,
  log: string,
  clock = new ManualClock(),
  config: Record<string, unknown> = {},
) {
  const { loadConfig } = await import('../../src/config/load.js');
  const { createLogger } = await import('../../src/logging.js');
  const { openRuntime } = await import('../../src/runtime.js');
  const file = path.join(home, `config-${crypto.randomBytes(3).toString('hex')}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  await seedHttpHome(home, { HOME: home, ...env }, { config: file });
  const resolved = loadConfig({ config: file }, { HOME: home, ...env }, { mode: 'http' });
  const fd = fs.openSync(log, 'a');
  const runtime = await openRuntime(resolved, createLogger('info', fd), clock);
  return {
    runtime,
    clock,
    close: async () => {
      await runtime.close();
      fs.closeSync(fd);
    },
  };
}

/** The JSON lines a log file holds. */
export const logLines = (log: string): Record<string, unknown>[] =>
  fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
