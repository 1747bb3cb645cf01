import type { Fetch } from './fetches.js';
import type { Row } from './items.js';
import type { TenantScope } from './scope.js';

export type DeliveryRow = Row<'reminder_deliveries'>;

/** One tenant's record of reminders pushed to its webhook. */
export class ReminderDeliveryRepository {
  constructor(private readonly scope: TenantScope) {}

  /** The deliveries with these ids. */
  find(ids: readonly string[]): Fetch<Map<string, DeliveryRow>> {
    const query =
      ids.length === 0
        ? undefined
        : this.scope.db
            .selectFrom('reminder_deliveries')
            .selectAll()
            .where('tenant_id', '=', this.scope.tenantId)
            .where('delivery_id', 'in', [...ids]);
    return { query, read: (rows) => new Map(rows.map(({ tenant_id: _tenant, ...row }) => [row.delivery_id as string, row as DeliveryRow])) };
  }

  /** Records an attempt (the row is created by the first). */
  async record(row: DeliveryRow): Promise<void> {
    const { delivery_id: _id, ...changes } = row;
    await this.scope.db
      .insertInto('reminder_deliveries')
      .values({ ...row, tenant_id: this.scope.tenantId })
      .onConflict((oc) => oc.columns(['tenant_id', 'delivery_id']).doUpdateSet(changes))
      .execute();
  }
}
