import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/** When an account's password last changed: access tokens issued before it are refused. */
export const credentialsChanged: Migration = {
  version: 12,
  name: 'tokens cut off at a password change',
  async up(db, dialect) {
    await sql`ALTER TABLE accounts ADD COLUMN tokens_valid_after ${keyType(dialect)}`.execute(db);
  },
};
