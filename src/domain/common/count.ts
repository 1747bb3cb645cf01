import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** The number of rows a filtered (not yet selecting) query matches. */
export async function countRows<TB extends keyof Database>(query: SelectQueryBuilder<Database, TB, object>): Promise<number> {
  const row = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number((row as { n: number | string }).n);
}
