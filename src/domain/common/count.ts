import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** The number of rows a filtered (not yet selecting) query matches. */
export async function countRows<TB extends keyof Database>(query: SelectQueryBuilder<Database, TB, object>): Promise<number> {
  const row = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number((row as { n: number | string }).n);
}

/** Live items per bucket ("todos.open", "projects.in_progress", "documents", ...), kept by triggers. */
export async function liveCounts(db: Kysely<Database>, tenantId: string): Promise<(bucket: string) => number> {
  const rows = await db.selectFrom('item_counts').select(['bucket', 'n']).where('tenant_id', '=', tenantId).execute();
  const counts = new Map(rows.map((r) => [r.bucket, Number(r.n)]));
  return (bucket) => counts.get(bucket) ?? 0;
}
