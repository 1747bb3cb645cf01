import type { Logger } from '../logging.js';
import type { OpenedRuntime } from '../runtime.js';
import type { AuditLog } from '../security/audit.js';
import { sweepExpiredOAuthRecords, sweepOldLoginFailures, sweepOldSignInAddresses, sweepRateLimits } from '../storage/oauth-records.js';

const HOUR_MS = 60 * 60 * 1000;

export interface MaintenanceDeps {
  runtime: Pick<OpenedRuntime, 'emptyTrash' | 'engine' | 'clock' | 'config'>;
  /** Only its retention sweep: local mode's table is empty, and then the keys are never needed. */
  audit: Pick<AuditLog, 'sweep'>;
  logger: Logger;
}

/**
 * Empties every tenant's trash, removes expired authorization records and audit events past
 * their retention, now and every hour while the server runs. Returns the function that stops it.
 */
export async function startMaintenance({ runtime, audit, logger }: MaintenanceDeps): Promise<() => void> {
  const { engine, clock, config } = runtime;
  const sweep = async () => {
    try {
      const { purged, orphans } = await runtime.emptyTrash();
      if (purged || orphans) logger.info({ purged, orphans }, 'emptied the trash');
      // The authorization server's expired codes, tokens and sessions, old failed sign-ins,
      // rate-limit counters whose window has passed, and sign-in addresses no longer known.
      const expired =
        (await sweepExpiredOAuthRecords(engine)) + (await sweepOldLoginFailures(engine)) + (await sweepRateLimits(engine)) + (await sweepOldSignInAddresses(engine, clock.now()));
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
