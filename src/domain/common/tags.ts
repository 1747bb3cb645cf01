import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, ItemKind } from '../../storage/schema.js';

/** Replaces an item's tags. */
export async function setTags(db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string, tags: readonly string[]) {
  await db.deleteFrom('item_tags').where('tenant_id', '=', tenantId).where('item_kind', '=', kind).where('item_id', '=', id).execute();
  if (tags.length === 0) return;
  await db
    .insertInto('item_tags')
    .values(tags.map((tag) => ({ tenant_id: tenantId, item_kind: kind, item_id: id, tag })))
    .execute();
}

/** Tags by item id, each list sorted. */
export type TagsById = ReadonlyMap<string, string[]>;

/** The tags of many items of one kind in one query, sorted. */
export async function tagsOf(db: Kysely<Database>, tenantId: string, kind: ItemKind, ids: readonly string[]): Promise<Map<string, string[]>> {
  const byId = new Map<string, string[]>(ids.map((i) => [i, []]));
  if (ids.length === 0) return byId;
  const rows = await db
    .selectFrom('item_tags')
    .select(['item_id', 'tag'])
    .where('tenant_id', '=', tenantId)
    .where('item_kind', '=', kind)
    .where('item_id', 'in', [...ids])
    .execute();
  for (const r of rows) byId.get(r.item_id)?.push(r.tag);
  // Sorted here: an ORDER BY tag would lead SQLite to scan the by-tag index instead of the key.
  for (const list of byId.values()) list.sort();
  return byId;
}

/** The tags of items of several kinds in one query: by kind, then by id. */
export async function tagsOfKinds(
  db: Kysely<Database>,
  tenantId: string,
  items: Partial<Record<ItemKind, readonly string[]>>,
): Promise<(kind: ItemKind) => TagsById> {
  const byKind = new Map<ItemKind, Map<string, string[]>>();
  for (const [kind, ids] of Object.entries(items) as [ItemKind, readonly string[]][]) byKind.set(kind, new Map(ids.map((i) => [i, []])));
  const ids = [...new Set(Object.values(items).flat())];
  if (ids.length > 0) {
    const rows = await db.selectFrom('item_tags').select(['item_kind', 'item_id', 'tag']).where('tenant_id', '=', tenantId).where('item_id', 'in', ids).execute();
    for (const r of rows) byKind.get(r.item_kind as ItemKind)?.get(r.item_id)?.push(r.tag);
    for (const map of byKind.values()) for (const list of map.values()) list.sort();
  }
  return (kind) => byKind.get(kind) ?? new Map();
}

/** A condition for `table.id` having every one of tags. */
export function hasTags(tenantId: string, kind: ItemKind, table: string, tags: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`${sql.join(
    tags.map(
      (tag) =>
        sql`EXISTS (SELECT 1 FROM item_tags t WHERE t.tenant_id = ${tenantId} AND t.item_kind = ${kind} AND t.tag = ${tag} AND t.item_id = ${sql.ref(`${table}.id`)})`,
    ),
    sql` AND `,
  )}`;
}
