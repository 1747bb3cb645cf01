import type { Row } from './items.js';
import type { TenantScope } from './scope.js';

export type DeliveryRow = Row<'reminder_deliveries'>;

/** One tenant's record of reminders pushed to its webhook. */
export class ReminderDeliveryRepository {
  constructor(private readonly scope: TenantScope) {}

  /** The deliveries with these ids. */
  async find(ids: readonly string[]): Promise<Map<string, DeliveryRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.scope.db
      .selectFrom('reminder_deliveries')
      .selectAll()
      .where('tenant_id', '=', this.scope.tenantId)
      .where('delivery_id', 'in', [...ids])
      .execute();
    return new Map(rows.map(({ tenant_id: _tenant, ...row }) => [row.delivery_id, row]));
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
