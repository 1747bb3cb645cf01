import type { Updateable } from 'kysely';
import type { ProfileTable } from '../schema.js';
import type { Row } from './items.js';
import type { TenantScope } from './scope.js';

export type ProfileRow = Row<'profiles'>;
export type ProfileChanges = Omit<Updateable<ProfileTable>, 'tenant_id'> & { updated_at: string };

/** The tenant's one profile row. */
export class ProfileRepository {
  /** `opened`: the row as the transaction's start read it (null: none), until a write here makes it stale. */
  constructor(
    private readonly scope: TenantScope,
    private opened?: Record<string, unknown> | null,
  ) {}

  /** The profile (undefined until the user sets something), without its tenant column. */
  async find(): Promise<ProfileRow | undefined> {
    const row =
      this.opened !== undefined
        ? ((this.opened as Row<'profiles'> & { tenant_id: string }) ?? undefined)
        : await this.scope.db.selectFrom('profiles').selectAll().where('tenant_id', '=', this.scope.tenantId).executeTakeFirst();
    if (!row) return undefined;
    const { tenant_id: _tenant, ...profile } = row;
    return profile;
  }

  /** Creates the profile or changes the given fields of it. */
  async save(changes: ProfileChanges): Promise<void> {
    this.opened = undefined;
    await this.scope.db
      .insertInto('profiles')
      .values({ ...changes, tenant_id: this.scope.tenantId })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(changes))
      .execute();
  }

  async delete(): Promise<void> {
    this.opened = undefined;
    await this.scope.db.deleteFrom('profiles').where('tenant_id', '=', this.scope.tenantId).execute();
  }
}
