import type { Kysely, Updateable } from 'kysely';
import type { Database, ProfileTable } from '../../storage/schema.js';

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

export async function profileTimeZone(db: Kysely<Database>, tenantId: string): Promise<string | null> {
  const row = await db.selectFrom('profiles').select('timezone').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.timezone ?? null;
}
