import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { toStored } from '../common/time.js';
import { Todo } from '../todos/schema.js';
import { presentTodos } from '../todos/service.js';
import { Dashboard, DashboardInput } from './schema.js';
import { getDashboard } from './service.js';

export const WeeklyReview = z.object({
  completed_last_7_days: z.array(Todo),
  dashboard: Dashboard,
});
export type WeeklyReview = z.infer<typeof WeeklyReview>;

/** What a weekly review looks at: what got done in the last 7 days, and the dashboard for what is next. */
export async function weeklyReview(ctx: DomainContext): Promise<WeeklyReview> {
  const since = toStored(ctx.now.subtract({ hours: 7 * 24 }));
  const done = await ctx.todos.completedSince(since, 50);
  return {
    completed_last_7_days: await presentTodos(ctx, done),
    dashboard: await getDashboard(ctx, DashboardInput.parse({ limit_per_section: 10 })),
  };
}
