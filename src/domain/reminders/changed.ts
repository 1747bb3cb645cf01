import type { DomainContext } from '../context.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import { toStored } from '../common/time.js';

/**
 * After a change that may add or move a reminder (a todo's, an event's): when the person has a
 * webhook, its next run looks again now, and then waits for the next reminder.
 */
export async function remindersChanged(ctx: DomainContext): Promise<void> {
  if ((await ctx.profile())?.reminder_webhook_url) await ctx.dueWork.schedule('reminders.send', WHOLE_TENANT, toStored(ctx.now));
}
