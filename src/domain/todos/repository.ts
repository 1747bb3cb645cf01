import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TodoTable } from '../../storage/schema.js';
import { after } from '../common/pagination.js';
import { countRows } from '../common/count.js';
import { hasTags } from '../common/tags.js';

export type TodoRow = Selectable<TodoTable>;

/** Undated todos sort last; the todos_list index is built on exactly this expression. */
export const DUE_SORT = sql<string>`coalesce(due_at, '9999-12-31T23:59:59.999Z')`;

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
    .select(DUE_SORT.as('due_sort'))
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

/** Soonest first. */
export function openTodosDue(db: Kysely<Database>, tenantId: string, from: string | undefined, before: string, limit: number) {
  return openTodosDueQuery(db, tenantId, from, before).selectAll().orderBy(DUE_SORT).orderBy('id').limit(limit).execute();
}

export function countOpenTodosDue(db: Kysely<Database>, tenantId: string, from: string | undefined, before: string): Promise<number> {
  return countRows(openTodosDueQuery(db, tenantId, from, before));
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
