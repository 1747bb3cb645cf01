import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TodoTable } from '../../storage/schema.js';
import { after } from '../common/pagination.js';
import { hasTags } from '../common/tags.js';
import { byColumns, inWindow, rowsOfEach, spanOf, type Counting, type Window } from '../common/windows.js';

export type TodoRow = Selectable<TodoTable>;

/** Undated todos sort last: the sort key, indexed by todos_list, is due_at or a date after all. */
export const DUE_SORT = sql.ref<string>('due_sort');
export const dueSort = (dueAt: string | null) => dueAt ?? '9999-12-31T23:59:59.999Z';

export interface TodoFilter {
  completed?: boolean;
  priority?: number;
  tag?: string;
  dueBefore?: string;
  dueAfter?: string;
  projectId?: string;
}

export function listTodoRows(db: Kysely<Database>, tenantId: string, filter: TodoFilter, afterKey: (string | number)[] | undefined, limit: number) {
  let q = db
    .selectFrom('todos')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null);
  if (filter.completed !== undefined) q = q.where('completed', '=', filter.completed ? 1 : 0);
  else q = q.where('completed', 'in', [0, 1]); // lets the planner use todos_list, which leads with completed
  if (filter.priority) q = q.where('priority', '=', filter.priority);
  if (filter.tag) q = q.where(hasTags(tenantId, 'todo', 'todos', [filter.tag]));
  if (filter.dueBefore) q = q.where(DUE_SORT, '<', filter.dueBefore);
  if (filter.dueAfter) q = q.where(DUE_SORT, '>=', filter.dueAfter).where('due_at', 'is not', null);
  if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
  if (afterKey) q = q.where(after([DUE_SORT, sql.ref('id')], afterKey, 'asc'));
  return q.orderBy(DUE_SORT).orderBy('id').limit(limit + 1).execute();
}

/** Open todos due in [from, before); from omitted = everything due before `before`. */
function openTodosDueQuery(db: Kysely<Database>, tenantId: string, from: string | undefined, before: string) {
  let q = db.selectFrom('todos').where('tenant_id', '=', tenantId).where('deleted_at', 'is', null).where('completed', '=', 0).where(DUE_SORT, '<', before);
  if (from) q = q.where(DUE_SORT, '>=', from);
  return q;
}

/** The first open todos due in each window (soonest first), all in one query. */
export function openTodosInWindows(db: Kysely<Database>, tenantId: string, windows: readonly Window[], limit: number): Promise<TodoRow[][]> {
  return rowsOfEach<TodoRow>(
    db,
    windows.map((w) => openTodosDueQuery(db, tenantId, w.from, w.before).selectAll().orderBy(DUE_SORT).orderBy('id').limit(limit)),
    byColumns('due_sort', 'id'),
  );
}

/** Counting open todos due in each window, in one scan (see countEach). */
export function countingOpenTodosInWindows(db: Kysely<Database>, tenantId: string, windows: readonly Window[]): Counting {
  const span = spanOf(windows);
  return { query: openTodosDueQuery(db, tenantId, span.from, span.before), conditions: windows.map((w) => inWindow(DUE_SORT, w)) };
}

/** Todos completed at or after `since`, newest first (completing a todo also updates updated_at). */
export function completedTodosSince(db: Kysely<Database>, tenantId: string, since: string, limit: number) {
  return db
    .selectFrom('todos')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .where('updated_at', '>=', since)
    .where('completed', '=', 1)
    .where('completed_at', '>=', since)
    .orderBy('completed_at', 'desc')
    .limit(limit)
    .execute();
}
