import { sql } from 'kysely';
import type { Migration } from './migration.js';

/**
 * The authorization server's records by account, so that disabling or deleting an account revokes
 * its grants and tokens in one statement.
 */
export const accountRecords: Migration = {
  version: 6,
  name: 'authorization server records by account',
  async up(db) {
    await sql`ALTER TABLE oauth_records ADD COLUMN account_id text`.execute(db);
    await sql`CREATE INDEX oauth_records_account ON oauth_records (account_id) WHERE account_id IS NOT NULL`.execute(db);
  },
};
