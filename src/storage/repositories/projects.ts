import { sql } from 'kysely';
import { ItemRepository, type Row } from './items.js';
import { ParentedRepository } from './parented.js';
import type { Fetch } from './fetches.js';
import { after, type Key } from './keyset.js';
import { hasTags } from './tags.js';
import { byColumns, inWindow, rowsOfEach, spanOf, type Counting, type Window } from './windows.js';

export type ProjectRow = Row<'projects'>;
export type TaskRow = Row<'tasks'>;

/** Higher priority first, then the earlier end date (none last, as PostgreSQL orders them). */
function mostUrgentFirst(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const [x, y] = [String(a.end_date ?? '\uffff'), String(b.end_date ?? '\uffff')];
  return Number(b.priority) - Number(a.priority) || (x < y ? -1 : x > y ? 1 : 0);
}

export interface ProjectFilter {
  status?: string;
  priority?: number;
  tag?: string;
}

export class ProjectRepository extends ItemRepository<'projects'> {
  /** Newest first, limit + 1 rows for paging. */
  list(filter: ProjectFilter, afterKey: Key[] | undefined, limit: number): Promise<ProjectRow[]> {
    let q = this.scope.db.selectFrom('projects').selectAll().where('tenant_id', '=', this.scope.tenantId).where('deleted_at', 'is', null);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.priority) q = q.where('priority', '=', filter.priority);
    if (filter.tag) q = q.where(hasTags(this.scope, 'project', 'projects', [filter.tag]));
    if (afterKey) q = q.where(after([sql.ref('created_at'), sql.ref('id')], afterKey, 'desc'));
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  }

  /** Active projects, most urgent first, for the dashboard. */
  active(limit: number): Fetch<ProjectRow[]> {
    return {
      query: this.scope.db
        .selectFrom('projects')
        .selectAll()
        .where('tenant_id', '=', this.scope.tenantId)
        .where('deleted_at', 'is', null)
        .where('status', '=', 'in_progress')
        .orderBy('priority', 'desc')
        .orderBy('end_date')
        .limit(limit),
      read: (rows) => rows as ProjectRow[],
      order: mostUrgentFirst,
    };
  }
}

export interface TaskFilter {
  status?: string;
  priority?: number;
  tag?: string;
  projectId?: string;
  parentId?: string;
  topLevel?: boolean;
  dueBefore?: string;
  dueAfter?: string;
}

export class TaskRepository extends ParentedRepository<'tasks'> {
  protected readonly open = sql<boolean>`status <> 'done'`;

  /** Live tasks of every project by due date (undated last), limit + 1 rows for paging (list_tasks). */
  list(filter: TaskFilter, afterKey: Key[] | undefined, limit: number): Promise<TaskRow[]> {
    let q = this.rows().selectAll().where('deleted_at', 'is', null);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.priority) q = q.where('priority', '=', filter.priority);
    if (filter.tag) q = q.where(hasTags(this.scope, 'task', 'tasks', [filter.tag]));
    if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
    if (filter.parentId) q = q.where('parent_id', '=', filter.parentId);
    if (filter.topLevel) q = q.where('parent_id', 'is', null);
    if (filter.dueBefore) q = q.where('due_sort', '<', filter.dueBefore);
    if (filter.dueAfter) q = q.where('due_sort', '>=', filter.dueAfter).where('due_at', 'is not', null);
    if (afterKey) q = q.where(after([sql.ref('due_sort'), sql.ref('id')], afterKey, 'asc'));
    return q
      .orderBy('due_sort')
      .orderBy('id')
      .limit(limit + 1)
      .execute() as Promise<TaskRow[]>;
  }

  /** Live tasks per project and status, for progress and counts. */
  statusCounts(projectIds: readonly string[]): Fetch<{ project_id: string; status: string; n: number }[]> {
    const query =
      projectIds.length === 0
        ? undefined
        : this.scope.db
            .selectFrom('tasks')
            .select(['project_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
            .where('tenant_id', '=', this.scope.tenantId)
            .where('project_id', 'in', [...projectIds])
            .where('deleted_at', 'is', null)
            .groupBy(['project_id', 'status']);
    return { query, read: (rows) => (rows as { project_id: string; status: string; n: number | string }[]).map((r) => ({ ...r, n: Number(r.n) })) };
  }

  /** A project's live tasks (or its top-level ones) in the order they were added, limit + 1 rows for paging. */
  listOfProject(projectId: string, status: string | undefined, afterKey: Key[] | undefined, limit: number, topLevel = false): Promise<TaskRow[]> {
    let q = this.scope.db
      .selectFrom('tasks')
      .selectAll()
      .where('tenant_id', '=', this.scope.tenantId)
      .where('project_id', '=', projectId)
      .where('deleted_at', 'is', null);
    if (status) q = q.where('status', '=', status);
    if (topLevel) q = q.where('parent_id', 'is', null);
    if (afterKey) q = q.where(after([sql.ref('created_at'), sql.ref('id')], afterKey, 'asc'));
    return q
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
  }

  /** Open tasks of live projects due in [from, before); from omitted = everything due before `before`. */
  private due(from: string | undefined, before: string) {
    let q = this.scope.db
      .selectFrom('tasks')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('deleted_at', 'is', null)
      .where('completed_at', 'is', null)
      .where('due_at', 'is not', null)
      .where('due_at', '<', before);
    if (from) q = q.where('due_at', '>=', from);
    return q;
  }

  /** The first open tasks due in each window (soonest first), all in one query. */
  dueInWindows(windows: readonly Window[], limit: number): Fetch<TaskRow[][]> {
    return rowsOfEach<TaskRow>(
      this.scope,
      windows.map((w) => this.due(w.from, w.before).selectAll().orderBy('due_at').orderBy('id').limit(limit)),
      byColumns('due_at', 'id'),
    );
  }

  /** Counting open tasks due in each window, in one scan (see countEach). */
  countingDueInWindows(windows: readonly Window[]): Counting {
    const span = spanOf(windows);
    return { query: this.due(span.from, span.before), conditions: windows.map((w) => inWindow(sql.ref('due_at'), w)) };
  }

  /** Moves a project's live tasks to the trash with it, marked so that they come back with it; their ids. */
  async trashWithProject(projectId: string, deletedAt: string): Promise<string[]> {
    const rows = await this.scope.db
      .updateTable('tasks')
      .set({ deleted_at: deletedAt, trashed_with_project: 1 })
      .where('tenant_id', '=', this.scope.tenantId)
      .where('project_id', '=', projectId)
      .where('deleted_at', 'is', null)
      .returning('id')
      .execute();
    for (const r of rows) this.recorder?.note('task', r.id, { deleted_at: null }, { deleted_at: deletedAt });
    return rows.map((r) => r.id);
  }

  /** Tasks that went to the trash because their project did, and come back with it. */
  trashedWithProject(projectId: string): Promise<TaskRow[]> {
    return this.scope.db
      .selectFrom('tasks')
      .selectAll()
      .where('tenant_id', '=', this.scope.tenantId)
      .where('project_id', '=', projectId)
      .where('trashed_with_project', '=', 1)
      .execute();
  }

  /** Ids of every task (trash included) of these projects. */
  async idsOfProjects(projectIds: readonly string[]): Promise<string[]> {
    if (projectIds.length === 0) return [];
    const rows = await this.scope.db
      .selectFrom('tasks')
      .select('id')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('project_id', 'in', [...projectIds])
      .execute();
    return rows.map((r) => r.id);
  }
}
