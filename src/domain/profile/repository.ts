import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, ProfileTable } from '../../storage/schema.js';

export type ProfileRow = Selectable<ProfileTable>;

export function findProfile(db: Kysely<Database>, tenantId: string) {
  return db.selectFrom('profiles').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

export async function saveProfile(db: Kysely<Database>, tenantId: string, changes: Updateable<ProfileTable> & { updated_at: string }) {
  await db
    .insertInto('profiles')
    .values({ ...changes, tenant_id: tenantId })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(changes))
    .execute();
}
