import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/**
 * The embedded authorization server's signing keys, shared by every instance: the public half as
 * a JWK, the private half sealed with a key-encryption key (AES-256-GCM, bound to the kid).
 * Retired keys stay (for verification) until every token they signed has expired.
 */
export const signingKeys: Migration = {
  version: 7,
  name: 'authorization server signing keys',
  async up(db, dialect) {
    const key = keyType(dialect);
    await sql`CREATE TABLE signing_keys (
      kid ${key} PRIMARY KEY,
      alg text NOT NULL,
      public_jwk text NOT NULL,
      private_sealed text NOT NULL,
      created_at ${key} NOT NULL,
      retired_at ${key},
      verify_until ${key}
    )`.execute(db);
  },
};
