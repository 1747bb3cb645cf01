import type { DomainContext } from '../context.js';
import { dayWindow, formatInstant, toStored } from '../common/time.js';
import { eventsInRanges, presentEvents } from '../calendar/service.js';
import { presentDocuments } from '../documents/service.js';
import { PROJECT_STATUSES } from '../projects/schema.js';
import { presentProjects, presentTasks } from '../projects/service.js';
import { presentTodos } from '../todos/service.js';
import { nextDayReminders } from '../reminders/service.js';
import type { Dashboard, DashboardInput } from './schema.js';

/** Presents several sections' rows in one go, then splits them back. */
async function presentSections<R, T>(sections: R[][], present: (rows: R[]) => Promise<T[]>): Promise<T[][]> {
  const all = await present(sections.flat());
  let at = 0;
  return sections.map((rows) => all.slice(at, (at += rows.length)));
}

const ids = (sections: readonly { id: string }[][]) => sections.flat().map((r) => r.id);

/**
 * The day at a glance. Every section is a bounded, indexed query (top N plus an exact count over
 * an index range), whole-table totals come from the trigger-kept counters, and sections of one
 * kind share their queries: about a dozen round trips whatever the data, which matters on a
 * PostgreSQL server where each one costs a network hop.
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
  const count = await ctx.counts.live();
  const [todoTotals, taskTotals] = (await ctx.counts.each([ctx.todos.countingOpenInWindows(todoWindows), ctx.tasks.countingDueInWindows(taskWindows)])) as [
    number[],
    number[],
  ];
  const todoRows = await ctx.todos.openInWindows(todoWindows, n);
  const taskRows = await ctx.tasks.dueInWindows(taskWindows, n);
  // Single events and the occurrences of recurring ones.
  const eventSections = await eventsInRanges(ctx, eventRanges, n);
  const eventRows = eventSections.map((s) => s.rows);
  const eventTotals = eventSections.map((s) => s.total);
  const active = await ctx.projects.active(n);
  const documents = (await ctx.documents.list({}, undefined, n)).slice(0, n);
  const tags = await ctx.tags.ofKinds({
    todo: ids(todoRows),
    task: ids(taskRows),
    event: ids(eventRows),
    project: active.map((p) => p.id),
    document: documents.map((d) => d.id),
  });

  const [overdueTodos, todayTodos, upcomingTodos] = await presentSections(todoRows, (rows) => presentTodos(ctx, rows, tags('todo')));
  const [overdueTasks, todayTasks] = await presentSections(taskRows, (rows) => presentTasks(ctx, rows, tags('task')));
  const [todayEvents, weekEvents] = await presentSections(eventRows, (rows) => presentEvents(ctx, rows, tags('event')));
  const projectsByStatus = Object.fromEntries(
    PROJECT_STATUSES.map((status) => [status, count(`projects.${status}`)] as const).filter(([, total]) => total > 0),
  );
  const reminders = await nextDayReminders(ctx, n);
  const location = [profile?.city, profile?.state, profile?.country].filter(Boolean).join(', ');

  return {
    generated_at: formatInstant(now, zone),
    timezone: zone,
    profile: { name: profile?.name ?? null, location: location || null },
    counts: {
      projects: { ...projectsByStatus, total: Object.values(projectsByStatus).reduce((a, b) => a + b, 0) },
      todos_open: count('todos.open'),
      todos_completed: count('todos.completed'),
      todos_overdue: todoTotals[0]!,
      events_next_7_days: eventTotals[1]!,
      documents: count('documents'),
    },
    today: {
      date: ctx.now.toZonedDateTimeISO(zone).toPlainDate().toString(),
      events: { items: todayEvents!, total: eventTotals[0]! },
      todos_due: { items: todayTodos!, total: todoTotals[1]! },
      tasks_due: { items: todayTasks!, total: taskTotals[1]! },
    },
    reminders,
    overdue_todos: { items: overdueTodos!, total: todoTotals[0]! },
    overdue_tasks: { items: overdueTasks!, total: taskTotals[0]! },
    upcoming_todos: { items: upcomingTodos!, total: todoTotals[2]! },
    upcoming_events: { items: weekEvents!, total: eventTotals[1]! },
    active_projects: { items: await presentProjects(ctx, active, tags('project')), total: count('projects.in_progress') },
    recent_documents: { items: await presentDocuments(ctx, documents, tags('document')), total: count('documents') },
  };
}
