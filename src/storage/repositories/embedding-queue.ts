import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { ItemKind } from '../schema.js';
import type { TenantScope } from './scope.js';

/** An item taken from the queue: `version` tells whether it changed again while it was out. */
export interface QueuedItem {
  kind: ItemKind;
  id: string;
  version: number;
  attempts: number;
}

export interface QueueBacklog {
  /** Items waiting to be embedded (those failing included). */
  waiting: number;
  /** Of which: failed at least once (retried with back-off). */
  failing: number;
  /** The last failure's message, if any item is failing. */
  lastError: string | null;
}

/**
 * One tenant's items waiting for embeddings. Writes add to it inside their own transaction (a
 * row, no provider call); the background worker takes batches, holding each for a lease, and
 * removes an item only when the vectors it stored are of the item's latest version.
 */
export class EmbeddingQueueRepository {
  constructor(private readonly scope: TenantScope) {}

  private rows() {
    return this.scope.db.selectFrom('embedding_queue').where('tenant_id', '=', this.scope.tenantId);
  }

  /**
   * Queues items (again): a new version, ready at `at`, its failures forgotten. A version is drawn
   * at random, not counted: an item trashed and restored is queued afresh, and a count restarting at
   * 1 would let a batch taken before that pass for the new one.
   */
  async add(items: readonly { kind: ItemKind; id: string }[], at: string): Promise<void> {
    for (let i = 0; i < items.length; i += 500) {
      await this.scope.db
        .insertInto('embedding_queue')
        .values(
          items.slice(i, i + 500).map((item) => ({
            tenant_id: this.scope.tenantId,
            item_kind: item.kind,
            item_id: item.id,
            ready_at: at,
            version: crypto.randomInt(1, 2 ** 31 - 1),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'item_kind', 'item_id']).doUpdateSet({
            version: sql<number>`excluded.version`,
            attempts: 0,
            ready_at: at,
            last_error: null,
          }),
        )
        .execute();
    }
  }

  /** Queues every item the search index holds (a new model, a reindex). Returns how many. */
  async addAllIndexed(at: string): Promise<number> {
    const rows = await this.scope.db.selectFrom('search_items').select(['item_kind', 'item_id']).where('tenant_id', '=', this.scope.tenantId).execute();
    await this.add(
      rows.map((r) => ({ kind: r.item_kind as ItemKind, id: r.item_id })),
      at,
    );
    return rows.length;
  }

  async remove(kind: ItemKind, id: string): Promise<void> {
    await this.scope.db
      .deleteFrom('embedding_queue')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('item_kind', '=', kind)
      .where('item_id', '=', id)
      .execute();
  }

  async clear(): Promise<void> {
    await this.scope.db.deleteFrom('embedding_queue').where('tenant_id', '=', this.scope.tenantId).execute();
  }

  /**
   * Takes up to `max` items ready by `now`, oldest first, and holds them until `leaseUntil` (an
   * instance that dies holding them lets them go then). Skips rows another instance is taking.
   */
  async take(now: string, leaseUntil: string, max: number): Promise<QueuedItem[]> {
    let query = this.rows().select(['item_kind', 'item_id', 'version', 'attempts']).where('ready_at', '<=', now).orderBy('ready_at').limit(max);
    if (this.scope.rowLocks) query = query.forUpdate().skipLocked();
    const rows = await query.execute();
    const taken = rows.map((r) => ({ kind: r.item_kind as ItemKind, id: r.item_id, version: Number(r.version), attempts: Number(r.attempts) }));
    // One statement per kind, not one per item: the worker's every round passes here.
    for (const kind of new Set(taken.map((t) => t.kind))) {
      await this.scope.db
        .updateTable('embedding_queue')
        .set({ ready_at: leaseUntil })
        .where('tenant_id', '=', this.scope.tenantId)
        .where('item_kind', '=', kind)
        .where(
          'item_id',
          'in',
          taken.filter((t) => t.kind === kind).map((t) => t.id),
        )
        .execute();
    }
    return taken;
  }

  private one(item: { kind: ItemKind; id: string }) {
    return this.scope.db
      .updateTable('embedding_queue')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('item_kind', '=', item.kind)
      .where('item_id', '=', item.id);
  }

  /**
   * The versions now queued of these items, their rows held until the transaction ends (where the
   * engine has row locks): a batch stores its vectors only for the version it took.
   */
  async versionsOf(items: readonly { kind: ItemKind; id: string }[]): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    for (const kind of new Set(items.map((i) => i.kind))) {
      let query = this.rows()
        .select(['item_id', 'version'])
        .where('item_kind', '=', kind)
        .where(
          'item_id',
          'in',
          items.filter((i) => i.kind === kind).map((i) => i.id),
        );
      if (this.scope.rowLocks) query = query.forUpdate();
      for (const r of await query.execute()) versions.set(`${kind}:${r.item_id}`, Number(r.version));
    }
    return versions;
  }

  /** Done: removed unless it changed (a newer version) while it was out. */
  async done(item: QueuedItem): Promise<void> {
    await this.scope.db
      .deleteFrom('embedding_queue')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('item_kind', '=', item.kind)
      .where('item_id', '=', item.id)
      .where('version', '=', item.version)
      .execute();
  }

  /** A failed attempt: ready again at `at`, counted for the back-off (a newer version is left as it is). */
  async failed(item: QueuedItem, at: string, error: string): Promise<void> {
    await this.one(item)
      .set({ ready_at: at, attempts: item.attempts + 1, last_error: error.slice(0, 500) })
      .where('version', '=', item.version)
      .execute();
  }

  /** When the next item is ready, if any waits. */
  async nextReady(): Promise<string | undefined> {
    const row = await this.rows()
      .select((eb) => eb.fn.min('ready_at').as('next'))
      .executeTakeFirst();
    return row?.next ?? undefined;
  }

  async backlog(): Promise<QueueBacklog> {
    const row = await this.rows()
      .select((eb) => [
        eb.fn.countAll<number>().as('waiting'),
        eb.fn.sum<number>(sql`CASE WHEN attempts > 0 THEN 1 ELSE 0 END`).as('failing'),
        eb.fn.max('last_error').as('last_error'),
      ])
      .executeTakeFirst();
    return { waiting: Number(row?.waiting ?? 0), failing: Number(row?.failing ?? 0), lastError: row?.last_error ?? null };
  }
}
