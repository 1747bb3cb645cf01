import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/**
 * What the embedded authorization server keeps: clients, grants, sessions, interactions, codes and
 * tokens (oidc-provider's models), one row each, as JSON. Keyed by a hash of the id, so the table
 * never holds a value that works as a token. Installation data, outside the tenant policies.
 */
export const oauthRecords: Migration = {
  version: 5,
  name: 'authorization server records',
  async up(db, dialect) {
    const key = keyType(dialect);
    await sql`CREATE TABLE oauth_records (
      model ${key} NOT NULL,
      id_hash ${key} NOT NULL,
      payload text NOT NULL,
      grant_id ${key},
      uid ${key},
      user_code ${key},
      expires_at ${key},
      consumed_at ${key},
      PRIMARY KEY (model, id_hash)
    )`.execute(db);
    await sql`CREATE INDEX oauth_records_grant ON oauth_records (grant_id) WHERE grant_id IS NOT NULL`.execute(db);
    await sql`CREATE INDEX oauth_records_uid ON oauth_records (uid) WHERE uid IS NOT NULL`.execute(db);
    await sql`CREATE INDEX oauth_records_user_code ON oauth_records (user_code) WHERE user_code IS NOT NULL`.execute(db);
    await sql`CREATE INDEX oauth_records_expiry ON oauth_records (expires_at) WHERE expires_at IS NOT NULL`.execute(db);
  },
};
