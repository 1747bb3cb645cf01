import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/** Failed sign-ins by account and by address, shared by every instance, so that guessing slows down everywhere. */
export const loginFailures: Migration = {
  version: 9,
  name: 'failed sign-ins',
  async up(db, dialect) {
    await sql`CREATE TABLE login_failures (
      subject ${keyType(dialect)} PRIMARY KEY,
      failures integer NOT NULL,
      last_failure_at ${keyType(dialect)} NOT NULL
    )`.execute(db);
  },
};
