import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** Live items per bucket ("todos.open", "projects.in_progress", "documents", ...), kept by triggers. */
export async function liveCounts(db: Kysely<Database>, tenantId: string): Promise<(bucket: string) => number> {
  const rows = await db.selectFrom('item_counts').select(['bucket', 'n']).where('tenant_id', '=', tenantId).execute();
  const counts = new Map(rows.map((r) => [r.bucket, Number(r.n)]));
  return (bucket) => counts.get(bucket) ?? 0;
}
