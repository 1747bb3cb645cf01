import { systemClock } from '../clock.js';
import { provideParts } from '../compose/parts.js';
import { loadConfig, type ConfigFlags, type ResolvedConfig } from '../config/load.js';
import { createLogger } from '../logging.js';
import { openRuntime, type OpenedRuntime } from '../runtime.js';
import type { AuditInput } from '../security/audit.js';
import type { Cli } from './io.js';

/** The configuration as the global flags, the environment and the file give it. */
export function configFrom(cli: Cli, command: Parameters<typeof loadConfig>[2] = {}): ResolvedConfig {
  return loadConfig(cli.program.opts<ConfigFlags>(), cli.io.env, command);
}

/**
 * Runs a one-shot administrative command on its own runtime (quieter logs; on embedded PostgreSQL
 * a small buffer pool and WebAssembly optimized later, see openPgliteEngine), closed however the
 * command ends; `http` for the commands that administer HTTP mode.
 */
export async function withAdminRuntime(cli: Cli, mode: 'http' | undefined, command: (runtime: OpenedRuntime) => Promise<void>): Promise<void> {
  const config = configFrom(cli, { mode });
  const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level, cli.io.log);
  const runtime = await openRuntime(config, logger, systemClock, { oneShot: true });
  provideParts(runtime, { http: config.mode === 'http', publicUrl: config.server.public_url });
  try {
    await command(runtime);
  } finally {
    await runtime.close();
  }
}

/** An administrative command in the audit trail (written before the command reports success). */
export async function adminEvent(runtime: OpenedRuntime, input: AuditInput): Promise<void> {
  const { AuditLog } = await import('../security/audit.js');
  await new AuditLog(runtime).record({ ...input, details: { ...input.details, by: 'cli' } });
}
