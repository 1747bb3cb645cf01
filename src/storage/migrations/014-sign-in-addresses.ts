import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/**
 * Where each account last signed in successfully, by keyed pseudonym of (account, network): such
 * an address passes the account-wide sign-in limits, so failures elsewhere cannot lock it out.
 */
export const signInAddresses: Migration = {
  version: 14,
  name: 'known sign-in addresses',
  async up(db, dialect) {
    await sql`CREATE TABLE sign_in_addresses (
      key ${keyType(dialect)} PRIMARY KEY,
      last_success_at ${keyType(dialect)} NOT NULL
    )`.execute(db);
  },
};
