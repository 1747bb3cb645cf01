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
 * kind share their queries, and queries that do not need each other's answers are asked together:
 * on a PostgreSQL server, where each round trip costs a network hop, about eight waves of pipelined
 * statements whatever the data.
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

  // Reads that do not depend on each other are asked at once: where a round trip costs (a
  // PostgreSQL server, whose connection pipelines them), they share their trips; SQLite answers
  // them one after another all the same.
  const [profile, count, [todoTotals, taskTotals], todoRows, taskRows, eventSections, active, documents] = await Promise.all([
    ctx.profile(),
    ctx.counts.live(),
    ctx.counts.each([ctx.todos.countingOpenInWindows(todoWindows), ctx.tasks.countingDueInWindows(taskWindows)]) as Promise<[number[], number[]]>,
    ctx.todos.openInWindows(todoWindows, n),
    ctx.tasks.dueInWindows(taskWindows, n),
    // Single events and the occurrences of recurring ones.
    eventsInRanges(ctx, eventRanges, n),
    ctx.projects.active(n),
    ctx.documents.list({}, undefined, n).then((rows) => rows.slice(0, n)),
  ]);
  const eventRows = eventSections.map((s) => s.rows);
  const eventTotals = eventSections.map((s) => s.total);
  const tags = await ctx.tags.ofKinds({
    todo: ids(todoRows),
    task: ids(taskRows),
    event: ids(eventRows),
    project: active.map((p) => p.id),
    document: documents.map((d) => d.id),
  });

  const [[overdueTodos, todayTodos, upcomingTodos], [overdueTasks, todayTasks], [todayEvents, weekEvents], activeProjects, recentDocuments, reminders] =
    await Promise.all([
      presentSections(todoRows, (rows) => presentTodos(ctx, rows, tags('todo'))),
      presentSections(taskRows, (rows) => presentTasks(ctx, rows, tags('task'))),
      presentSections(eventRows, (rows) => presentEvents(ctx, rows, tags('event'))),
      presentProjects(ctx, active, tags('project')),
      presentDocuments(ctx, documents, tags('document')),
      nextDayReminders(ctx, n),
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
    active_projects: { items: activeProjects, total: count('projects.in_progress') },
    recent_documents: { items: recentDocuments, total: count('documents') },
  };
}
