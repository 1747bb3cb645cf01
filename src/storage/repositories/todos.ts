import { sql } from 'kysely';
import type { Row } from './items.js';
import { ParentedRepository } from './parented.js';
import { after, type Key } from './keyset.js';
import { hasTags } from './tags.js';
import type { Fetch } from './fetches.js';
import { byColumns, inWindow, rowsOfEach, spanOf, type Counting, type Window } from './windows.js';

export type TodoRow = Row<'todos'>;

/** Undated todos sort last: the sort key, indexed by todos_list, is due_at or a date after all. */
const DUE_SORT = sql.ref<string>('due_sort');
export { dueSort } from './parented.js';

export interface TodoFilter {
  completed?: boolean;
  priority?: number;
  tag?: string;
  dueBefore?: string;
  dueAfter?: string;
  projectId?: string;
  /** Only the direct children of this item. */
  parentId?: string;
  /** Only items without a parent. */
  topLevel?: boolean;
}

export class TodoRepository extends ParentedRepository<'todos'> {
  protected readonly open = sql<boolean>`completed = 0`;

  /** Live todos due in [from, to), or every live todo without a range, by due date, at most `max` (an export). */
  liveDue(range: { from: string; to: string } | undefined, max: number): Promise<TodoRow[]> {
    let q = this.rows().selectAll().where('deleted_at', 'is', null);
    if (range) q = q.where('due_at', '>=', range.from).where('due_at', '<', range.to);
    return q.orderBy('due_sort').orderBy('id').limit(max).execute() as Promise<TodoRow[]>;
  }

  /** Open todos whose reminder falls in [from, to), earliest first, at most `limit`. */
  remindersBetween(from: string, to: string, limit: number): Fetch<TodoRow[]> {
    const query = this.rows()
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('completed', '=', sql.lit(0))
      .where('reminder_at', 'is not', null)
      .where('reminder_at', '>=', from)
      .where('reminder_at', '<', to)
      .orderBy('reminder_at')
      .orderBy('id')
      .limit(limit);
    return { query, read: (rows) => rows as TodoRow[], order: byColumns('reminder_at', 'id') };
  }

  /** By due date (undated last), limit + 1 rows for paging. */
  list(filter: TodoFilter, afterKey: Key[] | undefined, limit: number): Promise<TodoRow[]> {
    let q = this.scope.db.selectFrom('todos').selectAll().where('tenant_id', '=', this.scope.tenantId).where('deleted_at', 'is', null);
    if (filter.completed !== undefined) q = q.where('completed', '=', filter.completed ? 1 : 0);
    else q = q.where('completed', 'in', [0, 1]); // lets the planner use todos_list, which leads with completed
    if (filter.priority) q = q.where('priority', '=', filter.priority);
    if (filter.tag) q = q.where(hasTags(this.scope, 'todo', 'todos', [filter.tag]));
    if (filter.dueBefore) q = q.where(DUE_SORT, '<', filter.dueBefore);
    if (filter.dueAfter) q = q.where(DUE_SORT, '>=', filter.dueAfter).where('due_at', 'is not', null);
    if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
    if (filter.parentId) q = q.where('parent_id', '=', filter.parentId);
    if (filter.topLevel) q = q.where('parent_id', 'is', null);
    if (afterKey) q = q.where(after([DUE_SORT, sql.ref('id')], afterKey, 'asc'));
    // The limit as a literal (a small checked integer): a statement's plan may be made once for
    // any values (docs/performance.md), and a plan made for an unknown limit expects to read a
    // tenth of the rows: with a tag, it joined every tagged item against every open todo.
    return q
      .orderBy(DUE_SORT)
      .orderBy('id')
      .limit(Number.isSafeInteger(limit) ? sql.lit(limit + 1) : limit + 1)
      .execute();
  }

  /** Open todos due in [from, before); from omitted = everything due before `before`. */
  private openDue(from: string | undefined, before: string) {
    let q = this.scope.db
      .selectFrom('todos')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('deleted_at', 'is', null)
      .where('completed', '=', 0)
      .where(DUE_SORT, '<', before);
    if (from) q = q.where(DUE_SORT, '>=', from);
    return q;
  }

  /** The first open todos due in each window (soonest first), all in one query. */
  openInWindows(windows: readonly Window[], limit: number): Fetch<TodoRow[][]> {
    return rowsOfEach<TodoRow>(
      this.scope,
      windows.map((w) => this.openDue(w.from, w.before).selectAll().orderBy(DUE_SORT).orderBy('id').limit(limit)),
      byColumns('due_sort', 'id'),
    );
  }

  /** Counting open todos due in each window, in one scan (see countEach). */
  countingOpenInWindows(windows: readonly Window[]): Counting {
    const span = spanOf(windows);
    return { query: this.openDue(span.from, span.before), conditions: windows.map((w) => inWindow(DUE_SORT, w)) };
  }

  /** Todos completed at or after `since`, newest first (completing a todo also updates updated_at). */
  completedSince(since: string, limit: number): Promise<TodoRow[]> {
    return this.scope.db
      .selectFrom('todos')
      .selectAll()
      .where('tenant_id', '=', this.scope.tenantId)
      .where('deleted_at', 'is', null)
      .where('updated_at', '>=', since)
      .where('completed', '=', 1)
      .where('completed_at', '>=', since)
      .orderBy('completed_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Todos of these projects (all of them when omitted) belong to none any more. */
  async detachFrom(projectIds?: readonly string[]): Promise<void> {
    let q = this.scope.db.updateTable('todos').set({ project_id: null }).where('tenant_id', '=', this.scope.tenantId);
    if (projectIds) {
      if (projectIds.length === 0) return;
      q = q.where('project_id', 'in', [...projectIds]);
    }
    await q.execute();
  }
}
