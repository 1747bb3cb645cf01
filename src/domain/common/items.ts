import { SqliteAdapter, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
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

/**
 * Reading a row in order to change it: on PostgreSQL lock it (FOR UPDATE), so concurrent changes
 * of one item queue instead of interleaving (two tag replacements would otherwise merge); SQLite
 * writers already run one at a time (BEGIN IMMEDIATE).
 */
export interface Lock {
  lock?: boolean;
}

/** The item if it exists and is not in the trash. */
export function findLiveItem<T extends ItemTable>(
  db: Kysely<Database>,
  table: T,
  tenantId: string,
  id: string,
  { lock = false }: Lock = {},
): Promise<Selectable<Database[T]> | undefined> {
  return findItem(db, table, tenantId, id, { lock }).where('deleted_at', 'is', null).executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}

/** The item whether or not it is in the trash. */
export function findAnyItem<T extends ItemTable>(db: Kysely<Database>, table: T, tenantId: string, id: string, { lock = false }: Lock = {}) {
  return findItem(db, table, tenantId, id, { lock }).executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}

function findItem(db: Kysely<Database>, table: ItemTable, tenantId: string, id: string, { lock }: Lock) {
  const query = (db as Kysely<any>).selectFrom(table).selectAll().where('tenant_id', '=', tenantId).where('id', '=', id);
  return lock && !(db.getExecutor().adapter instanceof SqliteAdapter) ? query.forUpdate() : query;
}
