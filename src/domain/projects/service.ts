import { attachmentsOf } from '../documents/attachments.js';
import { mapped, type Fetch } from '../../storage/repositories/fetches.js';
import { newItemColumns, tagsOf } from '../common/rows.js';
import type { DomainContext } from '../context.js';
import type { Lock } from '../../storage/repositories/items.js';
import type { ProjectRow, TaskRow } from '../../storage/repositories/projects.js';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { priorityName, priorityRank } from '../common/fields.js';
import { decodeCursor, duePage, toPage } from '../common/pagination.js';
import { indexItem } from '../search/entries.js';
import { formatDue, formatInstant, parseDate, parseDue, dueRange, toStored } from '../common/time.js';
import { checkParent, descendantsOf, openSubtaskCounts, openSubtasksToComplete } from '../common/subtasks.js';
import { nextOccurrence, presentRepeating, repeatingColumns } from '../common/repeating.js';
import type {
  AddTaskInput,
  CreateProjectInput,
  GetProjectInput,
  ListProjectsInput,
  ListTasksInput,
  Project,
  ProjectDetail,
  Task,
  UpdateProjectInput,
  UpdateTaskInput,
} from './schema.js';

const PROJECT_HINT = 'Use list_projects to find project ids.';
const TASK_HINT = 'Use get_project to see a project’s tasks and their ids.';

export async function requireProject(ctx: DomainContext, id: string, lock?: Lock): Promise<ProjectRow> {
  const row = await ctx.projects.findLive(id, lock);
  if (!row) throw new NotFoundError('project', id, 'project_id', PROJECT_HINT);
  return row;
}

async function requireTask(ctx: DomainContext, id: string, lock?: Lock): Promise<TaskRow> {
  const row = await ctx.tasks.findLive(id, lock);
  if (!row) throw new NotFoundError('task', id, 'task_id', TASK_HINT);
  return row;
}

function checkDateOrder(start: string | null, end: string | null) {
  if (start !== null && end !== null && end < start) {
    throw new InvalidInputError('end_date', `${end} is before start_date ${start}; the end must not come before the start`);
  }
}

type Counts = Project['task_counts'];
const emptyCounts = (): Counts => ({ total: 0, todo: 0, in_progress: 0, done: 0, blocked: 0 });

/** Turns project rows into what users see: tags, task counts and progress. */
async function presentProjects(ctx: DomainContext, rows: readonly ProjectRow[]): Promise<Project[]> {
  return ctx.fetch(presentingProjects(ctx, rows, await ctx.zone()));
}

/** Projects as users see them, as one fetch: their tags, task counts and attachments. */
export function presentingProjects(ctx: DomainContext, rows: readonly ProjectRow[], zone: string): Fetch<Project[]> {
  const ids = rows.map((r) => r.id);
  const extras = ctx.gathered([tagsOf(ctx, 'project', ids), ctx.tasks.statusCounts(ids), attachmentsOf(ctx, 'project', ids)]);
  return mapped(extras, ([tags, counts, attached]) => {
    const countsById = new Map<string, Counts>(ids.map((i) => [i, emptyCounts()]));
    for (const c of counts) {
      const entry = countsById.get(c.project_id)!;
      entry[c.status as keyof Omit<Counts, 'total'>] += c.n;
      entry.total += c.n;
    }
    return rows.map((r) => {
      const taskCounts = countsById.get(r.id)!;
      const derived = taskCounts.total === 0 ? 0 : Math.round((100 * taskCounts.done) / taskCounts.total);
      return {
        id: r.id,
        name: r.name,
        description: r.description,
        status: r.status as Project['status'],
        priority: priorityName(r.priority),
        start_date: r.start_date,
        end_date: r.end_date,
        tags: tags.get(r.id) ?? [],
        notes: r.notes,
        progress: r.progress_override ?? derived,
        progress_source: r.progress_override === null ? 'tasks' : 'manual',
        task_counts: taskCounts,
        attachments: attached.get(r.id) ?? [],
        created_at: formatInstant(r.created_at, zone),
        updated_at: formatInstant(r.updated_at, zone),
      };
    });
  });
}

async function presentTasks(ctx: DomainContext, rows: readonly TaskRow[]): Promise<Task[]> {
  return ctx.fetch(presentingTasks(ctx, rows, await ctx.zone()));
}

/** Tasks as users see them, as one fetch: their tags, open subtasks and attachments. */
export function presentingTasks(ctx: DomainContext, rows: readonly TaskRow[], zone: string): Fetch<Task[]> {
  const ids = rows.map((r) => r.id);
  const extras = ctx.gathered([tagsOf(ctx, 'task', ids), openSubtaskCounts(ctx, 'task', ids), attachmentsOf(ctx, 'task', ids)]);
  const now = toStored(ctx.now);
  return mapped(extras, ([tags, open, attached]) =>
    rows.map((r) => ({
      id: r.id,
      project_id: r.project_id,
      parent_id: r.parent_id,
      open_subtasks: open.get(r.id) ?? 0,
      title: r.title,
      description: r.description,
      status: r.status as Task['status'],
      priority: priorityName(r.priority),
      due_date: formatDue(r.due_at, r.due_date, zone),
      overdue: r.due_at !== null && r.completed_at === null && r.due_at < now,
      tags: tags.get(r.id) ?? [],
      attachments: attached.get(r.id) ?? [],
      completed_at: r.completed_at === null ? null : formatInstant(r.completed_at, zone),
      ...presentRepeating(r, zone),
      created_at: formatInstant(r.created_at, zone),
      updated_at: formatInstant(r.updated_at, zone),
    })),
  );
}

async function reindexProject(ctx: DomainContext, id: string): Promise<ProjectRow> {
  const row = await requireProject(ctx, id);
  await indexItem(ctx, { kind: 'project', row });
  return row;
}

export async function createProject(ctx: DomainContext, input: CreateProjectInput): Promise<Project> {
  const zone = await ctx.zone();
  const start = input.start_date === undefined ? null : parseDate(input.start_date, zone, 'start_date').toString();
  const end = input.end_date === undefined ? null : parseDate(input.end_date, zone, 'end_date').toString();
  checkDateOrder(start, end);
  const { id, ...lifecycle } = newItemColumns(ctx);
  await ctx.projects.insert({
    id,
    ...lifecycle,
    name: input.name,
    description: input.description || null,
    status: input.status,
    priority: priorityRank(input.priority),
    // Only what was given is written: a concurrent change of another field is never undone.
    start_date: input.start_date === undefined ? undefined : start,
    end_date: input.end_date === undefined ? undefined : end,
    notes: input.notes || null,
    progress_override: null,
  });
  await ctx.tags.set('project', id, input.tags);
  const [project] = await presentProjects(ctx, [await reindexProject(ctx, id)]);
  return project!;
}

export async function updateProject(ctx: DomainContext, input: UpdateProjectInput): Promise<Project> {
  const current = await requireProject(ctx, input.project_id, { lock: true });
  const zone = await ctx.zone();
  const start =
    input.start_date === undefined ? current.start_date : input.start_date === null ? null : parseDate(input.start_date, zone, 'start_date').toString();
  const end = input.end_date === undefined ? current.end_date : input.end_date === null ? null : parseDate(input.end_date, zone, 'end_date').toString();
  checkDateOrder(start, end);
  await ctx.projects.update(current.id, {
    name: input.name,
    description: input.description === undefined ? undefined : input.description || null,
    status: input.status,
    priority: input.priority === undefined ? undefined : priorityRank(input.priority),
    // Only what was given is written: a concurrent change of another field is never undone.
    start_date: input.start_date === undefined ? undefined : start,
    end_date: input.end_date === undefined ? undefined : end,
    notes: input.notes === undefined ? undefined : input.notes || null,
    progress_override: input.progress,
    updated_at: toStored(ctx.now),
  });
  if (input.tags !== undefined) await ctx.tags.set('project', current.id, input.tags);
  const [project] = await presentProjects(ctx, [await reindexProject(ctx, current.id)]);
  return project!;
}

export async function listProjects(ctx: DomainContext, input: ListProjectsInput) {
  const rows = await ctx.projects.list(
    { status: input.status, priority: input.priority && priorityRank(input.priority), tag: input.tag },
    decodeCursor(input.cursor, 2),
    input.limit,
  );
  const page = toPage(
    rows,
    input.limit,
    (r) => [r.created_at, r.id],
    (r) => r,
  );
  return { items: await presentProjects(ctx, page.items), next_cursor: page.next_cursor };
}

/** Each task followed by its subtasks, depth first, in the order they were added. */
function underParents(roots: readonly TaskRow[], levels: readonly TaskRow[][]): TaskRow[] {
  const children = new Map<string, TaskRow[]>();
  for (const row of levels.flat()) children.set(row.parent_id!, [...(children.get(row.parent_id!) ?? []), row]);
  const ordered: TaskRow[] = [];
  const visit = (row: TaskRow) => {
    ordered.push(row);
    for (const child of children.get(row.id) ?? []) visit(child);
  };
  roots.forEach(visit);
  return ordered;
}

/**
 * A project with a page of its tasks: without a status filter, a page of its top-level tasks, each
 * followed by its subtasks (children under their parent); with one, every task of that status.
 */
export async function getProject(ctx: DomainContext, input: GetProjectInput): Promise<ProjectDetail> {
  const row = await requireProject(ctx, input.project_id);
  const [project] = await presentProjects(ctx, [row]);
  const taskRows = await ctx.tasks.listOfProject(
    row.id,
    input.task_status,
    decodeCursor(input.task_cursor, 2, 'task_cursor'),
    input.task_limit,
    !input.task_status,
  );
  const page = toPage(
    taskRows,
    input.task_limit,
    (r) => [r.created_at, r.id],
    (r) => r,
  );
  const rows = input.task_status
    ? page.items
    : underParents(
        page.items,
        await descendantsOf(
          ctx,
          'task',
          page.items.map((r) => r.id),
        ),
      );
  return { ...project!, tasks: { items: await presentTasks(ctx, rows), next_cursor: page.next_cursor } };
}

/** list_tasks: tasks of every project by due date (undated last), filtered. */
export async function listTasks(ctx: DomainContext, input: ListTasksInput) {
  const zone = await ctx.zone();
  const { dueBefore, dueAfter } = dueRange(input, zone);
  if (input.project_id !== undefined) await requireProject(ctx, input.project_id);
  const rows = await ctx.tasks.list(
    {
      status: input.status,
      priority: input.priority && priorityRank(input.priority),
      tag: input.tag,
      projectId: input.project_id,
      parentId: input.parent_id,
      topLevel: !input.include_subtasks,
      dueBefore,
      dueAfter,
    },
    decodeCursor(input.cursor, 2),
    input.limit,
  );
  return duePage(rows, input.limit, (page) => presentTasks(ctx, page));
}

/** completed_at follows the status: set on entering done, cleared on leaving it. */
function completedAtFor(status: string, previous: string | null, now: string): string | null {
  return status === 'done' ? (previous ?? now) : null;
}

async function reindexTask(ctx: DomainContext, id: string): Promise<TaskRow> {
  const row = await requireTask(ctx, id);
  await indexItem(ctx, { kind: 'task', row });
  return row;
}

/** A task's parent must be a task of the project the task is in: a tree stays in one project. */
async function taskParent(ctx: DomainContext, parentId: string, projectId: string, self?: string): Promise<string> {
  const parent = await checkParent(ctx, 'task', parentId, self);
  if (parent.project_id !== projectId) {
    throw new InvalidInputError('parent_id', `is a task of another project (${parent.project_id}); a subtask stays in its parent's project`);
  }
  return parent.id;
}

export async function addTask(ctx: DomainContext, input: AddTaskInput): Promise<Task> {
  const project = await requireProject(ctx, input.project_id);
  const parentId = input.parent_id === undefined ? null : await taskParent(ctx, input.parent_id, project.id);
  const zone = await ctx.zone();
  const due = input.due_date === undefined ? null : parseDue(input.due_date, zone, 'due_date');
  const repeating = repeatingColumns(input, undefined, due, zone);
  const { id, ...lifecycle } = newItemColumns(ctx);
  await ctx.tasks.insert({
    id,
    ...lifecycle,
    project_id: project.id,
    title: input.title,
    description: input.description || null,
    status: input.status,
    priority: priorityRank(input.priority),
    due_at: due?.at ?? null,
    due_date: due?.date ?? null,
    completed_at: completedAtFor(input.status, null, lifecycle.created_at),
    trashed_with_project: 0,
    parent_id: parentId,
    ...repeating,
  });
  await ctx.tags.set('task', id, input.tags);
  await touchProject(ctx, project.id);
  const [task] = await presentTasks(ctx, [await reindexTask(ctx, id)]);
  return task!;
}

export async function updateTask(ctx: DomainContext, input: UpdateTaskInput): Promise<Task> {
  const current = await requireTask(ctx, input.task_id, { lock: true });
  const zone = await ctx.zone();
  const target = input.project_id === undefined ? current.project_id : (await requireProject(ctx, input.project_id)).id;
  // Both projects change (their updated_at): lock them in one fixed order, so that two tasks
  // moving in opposite directions at once cannot deadlock.
  for (const id of [...new Set([current.project_id, target])].sort()) await requireProject(ctx, id, { lock: true });
  const parentId =
    input.parent_id === undefined ? current.parent_id : input.parent_id === null ? null : await taskParent(ctx, input.parent_id, target, current.id);
  if (parentId !== null && input.parent_id === undefined && target !== current.project_id) {
    throw new InvalidInputError(
      'project_id',
      `the task is a subtask of ${parentId} in its project; move its parent, or give parent_id: null (or a task of the new project)`,
    );
  }
  if (input.status === 'done' && current.status !== 'done') {
    const open = await openSubtasksToComplete(ctx, 'task', current.id, (row) => row.status !== 'done', input.complete_children);
    for (const child of open) await updateTask(ctx, { task_id: child.id, status: 'done', complete_children: true });
  }
  const due = input.due_date === undefined ? undefined : input.due_date === null ? null : parseDue(input.due_date, zone, 'due_date');
  const now = toStored(ctx.now);
  const repeating = repeatingColumns(
    input,
    current,
    due === undefined ? (current.due_at === null ? null : { at: current.due_at, date: current.due_date }) : due,
    zone,
  );
  // Done with one occurrence of a repeating task: count it, and the task moves on to the next.
  const next =
    input.status === 'done' && current.status !== 'done'
      ? nextOccurrence({ ...current, ...repeating, ...(due ? { due_at: due.at, due_date: due.date } : {}) }, zone)
      : undefined;
  if (next) {
    await ctx.tasks.update(current.id, { due_at: next.due.at, due_date: next.due.date, recurrence: next.recurrence, completions: current.completions + 1 });
    return updateTask(ctx, {
      ...input,
      status: current.status === 'blocked' ? 'todo' : (current.status as UpdateTaskInput['status']),
      due_date: undefined,
      recurrence: undefined,
      exdates: undefined,
      rdates: undefined,
    });
  }
  const status = input.status ?? current.status;
  await ctx.tasks.update(current.id, {
    project_id: input.project_id === undefined ? undefined : target,
    parent_id: input.parent_id === undefined ? undefined : parentId,
    title: input.title,
    description: input.description === undefined ? undefined : input.description || null,
    status: input.status,
    priority: input.priority === undefined ? undefined : priorityRank(input.priority),
    due_at: due === undefined ? undefined : (due?.at ?? null),
    due_date: due === undefined ? undefined : (due?.date ?? null),
    completed_at: input.status === undefined ? undefined : completedAtFor(status, current.completed_at, now),
    completions: status === 'done' && current.status !== 'done' ? current.completions + 1 : undefined,
    ...repeating,
    updated_at: now,
  });
  if (input.tags !== undefined) await ctx.tags.set('task', current.id, input.tags);
  // A task's subtasks go where it goes.
  if (target !== current.project_id) {
    for (const child of (await descendantsOf(ctx, 'task', [current.id])).flat()) await ctx.tasks.update(child.id, { project_id: target, updated_at: now });
  }
  await touchProject(ctx, current.project_id);
  if (target !== current.project_id) await touchProject(ctx, target);
  const [task] = await presentTasks(ctx, [await reindexTask(ctx, current.id)]);
  return task!;
}

/** A change to a task changes its project's progress: mark the project as updated too. */
async function touchProject(ctx: DomainContext, projectId: string) {
  await ctx.projects.update(projectId, { updated_at: toStored(ctx.now) });
}
