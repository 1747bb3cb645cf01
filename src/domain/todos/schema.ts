import { Attachments } from '../documents/attachments.js';
import { z } from 'zod';
import { repeatingInput, repeatingOutput } from '../common/repeating.js';
import { subtaskFilters, subtaskInput } from '../common/subtasks.js';
import { clearable, cursor, description, id, limit, moment, pageOf, priority, tag, tags, timestamps, title } from '../common/fields.js';

const fields = {
  description: description(),
  due_date: moment(`When it is due.`),
  reminder_date: moment(`When to be reminded.`),
  priority: priority(),
  tags: tags(),
  project_id: id('project_id'),
};

export const CreateTodoInput = z.strictObject({
  title: title(),
  description: fields.description.optional(),
  due_date: fields.due_date.optional(),
  reminder_date: fields.reminder_date.optional(),
  priority: fields.priority.default('medium'),
  tags: fields.tags.default([]),
  project_id: fields.project_id.optional(),
  parent_id: subtaskInput.parent_id('todo').optional(),
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
  parent_id: clearable(subtaskInput.parent_id('todo')),
  completed: z.boolean().optional().describe('Mark done (true) or open again (false).'),
  complete_children: subtaskInput.complete_children,
  recurrence: clearable(repeatingInput.recurrence),
  exdates: repeatingInput.exdates.optional(),
  rdates: repeatingInput.rdates.optional(),
});
export type UpdateTodoInput = z.output<typeof UpdateTodoInput>;

export const CompleteTodoInput = z.strictObject({ todo_id: id('todo_id'), complete_children: subtaskInput.complete_children });

export const ListTodosInput = z.strictObject({
  completed: z.boolean().optional().describe('true: only done todos; false: only open ones; omit for both.'),
  priority: priority().optional(),
  tag: tag().optional(),
  due_before: moment(`Only todos due before this.`).optional(),
  due_after: moment(`Only todos due at or after this.`).optional(),
  project_id: id('project_id').optional().describe('Only todos of this project.'),
  ...subtaskFilters('todo'),
  cursor: cursor(),
  limit: limit(),
});
export type ListTodosInput = z.output<typeof ListTodosInput>;

export const Todo = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  due_date: z.string().nullable(),
  reminder_date: z.string().nullable(),
  priority: z.enum(['low', 'medium', 'high', 'urgent']),
  tags: z.array(z.string()),
  completed: z.boolean(),
  completed_at: z.string().nullable(),
  overdue: z.boolean(),
  project_id: z.string().nullable(),
  parent_id: z.string().nullable(),
  open_subtasks: z.number(),
  ...timestamps,
  ...repeatingOutput,
  scheduled_event_id: z.string().nullable(),
  attachments: Attachments,
});
export type Todo = z.infer<typeof Todo>;

export const TodoPage = pageOf(Todo);
