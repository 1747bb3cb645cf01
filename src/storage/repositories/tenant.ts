import type { Engine } from '../engine.js';
import type { TenantScope } from './scope.js';

/** The tenant itself. */
export class TenantRepository {
  constructor(private readonly scope: TenantScope) {}

  /** Creates the tenant on first use; idempotent. */
  async ensure(createdAt: string): Promise<void> {
    await this.scope.db
      .insertInto('tenants')
      .values({ id: this.scope.tenantId, created_at: createdAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** Removes the tenant; what is left of it (account, counters, tags) goes by foreign-key cascade. */
  async remove(): Promise<void> {
    await this.scope.db.deleteFrom('tenants').where('id', '=', this.scope.tenantId).execute();
  }
}

/** Every tenant's id (for the work done for each of them, as the trash sweep). */
export async function listTenants(engine: Engine): Promise<string[]> {
  // The tenant list is readable under any tenant; '' is none of them.
  const rows = await engine.transaction('read', '', (trx) => trx.selectFrom('tenants').select('id').execute());
  return rows.map((r) => r.id);
}
