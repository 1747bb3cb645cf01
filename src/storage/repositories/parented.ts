import { sql, type Expression, type SqlBool } from 'kysely';
import { ItemRepository, type NewRow, type Row, type RowChanges } from './items.js';
import type { Fetch } from './fetches.js';

/** Undated items sort last: the sort key is due_at, or a date after every date. */
export const dueSort = (dueAt: string | null | undefined) => dueAt ?? '9999-12-31T23:59:59.999Z';

/* eslint-disable @typescript-eslint/no-explicit-any -- as in items.ts: a table named by a type parameter */

/**
 * Items that may have a parent of their own kind (todos, project tasks; migration 018): one level
 * of children at a time, since a tree is at most four deep and the services walk it.
 */
export abstract class ParentedRepository<T extends 'todos' | 'tasks'> extends ItemRepository<T> {
  /** What "open" means for the kind: a todo not completed, a task not done. */
  protected abstract readonly open: Expression<SqlBool>;

  // The sort key (due_sort) follows due_at on every write, so no caller (an undo, an import) can forget it.
  override insert(row: NewRow<T>): Promise<void> {
    return super.insert({ ...row, due_sort: dueSort((row as { due_at?: string | null }).due_at) });
  }

  override insertMany(rows: readonly Record<string, unknown>[]): Promise<void> {
    return super.insertMany(rows.map((row) => ({ ...row, due_sort: dueSort(row.due_at as string | null | undefined) })));
  }

  override update(id: string, changes: RowChanges<T>): Promise<void> {
    const dueAt = (changes as { due_at?: string | null }).due_at;
    return super.update(id, dueAt === undefined ? changes : { ...changes, due_sort: dueSort(dueAt) });
  }

  private children(parentIds: readonly string[]) {
    return this.rows().where('parent_id', 'in', [...parentIds]);
  }

  /** The live children of these items. */
  liveChildren(parentIds: readonly string[]): Promise<Row<T>[]> {
    if (parentIds.length === 0) return Promise.resolve([]);
    return this.children(parentIds).selectAll().where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute() as Promise<Row<T>[]>;
  }

  /** The children that went to the trash because these items did, and come back with them. */
  trashedWithParent(parentIds: readonly string[]): Promise<Row<T>[]> {
    if (parentIds.length === 0) return Promise.resolve([]);
    return this.children(parentIds).selectAll().where('trashed_with_parent', '=', 1).execute() as Promise<Row<T>[]>;
  }

  /** Moves these (live children of an item being trashed) to the trash, marked as going with it. */
  async trashWithParent(ids: readonly string[], deletedAt: string): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.recorder?.note(this.kind, id, { deleted_at: null }, { deleted_at: deletedAt });
    await this.db
      .updateTable(this.table as string)
      .set({ deleted_at: deletedAt, trashed_with_parent: 1 } as any)
      .where('tenant_id', '=', this.scope.tenantId)
      .where('id', 'in', [...ids])
      .execute();
  }

  /** How many open live children each of these items has (absent: none). */
  fetchOpenChildren(parentIds: readonly string[]): Fetch<Map<string, number>> {
    const query =
      parentIds.length === 0
        ? undefined
        : this.children(parentIds)
            .select(['parent_id', sql<number>`count(*)`.as('n')])
            .where('deleted_at', 'is', null)
            .where(this.open)
            .groupBy('parent_id');
    return { query, read: (rows) => new Map((rows as { parent_id: string; n: number | string }[]).map((r) => [r.parent_id, Number(r.n)])) };
  }
}
