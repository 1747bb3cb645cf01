import { attachmentsOf } from '../documents/attachments.js';
import { newItemColumns, tagsOf } from '../common/rows.js';
import { fetched, mapped, type Fetch } from '../../storage/repositories/fetches.js';
import type { DomainContext } from '../context.js';
import type { Lock } from '../../storage/repositories/items.js';
import type { TagsById } from '../../storage/repositories/tags.js';
import { dueSort, type TodoRow } from '../../storage/repositories/todos.js';
import { NotFoundError } from '../../errors.js';
import { priorityName, priorityRank } from '../common/fields.js';
import { decodeCursor, duePage } from '../common/pagination.js';
import { indexItem, searchEntry } from '../search/entries.js';
import { formatDue, formatInstant, parseDue, parseMoment, dueRange, startOfDay, toStored } from '../common/time.js';
import { requireProject } from '../projects/service.js';
import { checkParent, openSubtaskCounts, openSubtasksToComplete } from '../common/subtasks.js';
import { remindersChanged } from '../reminders/changed.js';
import { movedReminder, nextOccurrence, presentRepeating, repeatingColumns } from '../common/repeating.js';
import type { CreateTodoInput, ListTodosInput, Todo, UpdateTodoInput } from './schema.js';

const HINT = 'Use list_todos to find todo ids.';

async function requireTodo(ctx: DomainContext, id: string, lock?: Lock): Promise<TodoRow> {
  const row = await ctx.todos.findLive(id, lock);
  if (!row) throw new NotFoundError('todo', id, 'todo_id', HINT);
  return row;
}

export async function presentTodos(ctx: DomainContext, rows: readonly TodoRow[], known?: TagsById, isNew = false): Promise<Todo[]> {
  return ctx.fetch(presentingTodos(ctx, rows, await ctx.zone(), known, isNew));
}

/** Todos as users see them, as one fetch: their tags (unless known), open subtasks and attachments. */
export function presentingTodos(ctx: DomainContext, rows: readonly TodoRow[], zone: string, known?: TagsById, isNew = false): Fetch<Todo[]> {
  const ids = rows.map((r) => r.id);
  const extras = ctx.gathered([
    tagsOf(ctx, 'todo', ids, known),
    isNew ? fetched(new Map<string, number>()) : openSubtaskCounts(ctx, 'todo', ids),
    attachmentsOf(ctx, 'todo', ids, isNew),
  ]);
  const now = toStored(ctx.now);
  return mapped(extras, ([tags, open, attached]) =>
    rows.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      due_date: formatDue(r.due_at, r.due_date, zone),
      reminder_date: r.reminder_at === null ? null : formatInstant(r.reminder_at, zone),
      priority: priorityName(r.priority),
      tags: tags.get(r.id) ?? [],
      completed: r.completed === 1,
      completed_at: r.completed_at === null ? null : formatInstant(r.completed_at, zone),
      overdue: r.completed === 0 && r.due_at !== null && r.due_at < now,
      project_id: r.project_id,
      parent_id: r.parent_id,
      open_subtasks: open.get(r.id) ?? 0,
      ...presentRepeating(r, zone),
      scheduled_event_id: r.scheduled_event_id,
      attachments: attached.get(r.id) ?? [],
      created_at: formatInstant(r.created_at, zone),
      updated_at: formatInstant(r.updated_at, zone),
    })),
  );
}

async function reindexed(ctx: DomainContext, id: string): Promise<Todo> {
  await remindersChanged(ctx);
  const row = await requireTodo(ctx, id);
  await indexItem(ctx, { kind: 'todo', row });
  const [todo] = await presentTodos(ctx, [row]);
  return todo!;
}

/** A reminder is a moment: a plain date means the start of that day. */
function parseReminder(value: string, zone: string): string {
  const m = parseMoment(value, zone, 'reminder_date');
  return toStored(m.kind === 'date' ? startOfDay(m.date, zone) : m.instant);
}

/** A todo to create, checked: its whole row and its tags, nothing written yet. */
interface NewTodo {
  row: TodoRow;
  tags: string[];
}

/** Everything creating a todo checks (dates, project, repetition), before anything is written. */
async function checkNewTodo(ctx: DomainContext, input: CreateTodoInput): Promise<NewTodo> {
  const zone = await ctx.zone();
  const due = input.due_date === undefined ? null : parseDue(input.due_date, zone, 'due_date');
  const reminder = input.reminder_date === undefined ? null : parseReminder(input.reminder_date, zone);
  const projectId = input.project_id === undefined ? null : (await requireProject(ctx, input.project_id)).id;
  const parentId = input.parent_id === undefined ? null : (await checkParent(ctx, 'todo', input.parent_id)).id;
  const repeating = repeatingColumns(input, undefined, due, zone);
  const row: TodoRow = {
    ...newItemColumns(ctx),
    title: input.title,
    description: input.description || null,
    due_at: due?.at ?? null,
    due_sort: dueSort(due?.at ?? null),
    due_date: due?.date ?? null,
    reminder_at: reminder,
    priority: priorityRank(input.priority),
    completed: 0,
    completed_at: null,
    project_id: projectId,
    scheduled_event_id: null,
    uid: null,
    completions: 0,
    parent_id: parentId,
    trashed_with_parent: 0,
    ...repeating,
  };
  return { row, tags: [...input.tags].sort() };
}

/** Writes checked todos in one round: the rows, their tags and their index entries, each in one statement. */
async function writeNewTodos(ctx: DomainContext, made: readonly NewTodo[]): Promise<Todo[]> {
  await ctx.todos.insertMany(made.map((m) => m.row));
  await ctx.tags.insertMany(made.flatMap((m) => m.tags.map((tag) => ({ item_kind: 'todo' as const, item_id: m.row.id, tag }))));
  await ctx.search.upsertMany(made.map((m) => searchEntry({ kind: 'todo', row: m.row }, m.tags)));
  await remindersChanged(ctx);
  return presentTodos(
    ctx,
    made.map((m) => m.row),
    new Map(made.map((m) => [m.row.id, m.tags])),
    true,
  );
}

export async function createTodo(ctx: DomainContext, input: CreateTodoInput): Promise<Todo> {
  const [todo] = await writeNewTodos(ctx, [await checkNewTodo(ctx, input)]);
  return todo!;
}

/** create_todos: each item checked alone (a bad one is named), then all written together. */
export const createTodos = { check: checkNewTodo, write: writeNewTodos };

export async function updateTodo(ctx: DomainContext, input: UpdateTodoInput): Promise<Todo> {
  const current = await requireTodo(ctx, input.todo_id, { lock: true });
  const zone = await ctx.zone();
  const due = input.due_date === undefined ? undefined : input.due_date === null ? null : parseDue(input.due_date, zone, 'due_date');
  const reminder = input.reminder_date === undefined ? undefined : input.reminder_date === null ? null : parseReminder(input.reminder_date, zone);
  const projectId = input.project_id === undefined ? undefined : input.project_id === null ? null : (await requireProject(ctx, input.project_id)).id;
  const parentId =
    input.parent_id === undefined ? undefined : input.parent_id === null ? null : (await checkParent(ctx, 'todo', input.parent_id, current.id)).id;
  if (input.completed === true && current.completed === 0) {
    const open = await openSubtasksToComplete(ctx, 'todo', current.id, (row) => row.completed === 0, input.complete_children);
    for (const child of open) await completeTodo(ctx, child.id, true);
  }
  const now = toStored(ctx.now);
  const repeating = repeatingColumns(
    input,
    current,
    due === undefined ? (current.due_at === null ? null : { at: current.due_at, date: current.due_date }) : due,
    zone,
  );
  if (input.completed === true && current.completed === 0 && repeating.recurrence !== null) {
    const moved = await completeOccurrence(ctx, { ...current, ...repeating, ...(due ? { due_at: due.at, due_date: due.date } : {}) }, zone);
    if (moved)
      return updateTodo(ctx, {
        ...input,
        completed: undefined,
        due_date: undefined,
        reminder_date: undefined,
        recurrence: undefined,
        exdates: undefined,
        rdates: undefined,
      });
  }
  const completed = input.completed === undefined ? undefined : input.completed ? 1 : 0;
  await ctx.todos.update(current.id, {
    title: input.title,
    description: input.description === undefined ? undefined : input.description || null,
    due_at: due === undefined ? undefined : (due?.at ?? null),
    due_date: due === undefined ? undefined : (due?.date ?? null),
    reminder_at: reminder,
    priority: input.priority === undefined ? undefined : priorityRank(input.priority),
    project_id: projectId,
    parent_id: parentId,
    completed,
    completed_at: completed === undefined ? undefined : completed ? (current.completed === 1 ? current.completed_at : now) : null,
    completions: completed === 1 && current.completed === 0 ? current.completions + 1 : undefined,
    ...repeating,
    updated_at: now,
  });
  if (input.tags !== undefined) await ctx.tags.set('todo', current.id, input.tags);
  return reindexed(ctx, current.id);
}

/**
 * Completes the current occurrence of a repeating todo: counts it, and moves the todo (and its
 * reminder) to the next occurrence. False when there is none: the todo is then completed itself.
 */
async function completeOccurrence(ctx: DomainContext, row: TodoRow, zone: string): Promise<boolean> {
  const next = nextOccurrence(row, zone);
  if (!next) return false;
  const from = { at: row.due_at!, date: row.due_date };
  await ctx.todos.update(row.id, {
    due_at: next.due.at,
    due_date: next.due.date,
    reminder_at: movedReminder(row.reminder_at, from, next.due),
    recurrence: next.recurrence,
    completions: row.completions + 1,
    completed_at: toStored(ctx.now),
    updated_at: toStored(ctx.now),
  });
  return true;
}

/** Completing a done todo again changes nothing, not even updated_at. */
export async function completeTodo(ctx: DomainContext, todoId: string, completeChildren?: boolean): Promise<Todo> {
  const current = await requireTodo(ctx, todoId, { lock: true });
  if (current.completed === 1) return (await presentTodos(ctx, [current]))[0]!;
  return updateTodo(ctx, { todo_id: todoId, completed: true, complete_children: completeChildren });
}

export async function listTodos(ctx: DomainContext, input: ListTodosInput) {
  const zone = await ctx.zone();
  const { dueBefore, dueAfter } = dueRange(input, zone);
  if (input.project_id !== undefined) await requireProject(ctx, input.project_id);
  const rows = await ctx.todos.list(
    {
      completed: input.completed,
      priority: input.priority && priorityRank(input.priority),
      tag: input.tag,
      dueBefore,
      dueAfter,
      projectId: input.project_id,
      parentId: input.parent_id,
      topLevel: !input.include_subtasks,
    },
    decodeCursor(input.cursor, 2),
    input.limit,
  );
  return duePage(rows, input.limit, (page) => presentTodos(ctx, page));
}
