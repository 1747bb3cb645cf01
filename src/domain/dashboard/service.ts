import type { DomainContext } from '../context.js';
import { liveCounts } from '../common/count.js';
import { dayWindow, formatInstant, toStored } from '../common/time.js';
import { countOverlappingEvents, overlappingEventRows, type EventRange } from '../calendar/repository.js';
import { presentEvents } from '../calendar/service.js';
import { listDocumentRows } from '../documents/repository.js';
import { presentDocuments } from '../documents/service.js';
import { findProfile } from '../profile/repository.js';
import { PROJECT_STATUSES } from '../projects/schema.js';
import { activeProjectRows, countDueTasks, dueTaskRows } from '../projects/repository.js';
import { presentProjects, presentTasks } from '../projects/service.js';
import { countOpenTodosDue, openTodosDue } from '../todos/repository.js';
import { presentTodos } from '../todos/service.js';
import type { Dashboard, DashboardInput } from './schema.js';

/** Presents several sections' rows in one go (one tag query per kind), then splits them back. */
async function presentSections<R, T>(ctx: DomainContext, sections: R[][], present: (ctx: DomainContext, rows: R[]) => Promise<T[]>): Promise<T[][]> {
  const all = await present(ctx, sections.flat());
  let at = 0;
  return sections.map((rows) => all.slice(at, (at += rows.length)));
}

/**
 * The day at a glance. Every section is a bounded, indexed query (top N plus an exact count over
 * an index range); whole-table totals come from the trigger-kept counters. Its cost follows N and
 * the size of the windows, not the size of the data.
 */
export async function getDashboard(ctx: DomainContext, input: DashboardInput): Promise<Dashboard> {
  const n = input.limit_per_section;
  const { db, tenantId } = ctx;
  const zone = await ctx.zone();
  const now = toStored(ctx.now);
  const today = dayWindow(ctx.now, zone);
  const week = { from: today.to, to: dayWindow(ctx.now, zone, 8).to };

  const todos = async (from: string | undefined, before: string) => ({
    rows: await openTodosDue(db, tenantId, from, before, n),
    total: await countOpenTodosDue(db, tenantId, from, before),
  });
  const tasks = async (from: string | undefined, before: string) => ({
    rows: await dueTaskRows(db, tenantId, from, before, n),
    total: await countDueTasks(db, tenantId, from, before),
  });
  const events = async (range: EventRange) => ({
    rows: (await overlappingEventRows(db, tenantId, range, undefined, n)).slice(0, n),
    total: await countOverlappingEvents(db, tenantId, range),
  });

  const profile = await findProfile(db, tenantId);
  const count = await liveCounts(db, tenantId);
  const todoSections = [await todos(undefined, now), await todos(now, today.to), await todos(week.from, week.to)];
  const taskSections = [await tasks(undefined, now), await tasks(now, today.to)];
  const eventSections = [await events(today), await events(week)];
  const active = await activeProjectRows(db, tenantId, n);
  const documents = (await listDocumentRows(db, tenantId, {}, undefined, n)).slice(0, n);

  const [overdueTodos, todayTodos, upcomingTodos] = await presentSections(ctx, todoSections.map((s) => s.rows), presentTodos);
  const [overdueTasks, todayTasks] = await presentSections(ctx, taskSections.map((s) => s.rows), presentTasks);
  const [todayEvents, weekEvents] = await presentSections(ctx, eventSections.map((s) => s.rows), presentEvents);
  const projectsByStatus = Object.fromEntries(
    PROJECT_STATUSES.map((status) => [status, count(`projects.${status}`)] as const).filter(([, total]) => total > 0),
  );
  const location = [profile?.city, profile?.state, profile?.country].filter(Boolean).join(', ');

  return {
    generated_at: formatInstant(now, zone),
    timezone: zone,
    profile: { name: profile?.name ?? null, location: location || null },
    counts: {
      projects: { ...projectsByStatus, total: Object.values(projectsByStatus).reduce((a, b) => a + b, 0) },
      todos_open: count('todos.open'),
      todos_completed: count('todos.completed'),
      todos_overdue: todoSections[0]!.total,
      events_next_7_days: eventSections[1]!.total,
      documents: count('documents'),
    },
    today: {
      date: ctx.now.toZonedDateTimeISO(zone).toPlainDate().toString(),
      events: { items: todayEvents!, total: eventSections[0]!.total },
      todos_due: { items: todayTodos!, total: todoSections[1]!.total },
      tasks_due: { items: todayTasks!, total: taskSections[1]!.total },
    },
    overdue_todos: { items: overdueTodos!, total: todoSections[0]!.total },
    overdue_tasks: { items: overdueTasks!, total: taskSections[0]!.total },
    upcoming_todos: { items: upcomingTodos!, total: todoSections[2]!.total },
    upcoming_events: { items: weekEvents!, total: eventSections[1]!.total },
    active_projects: { items: await presentProjects(ctx, active), total: count('projects.in_progress') },
    recent_documents: { items: await presentDocuments(ctx, documents), total: count('documents') },
  };
}
