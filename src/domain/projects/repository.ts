import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ProjectTable, TaskTable } from '../../storage/schema.js';
import { after } from '../common/pagination.js';
import { hasTags } from '../common/tags.js';
import { byColumns, inWindow, rowsOfEach, spanOf, type Counting, type Window } from '../common/windows.js';

export type ProjectRow = Selectable<ProjectTable>;
export type TaskRow = Selectable<TaskTable>;

export interface ProjectFilter {
  status?: string;
  priority?: number;
  tag?: string;
}

/** Newest first. */
export function listProjectRows(db: Kysely<Database>, tenantId: string, filter: ProjectFilter, afterKey: (string | number)[] | undefined, limit: number) {
  let q = db.selectFrom('projects').selectAll().where('tenant_id', '=', tenantId).where('deleted_at', 'is', null);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.priority) q = q.where('priority', '=', filter.priority);
  if (filter.tag) q = q.where(hasTags(tenantId, 'project', 'projects', [filter.tag]));
  if (afterKey) q = q.where(after([sql.ref('created_at'), sql.ref('id')], afterKey, 'desc'));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

/** Active projects, most urgent first, for the dashboard. */
export function activeProjectRows(db: Kysely<Database>, tenantId: string, limit: number) {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .where('status', '=', 'in_progress')
    .orderBy('priority', 'desc')
    .orderBy('end_date')
    .limit(limit)
    .execute();
}

/** Live tasks per project and status, for progress and counts. */
export async function taskStatusCounts(db: Kysely<Database>, tenantId: string, projectIds: readonly string[]) {
  if (projectIds.length === 0) return [];
  const rows = await db
    .selectFrom('tasks')
    .select(['project_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('tenant_id', '=', tenantId)
    .where('project_id', 'in', [...projectIds])
    .where('deleted_at', 'is', null)
    .groupBy(['project_id', 'status'])
    .execute();
  return rows.map((r) => ({ project_id: r.project_id, status: r.status, n: Number(r.n) }));
}

/** In the order they were added. */
export function listTaskRows(db: Kysely<Database>, tenantId: string, projectId: string, status: string | undefined, afterKey: (string | number)[] | undefined, limit: number) {
  let q = db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId).where('project_id', '=', projectId).where('deleted_at', 'is', null);
  if (status) q = q.where('status', '=', status);
  if (afterKey) q = q.where(after([sql.ref('created_at'), sql.ref('id')], afterKey, 'asc'));
  return q.orderBy('created_at').orderBy('id').limit(limit + 1).execute();
}

/** Open tasks of live projects due in [from, before); from omitted = everything due before `before`. */
function dueTasksQuery(db: Kysely<Database>, tenantId: string, from: string | undefined, before: string) {
  let q = db
    .selectFrom('tasks')
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .where('completed_at', 'is', null)
    .where('due_at', 'is not', null)
    .where('due_at', '<', before);
  if (from) q = q.where('due_at', '>=', from);
  return q;
}

/** The first open tasks due in each window (soonest first), all in one query. */
export function dueTasksInWindows(db: Kysely<Database>, tenantId: string, windows: readonly Window[], limit: number): Promise<TaskRow[][]> {
  return rowsOfEach<TaskRow>(
    db,
    windows.map((w) => dueTasksQuery(db, tenantId, w.from, w.before).selectAll().orderBy('due_at').orderBy('id').limit(limit)),
    byColumns('due_at', 'id'),
  );
}

/** Counting open tasks due in each window, in one scan (see countEach). */
export function countingDueTasksInWindows(db: Kysely<Database>, tenantId: string, windows: readonly Window[]): Counting {
  const span = spanOf(windows);
  return { query: dueTasksQuery(db, tenantId, span.from, span.before), conditions: windows.map((w) => inWindow(sql.ref('due_at'), w)) };
}
