import { sql } from 'kysely';
import type { Engine } from '../engine.js';
import type { TenantScope } from './scope.js';

/**
 * Kinds of work that fall due for one tenant at a moment. Each kind has one handler, registered
 * where the server is composed (src/compose/due-work.ts); a row names the kind, the item and the
 * moment, never any content.
 */
export type DueWorkKind = 'trash.purge' | 'reminders.send' | 'history.purge' | 'embeddings.embed';

/** Work about the whole tenant rather than one item. */
export const WHOLE_TENANT = '';

export interface DueWorkItem {
  kind: DueWorkKind;
  itemId: string;
  attempts: number;
}

/** One tenant's queue of due work, inside that tenant's transaction. */
export class DueWorkRepository {
  constructor(private readonly scope: TenantScope) {}

  private rows() {
    return this.scope.db.selectFrom('due_work').where('tenant_id', '=', this.scope.tenantId);
  }

  private deleteOne(kind: DueWorkKind, itemId: string) {
    return this.scope.db.deleteFrom('due_work').where('tenant_id', '=', this.scope.tenantId).where('kind', '=', kind).where('item_id', '=', itemId);
  }

  /** Work due at `at` (a stored instant); an earlier moment already scheduled wins. */
  async schedule(kind: DueWorkKind, itemId: string, at: string): Promise<void> {
    await this.scope.db
      .insertInto('due_work')
      .values({ tenant_id: this.scope.tenantId, kind, item_id: itemId, due_at: at, attempts: 0 })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'kind', 'item_id']).doUpdateSet({
          due_at: sql<string>`CASE WHEN excluded.due_at < due_work.due_at THEN excluded.due_at ELSE due_work.due_at END`,
          attempts: 0,
        }),
      )
      .execute();
  }

  /** Work due at exactly `at`, whatever was scheduled before (a handler that knows its next run). */
  async reschedule(kind: DueWorkKind, itemId: string, at: string): Promise<void> {
    await this.scope.db
      .insertInto('due_work')
      .values({ tenant_id: this.scope.tenantId, kind, item_id: itemId, due_at: at, attempts: 0 })
      .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'item_id']).doUpdateSet({ due_at: at, attempts: 0 }))
      .execute();
  }

  async cancel(kind: DueWorkKind, itemId: string): Promise<void> {
    await this.deleteOne(kind, itemId).execute();
  }

  /** The work of these kinds due by `now` (a stored instant), earliest first. */
  async due(now: string, max: number, kinds: readonly DueWorkKind[]): Promise<DueWorkItem[]> {
    if (kinds.length === 0) return [];
    const rows = await this.rows()
      .select(['kind', 'item_id', 'attempts'])
      .where('due_at', '<=', now)
      .where('kind', 'in', [...kinds])
      .orderBy('due_at')
      .orderBy('kind')
      .orderBy('item_id')
      .limit(max)
      .execute();
    return rows.map((r) => ({ kind: r.kind as DueWorkKind, itemId: r.item_id, attempts: Number(r.attempts) }));
  }

  /**
   * Takes one item of work for this transaction: true when it is still due and no other
   * instance holds it (a row lock, skipped if taken, where the engine has row locks; SQLite
   * writers already run one at a time). The row goes; the handler may schedule the next run,
   * and a rollback puts it all back.
   */
  async take(item: DueWorkItem, now: string): Promise<boolean> {
    let query = this.rows().select('item_id').where('kind', '=', item.kind).where('item_id', '=', item.itemId).where('due_at', '<=', now);
    if (this.scope.rowLocks) query = query.forUpdate().skipLocked();
    if (!(await query.executeTakeFirst())) return false;
    await this.deleteOne(item.kind, item.itemId).execute();
    return true;
  }

  /** A failed attempt: due again at `at`, counted for the back-off. */
  async retry(item: DueWorkItem, at: string): Promise<void> {
    await this.scope.db
      .updateTable('due_work')
      .set({ due_at: at, attempts: item.attempts + 1 })
      .where('tenant_id', '=', this.scope.tenantId)
      .where('kind', '=', item.kind)
      .where('item_id', '=', item.itemId)
      .execute();
  }
}

/** The tenants that have work due by `now`, earliest first: the sweeper visits only these. */
export function tenantsWithDueWork(engine: Engine, now: string, max: number): Promise<string[]> {
  return engine.transaction('read', '', (trx) => engine.dueTenants(trx, now, max));
}
