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

export const Dashboard = z.object({
  generated_at: z.string(),
  timezone: z.string(),
  profile: z.object({ name: z.string().nullable(), location: z.string().nullable() }),
  counts: z.object({
    projects: z.record(z.string(), z.number()).describe('Live projects per status, and total.'),
    todos_open: z.number(),
    todos_completed: z.number(),
    todos_overdue: z.number(),
    events_next_7_days: z.number(),
    documents: z.number(),
  }),
  today: z.object({
    date: z.string(),
    events: section(Event).describe('Events overlapping today.'),
    todos_due: section(Todo).describe('Open todos due later today.'),
    tasks_due: section(Task).describe('Open project tasks due later today.'),
  }),
  reminders: section(Reminder).describe('Reminders due in the next 24 hours.'),
  overdue_todos: section(Todo),
  overdue_tasks: section(Task),
  upcoming_todos: section(Todo).describe('Open todos due in the 7 days after today.'),
  upcoming_events: section(Event).describe('Events in the 7 days after today.'),
  active_projects: section(Project).describe('Projects in progress, most urgent first.'),
  recent_documents: section(Document),
});
export type Dashboard = z.infer<typeof Dashboard>;
