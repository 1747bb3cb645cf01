import { systemClock, type Clock } from '../clock.js';
import { configWarnings, type ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import type { McpDeps } from '../mcp/errors.js';
import { toolOffer } from '../mcp/offer.js';
import { LOCAL_TENANT, openRuntime, type OpenedRuntime } from '../runtime.js';
import { AuditLog } from '../security/audit.js';
import { processStdio, serveLocalStdio, type StdioStreams } from '../transports/stdio.js';
import { startMaintenance } from './maintenance.js';
import { startRecall, type RecallWorker } from './recall.js';
import type { Embedder } from '../domain/search/recall.js';
import { provideParts } from './parts.js';
import { startTracing } from './tracing.js';

export interface LocalServer {
  /** Storage for the one local tenant: what its MCP server runs on. */
  runtime: OpenedRuntime;
  /** What its MCP servers act through, with the tools the configuration offers. */
  mcp: McpDeps;
  /** Recall by meaning: the embedding worker (tests await its queue). */
  recall: RecallWorker;
  /** Stops the maintenance and closes storage. */
  close(): Promise<void>;
}

/**
 * Local mode's composition root: storage for the one local tenant and its hourly maintenance.
 * `mcp-pa stdio` serves it over stdin/stdout; the tests serve it over an in-process wire.
 */
export async function openLocal(config: ResolvedConfig, logger: Logger, clock: Clock = systemClock, embedder?: Embedder): Promise<LocalServer> {
  for (const warning of configWarnings(config)) logger.warn(warning);
  const offer = toolOffer(config);
  const stopTracing = await startTracing(config, logger);
  const opened = await openRuntime(config, logger, clock).catch(async (err: unknown) => {
    await stopTracing();
    throw err;
  });
  try {
    await opened.ensureTenant(LOCAL_TENANT);
    provideParts(opened, { http: false });
    // The audit trail is HTTP mode's; here only its retention sweep runs (on an empty table, a no-op).
    const stopMaintenance = await startMaintenance({ runtime: opened, audit: new AuditLog(opened), logger });
    const recall = await startRecall(opened, logger, { embedder });
    return {
      runtime: opened,
      recall,
      mcp: { run: opened.run, logger, offer, recall },
      close: async () => {
        stopMaintenance();
        recall.stop();
        await opened.close();
        await stopTracing();
      },
    };
  } catch (err) {
    await opened.close();
    await stopTracing();
    throw err;
  }
}

/** `mcp-pa stdio`: MCP over stdin/stdout until the client goes. Resolves once everything is closed. */
export async function serveLocal(config: ResolvedConfig, logger: Logger, streams: StdioStreams = processStdio()): Promise<void> {
  const local = await openLocal(config, logger);
  await serveLocalStdio({ mcp: local.mcp, logger, maxFileSizeMb: config.documents.max_file_size_mb, close: local.close, streams });
}
