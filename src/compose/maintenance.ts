import { emptyTrash } from '../domain/trash/service.js';
import type { Logger } from '../logging.js';
import type { OpenedRuntime } from '../runtime.js';
import type { AuditLog } from '../security/audit.js';
import { runDueWork, type DueWorkHandlers } from './due-work.js';
import { sweepExpiredOAuthRecords, sweepOldLoginFailures, sweepOldSignInAddresses, sweepRateLimits } from '../storage/oauth-records.js';

const HOUR_MS = 60 * 60 * 1000;

export interface MaintenanceDeps {
  runtime: Pick<OpenedRuntime, 'run' | 'sweepOrphanFiles' | 'engine' | 'clock' | 'config'>;
  /** Only its retention sweep: local mode's table is empty, and then the keys are never needed. */
  audit: Pick<AuditLog, 'sweep'>;
  logger: Logger;
}

/**
 * Runs the due work (emptying trashes), removes expired authorization records and audit events past
 * their retention, now and every hour while the server runs. Returns the function that stops it.
 */
export async function startMaintenance({ runtime, audit, logger }: MaintenanceDeps): Promise<() => void> {
  const { engine, clock, config } = runtime;
  const sweep = async () => {
    try {
      // Work that fell due for some tenants (the trash emptied 30 days after a deletion).
      let purged = 0;
      const handlers: DueWorkHandlers = { 'trash.purge': async (ctx) => (purged += await emptyTrash(ctx)) };
      const { failed } = await runDueWork(runtime, clock, handlers, logger);
      const orphans = await runtime.sweepOrphanFiles();
      if (purged || orphans || failed) logger.info({ purged, orphans, failed }, 'emptied the trash');
      // The authorization server's expired codes, tokens and sessions, old failed sign-ins,
      // rate-limit counters whose window has passed, and sign-in addresses no longer known.
      const expired =
        (await sweepExpiredOAuthRecords(engine)) +
        (await sweepOldLoginFailures(engine, clock.now())) +
        (await sweepRateLimits(engine, clock.now())) +
        (await sweepOldSignInAddresses(engine, clock.now()));
      if (expired) logger.info({ expired }, 'removed expired authorization records');
      const aged = await audit.sweep(config.audit.retention_days);
      if (aged) logger.info({ aged, retentionDays: config.audit.retention_days }, 'removed audit events past their retention');
    } catch (err) {
      logger.error({ err }, 'trash maintenance failed');
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}
