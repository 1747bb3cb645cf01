import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

let next = 0;

/**
 * Runs fn inside a savepoint of the current transaction: if fn throws, what it wrote is undone
 * and the transaction carries on (on PostgreSQL, an error otherwise aborts the whole transaction).
 * The same statements work on SQLite, PostgreSQL and PGlite.
 */
export async function withSavepoint<T>(db: Kysely<Database>, fn: () => Promise<T>): Promise<T> {
  const name = sql.raw(`mcp_pa_item_${++next}`);
  await sql`SAVEPOINT ${name}`.execute(db);
  try {
    const result = await fn();
    await sql`RELEASE SAVEPOINT ${name}`.execute(db);
    return result;
  } catch (err) {
    await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(db);
    await sql`RELEASE SAVEPOINT ${name}`.execute(db);
    throw err;
  }
}
