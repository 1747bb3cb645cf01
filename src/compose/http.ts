import { assertAccountsWithinLimit } from '../auth/account-limit.js';
import type { Clock } from '../clock.js';
import { configWarnings, type ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import { LOCAL_TENANT, openRuntime, type OpenedRuntime } from '../runtime.js';
import { AuditLog } from '../security/audit.js';
import { keyEncryptionKey } from '../security/key-encryption-key.js';
import { provideParts } from './parts.js';
import { sealedSecrets } from '../security/sealed-secrets.js';
import { RateLimits } from '../security/rate-limits.js';
import type { ServerExtension } from '../mcp/server.js';
import { toolOffer } from '../mcp/offer.js';
import { listenHttp, planListen, type HttpServerHandle, type ListenPlan } from '../transports/http/server.js';
import { shutdownOnce } from '../transports/shutdown.js';
import { startMaintenance } from './maintenance.js';
import { startRecall, type RecallWorker } from './recall.js';
import { startTracing } from './tracing.js';

/** A listening server, and its embedding worker (tests await its queue). */
export type ServedHttp = HttpServerHandle & { recall: RecallWorker };

/**
 * HTTP mode's composition root: builds the audit trail, the embedded authorization server (with
 * its key-encryption key) and the rate limits once, hands each part only what it uses, starts the
 * hourly maintenance and listens. Resolves once it listens; closing the handle leaves `opened` open.
 */
export async function startHttpServer(opened: OpenedRuntime, plan: ListenPlan = planListen(opened.config), extension?: ServerExtension): Promise<ServedHttp> {
  const { config, logger, clock, engine } = opened;
  for (const warning of configWarnings(config)) logger.warn(warning);
  const offer = toolOffer(config);
  const audit = new AuditLog(opened);
  // The signing keys open before listening: a missing or wrong key-encryption key stops the start here.
  // Loaded only for the embedded issuer: a deployment with an external one never pays for oidc-provider.
  const authorizationServer =
    plan.auth === 'embedded'
      ? await (
          await import('../auth/embedded-server.js')
        ).EmbeddedAuthorizationServer.open({ engine, config, logger, clock, audit, kek: await keyEncryptionKey(opened) })
      : undefined;
  // The audit keys load before listening too: every event's log line is then written as it happens.
  await audit.ready();
  const limits = new RateLimits(engine, logger, audit, config.rate_limits.enabled, clock);
  // Before the maintenance starts: its first run may push reminders, which needs the secrets.
  const secrets = sealedSecrets(() => keyEncryptionKey(opened));
  provideParts(opened, { http: true, publicUrl: config.server.public_url }, audit, secrets);
  const stopMaintenance = await startMaintenance({ runtime: opened, audit, logger });
  const recall = await startRecall(opened, logger);
  const stopBackground = () => {
    stopMaintenance();
    recall.stop();
  };
  try {
    const handle = await listenHttp(
      { config, logger, clock, engine, mcp: { run: opened.run, logger, offer, recall }, audit, limits, authorizationServer, secrets },
      plan,
      extension,
    );
    // The URL clients reach it by is known once it listens (port 0 in development and tests).
    opened.provide({ server: { http: true, publicUrl: handle.url } });
    return { ...handle, recall, close: () => handle.close().finally(stopBackground) };
  } catch (err) {
    stopBackground();
    authorizationServer?.stop();
    await audit.close();
    throw err;
  }
}

/** A server `mcp-pa serve` started: its runtime and listener; `stop` finishes the requests in flight and closes both. */
export interface ServingHttp {
  opened: OpenedRuntime;
  handle: ServedHttp;
  stop(): Promise<void>;
}

/**
 * What `mcp-pa serve` does before it waits for a signal: opens the runtime on the given clock,
 * checks the accounts against the configuration, then starts the server.
 */
export async function startServing(config: ResolvedConfig, logger: Logger, plan: ListenPlan, clock?: Clock): Promise<ServingHttp> {
  const stopTracing = await startTracing(config, logger);
  const opened = await openRuntime(config, logger, clock).catch(async (err: unknown) => {
    await stopTracing();
    throw err;
  });
  let handle: ServedHttp;
  try {
    // Without authentication (loopback development) every request acts as the local tenant.
    // features.multi_tenant false: a database that already holds more than one person is refused.
    await assertAccountsWithinLimit(opened.engine, config.features.multi_tenant);
    if (!config.authentication.enabled) await opened.ensureTenant(LOCAL_TENANT);
    handle = await startHttpServer(opened, plan);
  } catch (err) {
    await opened.close();
    await stopTracing();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    opened,
    handle,
    stop: () =>
      (stopped ??= handle
        .close()
        .then(() => opened.close())
        .then(stopTracing)),
  };
}

/**
 * `mcp-pa serve`: runs until SIGTERM or SIGINT (or `stop`, when a test runs the command in its own
 * process), then finishes the requests in flight, closes and resolves.
 */
export async function serveHttp(config: ResolvedConfig, logger: Logger, plan: ListenPlan, stop?: AbortSignal): Promise<void> {
  const serving = await startServing(config, logger, plan);
  await new Promise<void>((resolve) => {
    const shutdown = shutdownOnce(async (signal) => {
      logger.info({ signal }, 'shutting down: finishing requests in flight');
      await serving.stop();
      resolve();
    });
    if (stop?.aborted) void shutdown('stop');
    else stop?.addEventListener('abort', () => void shutdown('stop'), { once: true });
  });
}
