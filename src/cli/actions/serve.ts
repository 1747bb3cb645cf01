import type { Cli } from '../io.js';
import { ConfigError } from '../../errors.js';
import { serveLocal } from '../../compose/local.js';
import { createLogger } from '../../logging.js';
import { openEngine } from '../../runtime.js';
import { configFrom } from '../admin.js';

export async function runStdio(cli: Cli) {
  const config = configFrom(cli);
  if (config.mode === 'http') {
    throw new ConfigError('The configuration is for HTTP mode ("mode": "http"); `mcp-pa stdio` serves local mode only.');
  }
  await serveLocal(config, createLogger(config.logging.level, cli.io.log), { input: cli.io.stdin, output: cli.io.stdout });
}

export async function runServe(cli: Cli) {
  const config = configFrom(cli, { mode: 'http', serving: true });
  if (config.mode !== 'http') {
    throw new ConfigError('The configuration is for local mode ("mode": "local"); `mcp-pa serve` serves HTTP mode. Use `mcp-pa stdio`, or set "mode": "http".');
  }
  // Loaded only here: local mode never pays for the HTTP stack's modules (start-up time, memory).
  const [{ planListen }, { serveHttp }] = await Promise.all([import('../../transports/http/server.js'), import('../../compose/http.js')]);
  // Refused before anything is opened: plain HTTP to the network, no public URL.
  const plan = planListen(config);
  await serveHttp(config, createLogger(config.logging.level, cli.io.log), plan, cli.io.stop);
}

export async function runMigrate(cli: Cli) {
  const config = configFrom(cli);
  const engine = await openEngine(config, undefined, { oneShot: true });
  try {
    const steps = await engine.migrate({ appRole: config.database.app_role });
    const where = engine.description.label;
    cli.io.stdout.write(steps.length === 0 ? `${where}: up to date.\n` : steps.map((step) => `${where}: ${step}\n`).join(''));
    const security = await engine.security();
    for (const warning of security.warnings) cli.io.stderr.write(`mcp-pa: SECURITY: ${warning}\n`);
  } finally {
    await engine.close();
  }
}
