import { systemClock, type Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import { LOCAL_TENANT, openRuntime } from '../runtime.js';
import { AuditLog } from '../security/audit.js';
import { serveLocalStdio } from '../transports/stdio.js';
import { startMaintenance } from './maintenance.js';

/**
 * Local mode's composition root (`mcp-pa stdio`): storage for the one local tenant, its hourly
 * maintenance, and MCP over stdin/stdout until the client goes. Resolves once everything is closed.
 */
export async function serveLocal(config: ResolvedConfig, logger: Logger, clock: Clock = systemClock): Promise<void> {
  const opened = await openRuntime(config, logger, clock);
  let stopMaintenance = () => {};
  try {
    await opened.ensureTenant(LOCAL_TENANT);
    // The audit trail is HTTP mode's; here only its retention sweep runs (on an empty table, a no-op).
    stopMaintenance = await startMaintenance({ runtime: opened, audit: new AuditLog(opened), logger });
  } catch (err) {
    await opened.close();
    throw err;
  }
  await serveLocalStdio({
    mcp: { run: opened.run, logger },
    logger,
    maxFileSizeMb: config.documents.max_file_size_mb,
    close: async () => {
      stopMaintenance();
      await opened.close();
    },
  });
}
