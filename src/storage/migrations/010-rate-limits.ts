import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/** Request counters of rate-limiter-flexible, shared by every instance so a limit holds across them. */
export const rateLimits: Migration = {
  version: 10,
  name: 'rate limits',
  async up(db, dialect) {
    await sql`CREATE TABLE rate_limits (
      key ${keyType(dialect)} PRIMARY KEY,
      points integer NOT NULL,
      expire ${sql.raw(dialect === 'sqlite' ? 'integer' : 'bigint')}
    )`.execute(db);
  },
};
