import type { DomainContext } from '../context.js';
import { dayWindow, formatInstant, toStored } from '../common/time.js';
import { countOverlappingEvents, overlappingEventRows, type EventRange } from '../calendar/repository.js';
import { presentEvents } from '../calendar/service.js';
import { countDocuments, listDocumentRows } from '../documents/repository.js';
import { presentDocuments } from '../documents/service.js';
import { findProfile } from '../profile/repository.js';
import { activeProjectRows, countDueTasks, countProjectsByStatus, dueTaskRows } from '../projects/repository.js';
import { presentProjects, presentTasks } from '../projects/service.js';
import { countOpenTodosDue, countTodos, openTodosDue } from '../todos/repository.js';
import { presentTodos } from '../todos/service.js';
import type { Dashboard, DashboardInput } from './schema.js';

/**
 * The day at a glance. Every section is a bounded, indexed query (top N plus an exact count over
 * an index range), so its cost follows N and the size of the window, not the size of the data.
 */
export async function getDashboard(ctx: DomainContext, input: DashboardInput): Promise<Dashboard> {
  const n = input.limit_per_section;
  const { db, tenantId } = ctx;
  const zone = await ctx.zone();
  const now = toStored(ctx.now);
  const today = dayWindow(ctx.now, zone);
  const week = { from: today.to, to: dayWindow(ctx.now, zone, 8).to };

  const todos = async (from: string | undefined, before: string) => ({
    items: await presentTodos(ctx, await openTodosDue(db, tenantId, from, before, n)),
    total: await countOpenTodosDue(db, tenantId, from, before),
  });
  const tasks = async (from: string | undefined, before: string) => ({
    items: await presentTasks(ctx, await dueTaskRows(db, tenantId, from, before, n)),
    total: await countDueTasks(db, tenantId, from, before),
  });
  const events = async (range: EventRange) => ({
    items: await presentEvents(ctx, (await overlappingEventRows(db, tenantId, range, undefined, n)).slice(0, n)),
    total: await countOverlappingEvents(db, tenantId, range),
  });

  const profile = await findProfile(db, tenantId);
  const projectsByStatus = await countProjectsByStatus(db, tenantId);
  const todoCounts = await countTodos(db, tenantId);
  const documentTotal = await countDocuments(db, tenantId);
  const overdueTodos = await todos(undefined, now);
  const upcomingEvents = await events(week);
  const location = [profile?.city, profile?.state, profile?.country].filter(Boolean).join(', ');

  return {
    generated_at: formatInstant(now, zone),
    timezone: zone,
    profile: { name: profile?.name ?? null, location: location || null },
    counts: {
      projects: { ...projectsByStatus, total: Object.values(projectsByStatus).reduce((a, b) => a + b, 0) },
      todos_open: todoCounts.open,
      todos_completed: todoCounts.completed,
      todos_overdue: overdueTodos.total,
      events_next_7_days: upcomingEvents.total,
      documents: documentTotal,
    },
    today: {
      date: ctx.now.toZonedDateTimeISO(zone).toPlainDate().toString(),
      events: await events(today),
      todos_due: await todos(now, today.to),
      tasks_due: await tasks(now, today.to),
    },
    overdue_todos: overdueTodos,
    overdue_tasks: await tasks(undefined, now),
    upcoming_todos: await todos(week.from, week.to),
    upcoming_events: upcomingEvents,
    active_projects: {
      items: await presentProjects(ctx, await activeProjectRows(db, tenantId, n)),
      total: projectsByStatus.in_progress ?? 0,
    },
    recent_documents: {
      items: await presentDocuments(ctx, await listDocumentRows(db, tenantId, {}, undefined, n).then((rows) => rows.slice(0, n))),
      total: documentTotal,
    },
  };
}
