import { sql } from 'kysely';
import type { Dialect } from '../engine.js';

/**
 * The column type of text that is compared and sorted (ids, instants): byte order on PostgreSQL
 * whatever the database's locale, as on SQLite. For tables created in raw SQL.
 */
export const keyType = (dialect: Dialect) => (dialect === 'postgresql' ? sql`text COLLATE "C"` : sql`text`);
