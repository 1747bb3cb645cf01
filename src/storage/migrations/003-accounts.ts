import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/**
 * Accounts: who a tenant belongs to. An account is an (issuer, subject) pair from a verified access
 * token (an external identity provider's, or the embedded authorization server's), created on its
 * first request; its tenant holds its data. Installation data, like `tenants`' ids: looked up
 * before any tenant is known, so it is outside the tenant policies.
 */
export const accounts: Migration = {
  version: 3,
  name: 'accounts',
  async up(db, dialect) {
    const key = keyType(dialect);
    await sql`CREATE TABLE accounts (
      tenant_id ${key} PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
      issuer text NOT NULL,
      subject text NOT NULL,
      email text,
      created_at ${key} NOT NULL,
      disabled_at ${key},
      UNIQUE (issuer, subject)
    )`.execute(db);
  },
};
