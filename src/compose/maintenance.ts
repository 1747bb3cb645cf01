import { disabledTenants } from '../auth/accounts.js';
import { emptyTrash } from '../domain/trash/service.js';
import { purgeHistory } from '../domain/history/service.js';
import { claimDueReminders, recordDelivery, scheduleNextRun, type ClaimedDelivery } from '../domain/reminders/webhook.js';
import { webhookPost } from './webhook-post.js';
import type { Logger } from '../logging.js';
import type { OpenedRuntime } from '../runtime.js';
import type { AuditLog } from '../security/audit.js';
import { runDueWork, type DueWorkHandlers } from './due-work.js';
import { sweepExpiredOAuthRecords, sweepOldLoginFailures, sweepOldSignInAddresses, sweepRateLimits } from '../storage/oauth-records.js';
import { metrics } from '../metrics.js';

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
  /**
   * Reminders claimed in the due work are POSTed after its transactions commit, each result
   * recorded in a transaction of its own: no transaction (and, on SQLite or
   * PGlite, no other request) waits on a receiver, and nothing waits for them to finish.
   */
  const deliver = async (tenant: string, claims: readonly ClaimedDelivery[]) => {
    // Together, so that all are done within the claims' lease.
    const errors = await Promise.all(
      claims.map((claim) =>
        post(claim.request).then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        ),
      ),
    );
    const sent = errors.filter((e) => e === undefined).length;
    for (const error of errors) metrics.reminderDelivery(error ? 'failed' : 'sent');
    for (const [i, claim] of claims.entries()) await runtime.run('write', tenant, (ctx) => recordDelivery(ctx, claim, errors[i]));
    await runtime.run('write', tenant, scheduleNextRun);
    if (sent) logger.info({ sent, failed: claims.length - sent }, 'pushed reminders');
  };
  // Work that fell due for some tenants (reminders to push, the trash emptied 30 days after a
  // deletion): looked for every reminders.check_every_seconds, one run at a time.
  let running: Promise<void> | undefined;
  const dueWork = () =>
    (running ??= (async () => {
      try {
        let purged = 0;
        const outbox: [string, ClaimedDelivery[]][] = [];
        // Read before the work's transactions (PGlite has one connection).
        const disabled = await disabledTenants(engine);
        const handlers: DueWorkHandlers = {
          'trash.purge': async (ctx) => (purged += await emptyTrash(ctx)),
          'history.purge': purgeHistory,
          // A disabled account gets nothing pushed (its queue entry goes; a change after it is enabled again brings it back).
          'reminders.send': async (ctx, _item, tenant) => disabled.has(tenant) || outbox.push([tenant, await claimDueReminders(ctx)]),
        };
        const { failed } = await runDueWork(runtime, clock, handlers, logger);
        if (purged || failed) logger.info({ purged, failed }, 'ran due work');
        for (const [tenant, claims] of outbox) {
          if (claims.length) void deliver(tenant, claims).catch((err: unknown) => logger.error({ err }, 'pushing reminders failed'));
        }
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
  // The planner's statistics, where no autovacuum keeps them (PGlite): a minute
  // after the start, when the first writes are in, then every hour.
  const refresh = () =>
    void engine
      .refreshStatistics()
      .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'refreshing statistics failed'));
  const timers = [
    setInterval(() => void sweep(), HOUR_MS),
    setInterval(() => void dueWork(), config.reminders.check_every_seconds * 1000),
    setTimeout(refresh, 60_000),
    setInterval(refresh, HOUR_MS),
  ];
  for (const timer of timers) timer.unref();
  return () => timers.forEach((timer) => clearInterval(timer));
}
