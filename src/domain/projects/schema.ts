import { Attachments } from '../documents/attachments.js';
import { z } from 'zod';
import { repeatingInput, repeatingOutput } from '../common/repeating.js';
import { subtaskFilters, subtaskInput } from '../common/subtasks.js';
import { clearable, cursor, description, id, limit, moment, notes, pageOf, priority, tag, tags, timestamps, title } from '../common/fields.js';

export const PROJECT_STATUSES = ['not_started', 'in_progress', 'on_hold', 'completed', 'cancelled'] as const;
export const TASK_STATUSES = ['todo', 'in_progress', 'done', 'blocked'] as const;

const projectStatus = () => z.enum(PROJECT_STATUSES);
const taskStatus = () => z.enum(TASK_STATUSES);

const projectFields = {
  description: description(),
  status: projectStatus(),
  priority: priority(),
  start_date: moment(`Start date.`),
  end_date: moment(`End (target) date; not before start_date.`),
  tags: tags(),
  notes: notes(),
};

export const CreateProjectInput = z.strictObject({
  name: title('name'),
  description: projectFields.description.optional(),
  status: projectFields.status.default('not_started'),
  priority: projectFields.priority.default('medium'),
  start_date: projectFields.start_date.optional(),
  end_date: projectFields.end_date.optional(),
  tags: projectFields.tags.default([]),
  notes: projectFields.notes.optional(),
});
export type CreateProjectInput = z.output<typeof CreateProjectInput>;

export const UpdateProjectInput = z.strictObject({
  project_id: id('project_id'),
  name: title('name').optional(),
  description: clearable(projectFields.description),
  status: projectFields.status.optional(),
  priority: projectFields.priority.optional(),
  start_date: clearable(projectFields.start_date),
  end_date: clearable(projectFields.end_date),
  tags: projectFields.tags.optional(),
  notes: clearable(projectFields.notes),
  progress: clearable(
    z
      .number()
      .int('must be a whole number')
      .min(0, 'must be from 0 to 100')
      .max(100, 'must be from 0 to 100')
      .describe('Progress in percent, set by hand; null returns to progress derived from the tasks.'),
  ),
});
export type UpdateProjectInput = z.output<typeof UpdateProjectInput>;

export const ListProjectsInput = z.strictObject({
  status: projectStatus().optional(),
  priority: priority().optional(),
  tag: tag().optional(),
  cursor: cursor(),
  limit: limit(),
});
export type ListProjectsInput = z.output<typeof ListProjectsInput>;

export const GetProjectInput = z.strictObject({
  project_id: id('project_id'),
  task_status: taskStatus().optional().describe('Show only tasks with this status.'),
  task_cursor: cursor(),
  task_limit: limit(200, 100),
});
export type GetProjectInput = z.output<typeof GetProjectInput>;

const taskFields = {
  description: description(),
  status: taskStatus(),
  priority: priority(),
  due_date: moment(`When the task is due.`),
  tags: tags(),
};

export const AddTaskInput = z.strictObject({
  project_id: id('project_id'),
  title: title(),
  description: taskFields.description.optional(),
  status: taskFields.status.default('todo'),
  priority: taskFields.priority.default('medium'),
  due_date: taskFields.due_date.optional(),
  tags: taskFields.tags.default([]),
  parent_id: subtaskInput.parent_id('task').optional(),
  recurrence: repeatingInput.recurrence.optional(),
  exdates: repeatingInput.exdates.optional(),
  rdates: repeatingInput.rdates.optional(),
});
export type AddTaskInput = z.output<typeof AddTaskInput>;

export const UpdateTaskInput = z.strictObject({
  task_id: id('task_id'),
  project_id: id('project_id').optional().describe('Move the task to this project.'),
  title: title().optional(),
  description: clearable(taskFields.description),
  status: taskFields.status.optional(),
  priority: taskFields.priority.optional(),
  due_date: clearable(taskFields.due_date),
  tags: taskFields.tags.optional(),
  parent_id: clearable(subtaskInput.parent_id('task')),
  complete_children: subtaskInput.complete_children,
  recurrence: clearable(repeatingInput.recurrence),
  exdates: repeatingInput.exdates.optional(),
  rdates: repeatingInput.rdates.optional(),
});
export type UpdateTaskInput = z.output<typeof UpdateTaskInput>;

export const ListTasksInput = z.strictObject({
  status: taskStatus().optional(),
  priority: priority().optional(),
  tag: tag().optional(),
  project_id: id('project_id').optional().describe('Only tasks of this project.'),
  ...subtaskFilters('task'),
  due_before: moment('Only tasks due before this.').optional(),
  due_after: moment('Only tasks due at or after this.').optional(),
  cursor: cursor(),
  limit: limit(),
});
export type ListTasksInput = z.output<typeof ListTasksInput>;

export const Task = z.object({
  id: z.string(),
  project_id: z.string(),
  parent_id: z.string().nullable(),
  open_subtasks: z.number(),
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  priority: z.enum(['low', 'medium', 'high', 'urgent']),
  due_date: z.string().nullable(),
  overdue: z.boolean(),
  tags: z.array(z.string()),
  attachments: Attachments,
  completed_at: z.string().nullable(),
  ...repeatingOutput,
  ...timestamps,
});
export type Task = z.infer<typeof Task>;

const TaskCounts = z.object({
  total: z.number(),
  todo: z.number(),
  in_progress: z.number(),
  done: z.number(),
  blocked: z.number(),
});

export const Project = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(PROJECT_STATUSES),
  priority: z.enum(['low', 'medium', 'high', 'urgent']),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
  progress: z.number(),
  progress_source: z.enum(['tasks', 'manual']),
  task_counts: TaskCounts,
  attachments: Attachments,
  ...timestamps,
});
export type Project = z.infer<typeof Project>;

export const ProjectDetail = Project.extend({
  tasks: pageOf(Task),
});
export type ProjectDetail = z.infer<typeof ProjectDetail>;

export const ProjectPage = pageOf(Project);
export const TaskPage = pageOf(Task);
