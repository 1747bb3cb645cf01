import { sql, type RawBuilder } from 'kysely';
import type { ItemKind } from '../schema.js';
import type { TenantScope } from './scope.js';
import type { ChangeRecorder } from './changes.js';
import { fetchOne, type Fetch } from './fetches.js';

/** Tags by item id, each list sorted. */
export type TagsById = ReadonlyMap<string, string[]>;

/** One tag of one item, as an import holds it. */
export interface TagRow {
  item_kind: ItemKind;
  item_id: string;
  tag: string;
}

const BATCH = 200;

/** A condition for `table.id` having every one of tags (of the scope's tenant). */
export function hasTags({ tenantId }: TenantScope, kind: ItemKind, table: string, tags: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`${sql.join(
    tags.map(
      (tag) =>
        sql`EXISTS (SELECT 1 FROM item_tags t WHERE t.tenant_id = ${tenantId} AND t.item_kind = ${kind} AND t.tag = ${tag} AND t.item_id = ${sql.ref(`${table}.id`)})`,
    ),
    sql` AND `,
  )}`;
}

/** The tags of one tenant's items. */
export class TagRepository {
  constructor(
    private readonly scope: TenantScope,
    private readonly recorder?: ChangeRecorder,
  ) {}

  /** Replaces an item's tags. */
  async set(kind: ItemKind, id: string, tags: readonly string[]): Promise<void> {
    const { db, tenantId } = this.scope;
    if (this.recorder?.records(kind, { tags })) this.recorder.note(kind, id, { tags: (await this.of(kind, [id])).get(id) ?? [] }, { tags: [...tags].sort() });
    await db.deleteFrom('item_tags').where('tenant_id', '=', tenantId).where('item_kind', '=', kind).where('item_id', '=', id).execute();
    if (tags.length === 0) return;
    await db
      .insertInto('item_tags')
      .values(tags.map((tag) => ({ tenant_id: tenantId, item_kind: kind, item_id: id, tag })))
      .execute();
  }

  /** The tags of many items of one kind in one query, sorted. */
  of(kind: ItemKind, ids: readonly string[]): Promise<Map<string, string[]>> {
    return fetchOne(this.fetchOf(kind, ids));
  }

  /** The same, to run with other fetches (see fetchEach). */
  fetchOf(kind: ItemKind, ids: readonly string[]): Fetch<Map<string, string[]>> {
    const query =
      ids.length === 0
        ? undefined
        : this.scope.db
            .selectFrom('item_tags')
            .select(['item_id', 'tag'])
            .where('tenant_id', '=', this.scope.tenantId)
            .where('item_kind', '=', kind)
            .where('item_id', 'in', [...ids]);
    return {
      query,
      read: (rows) => {
        const byId = new Map<string, string[]>(ids.map((i) => [i, []]));
        for (const r of rows as { item_id: string; tag: string }[]) byId.get(r.item_id)?.push(r.tag);
        // Sorted here: an ORDER BY tag would lead SQLite to scan the by-tag index instead of the key.
        for (const list of byId.values()) list.sort();
        return byId;
      },
    };
  }

  /** Every tag of the tenant, by `kind:id`, each list sorted (for an export). */
  async all(): Promise<Map<string, string[]>> {
    const rows = await this.scope.db.selectFrom('item_tags').select(['item_kind', 'item_id', 'tag']).where('tenant_id', '=', this.scope.tenantId).execute();
    const tags = new Map<string, string[]>();
    for (const r of rows) {
      const key = `${r.item_kind}:${r.item_id}`;
      tags.set(key, [...(tags.get(key) ?? []), r.tag]);
    }
    for (const list of tags.values()) list.sort();
    return tags;
  }

  /** The tags of new items (their creation notes them in the history). */
  async insertMany(rows: readonly TagRow[]): Promise<void> {
    const { db, tenantId } = this.scope;
    const byItem = new Map<string, { kind: ItemKind; id: string; tags: string[] }>();
    for (const r of rows) {
      const item = byItem.get(`${r.item_kind}:${r.item_id}`) ?? { kind: r.item_kind, id: r.item_id, tags: [] };
      item.tags.push(r.tag);
      byItem.set(`${r.item_kind}:${r.item_id}`, item);
    }
    for (const item of byItem.values()) this.recorder?.note(item.kind, item.id, null, { tags: item.tags.sort() });
    for (let i = 0; i < rows.length; i += BATCH) {
      await db
        .insertInto('item_tags')
        .values(rows.slice(i, i + BATCH).map((r) => ({ ...r, tenant_id: tenantId })))
        .execute();
    }
  }

  /** Drops the tags of items removed for good. */
  async drop(kind: ItemKind, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.scope.db
      .deleteFrom('item_tags')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('item_kind', '=', kind)
      .where('item_id', 'in', [...ids])
      .execute();
  }

  async clear(): Promise<void> {
    await this.scope.db.deleteFrom('item_tags').where('tenant_id', '=', this.scope.tenantId).execute();
  }
}
