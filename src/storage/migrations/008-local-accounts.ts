import { sql } from 'kysely';
import type { Migration } from './migration.js';

/** Accounts of the embedded authorization server: a password hash, and one account per email. */
export const localAccounts: Migration = {
  version: 8,
  name: 'accounts with passwords',
  async up(db) {
    await sql`ALTER TABLE accounts ADD COLUMN password_hash text`.execute(db);
    await sql`CREATE UNIQUE INDEX accounts_email ON accounts (issuer, email) WHERE email IS NOT NULL`.execute(db);
  },
};
