import { emptyTrash } from '../domain/trash/service.js';
import { sendDueReminders } from '../domain/reminders/webhook.js';
import { webhookPost } from './webhook-post.js';
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
 * Runs the due work (reminders, emptying trashes) now and every reminders.check_every_seconds, and
 * removes expired authorization records and audit events past their retention now and every hour
 * while the server runs. Returns the function that stops it.
 */
export async function startMaintenance({ runtime, audit, logger }: MaintenanceDeps): Promise<() => void> {
  const { engine, clock, config } = runtime;
  const post = webhookPost(config);
  // Work that fell due for some tenants (reminders to push, the trash emptied 30 days after a
  // deletion): looked for every reminders.check_every_seconds, one run at a time.
  let running: Promise<void> | undefined;
  const dueWork = () =>
    (running ??= (async () => {
      try {
        let purged = 0;
        let reminded = 0;
        const handlers: DueWorkHandlers = {
          'trash.purge': async (ctx) => (purged += await emptyTrash(ctx)),
          'reminders.send': async (ctx) => (reminded += await sendDueReminders(ctx, post)),
        };
        const { failed } = await runDueWork(runtime, clock, handlers, logger);
        if (purged || reminded || failed) logger.info({ purged, reminded, failed }, 'ran due work');
      } catch (err) {
        logger.error({ err }, 'due work failed');
      } finally {
        running = undefined;
      }
    })());
  const sweep = async () => {
    try {
      await dueWork();
      const orphans = await runtime.sweepOrphanFiles();
      if (orphans) logger.info({ orphans }, 'removed orphan document files');
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
  const timers = [setInterval(() => void sweep(), HOUR_MS), setInterval(() => void dueWork(), config.reminders.check_every_seconds * 1000)];
  for (const timer of timers) timer.unref();
  return () => timers.forEach((timer) => clearInterval(timer));
}
