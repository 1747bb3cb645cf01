import type { DomainContext } from '../context.js';
import { dayWindow, formatInstant, toStored } from '../common/time.js';
import { mapped, type Fetch } from '../../storage/repositories/fetches.js';
import { eventsInRanges, presentingEvents } from '../calendar/service.js';
import { presentingDocuments } from '../documents/service.js';
import { PROJECT_STATUSES } from '../projects/schema.js';
import { presentingProjects, presentingTasks } from '../projects/service.js';
import { presentingTodos } from '../todos/service.js';
import { nextDayReminders, presentingFirst } from '../reminders/service.js';
import type { Dashboard, DashboardInput } from './schema.js';

/** Presents several sections' rows in one go, split back into sections, as one fetch. */
function inSections<R, T>(sections: R[][], presenting: (rows: R[]) => Fetch<T[]>): Fetch<T[][]> {
  return mapped(presenting(sections.flat()), (all) => {
    let at = 0;
    return sections.map((rows) => all.slice(at, (at += rows.length)));
  });
}

/**
 * The day at a glance. Every section is a bounded, indexed query (top N plus an exact count over
 * an index range), whole-table totals come from the trigger-kept counters, and sections of one
 * kind share their queries. On a PostgreSQL server, where each round trip costs a network hop,
 * it takes two whatever the data: every section's rows, then what presenting them needs.
 */
export async function getDashboard(ctx: DomainContext, input: DashboardInput): Promise<Dashboard> {
  const n = input.limit_per_section;
  const zone = await ctx.zone();
  const now = toStored(ctx.now);
  const today = dayWindow(ctx.now, zone);
  const week = { from: today.to, to: dayWindow(ctx.now, zone, 8).to };
  // overdue, later today, the next 7 days
  const todoWindows = [{ before: now }, { from: now, before: today.to }, { from: week.from, before: week.to }];
  const taskWindows = todoWindows.slice(0, 2);
  const eventRanges = [today, week];

  const profile = await ctx.profile();
  const [count, [todoTotals, taskTotals], todoRows, taskRows, eventSections, active, newest, dueReminders] = await ctx.fetchEach([
    ctx.counts.live(),
    ctx.counts.each([ctx.todos.countingOpenInWindows(todoWindows), ctx.tasks.countingDueInWindows(taskWindows)]),
    ctx.todos.openInWindows(todoWindows, n),
    ctx.tasks.dueInWindows(taskWindows, n),
    // Single events and the occurrences of recurring ones.
    eventsInRanges(ctx, eventRanges, n),
    ctx.projects.active(n),
    ctx.documents.list({}, undefined, n),
    nextDayReminders(ctx, zone),
  ]);
  const eventRows = eventSections.map((s) => s.rows);
  const eventTotals = eventSections.map((s) => s.total);
  const [[overdueTodos, todayTodos, upcomingTodos], [overdueTasks, todayTasks], [todayEvents, weekEvents], projects, documents, reminders] =
    await ctx.fetchEach([
      inSections(todoRows, (rows) => presentingTodos(ctx, rows, zone)),
      inSections(taskRows, (rows) => presentingTasks(ctx, rows, zone)),
      inSections(eventRows, (rows) => presentingEvents(ctx, rows, zone)),
      presentingProjects(ctx, active, zone),
      presentingDocuments(ctx, newest.slice(0, n), zone),
      presentingFirst(ctx, dueReminders, n, zone),
    ]);
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
      todos_overdue: todoTotals![0]!,
      events_next_7_days: eventTotals[1]!,
      documents: count('documents'),
    },
    today: {
      date: ctx.now.toZonedDateTimeISO(zone).toPlainDate().toString(),
      events: { items: todayEvents!, total: eventTotals[0]! },
      todos_due: { items: todayTodos!, total: todoTotals![1]! },
      tasks_due: { items: todayTasks!, total: taskTotals![1]! },
    },
    reminders,
    overdue_todos: { items: overdueTodos!, total: todoTotals![0]! },
    overdue_tasks: { items: overdueTasks!, total: taskTotals![0]! },
    upcoming_todos: { items: upcomingTodos!, total: todoTotals![2]! },
    upcoming_events: { items: weekEvents!, total: eventTotals[1]! },
    active_projects: { items: projects, total: count('projects.in_progress') },
    recent_documents: { items: documents, total: count('documents') },
  };
}
