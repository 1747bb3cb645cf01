import type { Clock } from '../clock.js';
import type { DomainContext } from '../domain/context.js';
import type { Logger } from '../logging.js';
import type { OpenedRuntime } from '../runtime.js';
import { tenantsWithDueWork, type DueWorkItem, type DueWorkKind } from '../storage/repositories/index.js';

/** What each kind of due work does, for one tenant inside that tenant's transaction. */
export type DueWorkHandlers = Partial<Record<DueWorkKind, (ctx: DomainContext, itemId: string, tenantId: string) => Promise<unknown>>>;

interface DueWorkLimits {
  /** Tenants asked for at a time. */
  tenantsPerBatch: number;
  /** Items of one tenant done in one sweep (the rest wait for the next). */
  itemsPerTenant: number;
}

export interface DueWorkReport {
  done: number;
  failed: number;
  /** The tenants worked as, in order (each at most once a sweep). */
  tenants: string[];
}

const DEFAULT_LIMITS: DueWorkLimits = { tenantsPerBatch: 100, itemsPerTenant: 500 };
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** After n failed attempts, wait 2^n minutes, at most a day. */
const backoff = (attempts: number) => Math.min(DAY_MS, MINUTE_MS * 2 ** attempts);

type Runner = Pick<OpenedRuntime, 'engine' | 'run'>;

/**
 * Runs the work that is due: only tenants that have some (never a walk over every tenant), each
 * as itself under the usual row-level security, one transaction per item so that a failure rolls
 * back that item alone and is retried later with back-off. Instances that sweep at once take
 * different items (row locks skipped, not waited for).
 */
export async function runDueWork(runtime: Runner, clock: Clock, handlers: DueWorkHandlers, logger: Logger, limits = DEFAULT_LIMITS): Promise<DueWorkReport> {
  const now = new Date(clock.now()).toISOString();
  const report: DueWorkReport = { done: 0, failed: 0, tenants: [] };
  // A sweeper does the kinds it has handlers for; another sweeper does the rest.
  const kinds = Object.keys(handlers) as DueWorkKind[];
  for (;;) {
    const listed = await tenantsWithDueWork(runtime.engine, now, limits.tenantsPerBatch + report.tenants.length);
    const fresh = listed.filter((t) => !report.tenants.includes(t));
    if (fresh.length === 0) return report;
    for (const tenant of fresh) {
      report.tenants.push(tenant);
      const items = await runtime.run('read', tenant, (ctx) => ctx.dueWork.due(now, limits.itemsPerTenant, kinds));
      for (const item of items) {
        try {
          if (await runOne(runtime, handlers, tenant, item, now)) report.done++;
        } catch (err) {
          report.failed++;
          logger.warn(
            { kind: item.kind, attempts: item.attempts + 1, err: err instanceof Error ? err.message : String(err) },
            'due work failed; it will be retried',
          );
          const at = new Date(clock.now() + backoff(item.attempts)).toISOString();
          await runtime.run('write', tenant, (ctx) => ctx.dueWork.retry(item, at));
        }
      }
    }
  }
}

function runOne(runtime: Runner, handlers: DueWorkHandlers, tenant: string, item: DueWorkItem, now: string): Promise<boolean> {
  return runtime.run('write', tenant, async (ctx) => {
    if (!(await ctx.dueWork.take(item, now))) return false;
    await handlers[item.kind]!(ctx, item.itemId, tenant);
    return true;
  });
}
