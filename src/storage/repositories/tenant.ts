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
