import { z } from 'zod';
import { Event } from '../calendar/schema.js';
import { Document } from '../documents/schema.js';
import { Project, Task } from '../projects/schema.js';
import { Todo } from '../todos/schema.js';
import { Reminder } from '../reminders/schema.js';

export const DashboardInput = z.strictObject({
  limit_per_section: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(20, 'must be at most 20')
    .default(5)
    .describe('How many items each section lists (1-20, default 5); totals are always complete.'),
});
export type DashboardInput = z.output<typeof DashboardInput>;

const section = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number() });

/** The dashboard with the item schemas given: whole items, or the fields a glance needs. */
const dashboardOf = <E extends z.ZodType, T extends z.ZodType, K extends z.ZodType, P extends z.ZodType, D extends z.ZodType, R extends z.ZodType>(
  event: E,
  todo: T,
  task: K,
  project: P,
  document: D,
  reminder: R,
) =>
  z.object({
    generated_at: z.string(),
    timezone: z.string(),
    profile: z.object({ name: z.string().nullable(), location: z.string().nullable() }),
    counts: z.object({
      projects: z.record(z.string(), z.number()),
      todos_open: z.number(),
      todos_completed: z.number(),
      todos_overdue: z.number(),
      events_next_7_days: z.number(),
      documents: z.number(),
    }),
    today: z.object({
      date: z.string(),
      events: section(event),
      todos_due: section(todo),
      tasks_due: section(task),
    }),
    reminders: section(reminder),
    overdue_todos: section(todo),
    overdue_tasks: section(task),
    upcoming_todos: section(todo),
    upcoming_events: section(event),
    active_projects: section(project),
    recent_documents: section(document),
  });

/** What the dashboard holds: whole items, as the list tools return them. */
export const Dashboard = dashboardOf(Event, Todo, Task, Project, Document, Reminder);
export type Dashboard = z.infer<typeof Dashboard>;

/**
 * What the tool list shows of it: the fields a glance needs, the others left open (loose), so the
 * schema a model reads on every turn stays small.
 */
export const DashboardAtAGlance = dashboardOf(
  Event.pick({ id: true, title: true, start_time: true, end_time: true, all_day: true, location: true, occurrence_of: true, occurrence_start: true }).loose(),
  Todo.pick({ id: true, title: true, due_date: true, priority: true, overdue: true, project_id: true }).loose(),
  Task.pick({ id: true, project_id: true, title: true, status: true, priority: true, due_date: true, overdue: true }).loose(),
  Project.pick({ id: true, name: true, status: true, priority: true, progress: true, end_date: true }).loose(),
  Document.pick({ id: true, title: true, type: true, created_at: true }).loose(),
  Reminder.pick({ remind_at: true, kind: true, id: true, title: true, due: true }).loose(),
);
