import { z } from 'zod';
import { repeatingInput, repeatingOutput } from '../common/repeating.js';
import { DATE_HELP, clearable, cursor, description, id, limit, moment, pageOf, priority, tag, tags, timestamps, title } from '../common/fields.js';

const fields = {
  description: description(),
  due_date: moment(`When it is due. ${DATE_HELP}`),
  reminder_date: moment(`When to be reminded. ${DATE_HELP}`),
  priority: priority(),
  tags: tags(),
  project_id: id('project_id').describe('The project this todo belongs to (optional).'),
};

export const CreateTodoInput = z.strictObject({
  title: title(),
  description: fields.description.optional(),
  due_date: fields.due_date.optional(),
  reminder_date: fields.reminder_date.optional(),
  priority: fields.priority.default('medium'),
  tags: fields.tags.default([]),
  project_id: fields.project_id.optional(),
  recurrence: repeatingInput.recurrence.optional(),
  exdates: repeatingInput.exdates.optional(),
  rdates: repeatingInput.rdates.optional(),
});
export type CreateTodoInput = z.output<typeof CreateTodoInput>;

export const UpdateTodoInput = z.strictObject({
  todo_id: id('todo_id'),
  title: title().optional(),
  description: clearable(fields.description),
  due_date: clearable(fields.due_date),
  reminder_date: clearable(fields.reminder_date),
  priority: fields.priority.optional(),
  tags: fields.tags.optional(),
  project_id: clearable(fields.project_id),
  completed: z.boolean().optional().describe('Mark done (true) or open again (false).'),
  recurrence: clearable(repeatingInput.recurrence),
  exdates: repeatingInput.exdates.optional(),
  rdates: repeatingInput.rdates.optional(),
});
export type UpdateTodoInput = z.output<typeof UpdateTodoInput>;

export const CompleteTodoInput = z.strictObject({ todo_id: id('todo_id') });

export const ListTodosInput = z.strictObject({
  completed: z.boolean().optional().describe('true: only done todos; false: only open ones; omit for both.'),
  priority: priority().optional(),
  tag: tag().optional(),
  due_before: moment(`Only todos due before this. ${DATE_HELP}`).optional(),
  due_after: moment(`Only todos due at or after this. ${DATE_HELP}`).optional(),
  project_id: id('project_id').optional().describe('Only todos of this project.'),
  cursor: cursor(),
  limit: limit(),
});
export type ListTodosInput = z.output<typeof ListTodosInput>;

export const Todo = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  due_date: z.string().nullable().describe('A plain date, or a date-time in your time zone.'),
  reminder_date: z.string().nullable(),
  priority: z.enum(['low', 'medium', 'high', 'urgent']),
  tags: z.array(z.string()),
  completed: z.boolean(),
  completed_at: z.string().nullable(),
  overdue: z.boolean(),
  project_id: z.string().nullable(),
  ...timestamps,
  ...repeatingOutput,
  scheduled_event_id: z.string().nullable().describe('The event booked for it (schedule_todo), if any.'),
});
export type Todo = z.infer<typeof Todo>;

export const TodoPage = pageOf(Todo).describe('Todos by due date, undated last.');
