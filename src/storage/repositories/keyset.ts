import { sql, type RawBuilder } from 'kysely';

/** A sort key as a cursor holds it. */
export type Key = string | number;

/**
 * Keyset pagination: rows strictly after the cursor in (columns...) order, as a row-value
 * comparison that SQLite and PostgreSQL both answer from the index.
 */
export function after(columns: readonly RawBuilder<unknown>[], key: readonly Key[], direction: 'asc' | 'desc'): RawBuilder<boolean> {
  const left = sql.join(columns);
  const right = sql.join(key.map((k) => sql`${k}`));
  return direction === 'asc' ? sql<boolean>`(${left}) > (${right})` : sql<boolean>`(${left}) < (${right})`;
}
