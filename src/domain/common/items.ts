import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** The tables of user items: each has tenant_id, id, timestamps and deleted_at (the trash). */
export type ItemTable = 'projects' | 'tasks' | 'todos' | 'events' | 'documents';

// Kysely cannot follow a table name given as a type parameter through its builders; these three
// functions are the one place that says so, and their signatures keep callers fully typed.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function insertItem<T extends ItemTable>(db: Kysely<Database>, table: T, row: Insertable<Database[T]>): Promise<void> {
  await (db as Kysely<any>).insertInto(table as string).values(row as any).execute();
}

export async function updateItem<T extends ItemTable>(
  db: Kysely<Database>,
  table: T,
  tenantId: string,
  id: string,
  changes: Updateable<Database[T]>,
): Promise<void> {
  await (db as Kysely<any>)
    .updateTable(table as string)
    .set(changes as any)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** The item if it exists and is not in the trash. */
export function findLiveItem<T extends ItemTable>(db: Kysely<Database>, table: T, tenantId: string, id: string): Promise<Selectable<Database[T]> | undefined> {
  return (db as Kysely<any>)
    .selectFrom(table as string)
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}
