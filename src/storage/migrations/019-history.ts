import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';
import { forceRowSecurity } from './row-security.js';

/**
 * History (issue 15): every change to an item, with the fields before and after (JSON), when, by
 * which client, and the call it came in (`batch_id`: undo reverts a whole call). `undone_by` is the
 * call that undid it. A person's data: deleted with the account, kept apart like the rest.
 */
export const history: Migration = {
  version: 19,
  name: 'history',
  async up(db, dialect) {
    const key = keyType(dialect);
    await sql`CREATE TABLE item_changes (
      tenant_id ${key} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      change_id ${key} NOT NULL,
      batch_id ${key} NOT NULL,
      at ${key} NOT NULL,
      actor text NOT NULL,
      action ${key} NOT NULL,
      item_kind ${key} NOT NULL,
      item_id ${key} NOT NULL,
      before text,
      after text,
      undone_by ${key},
      CONSTRAINT item_changes_pk PRIMARY KEY (tenant_id, change_id)
    )`.execute(db);
    await sql`CREATE INDEX item_changes_item ON item_changes (tenant_id, item_kind, item_id, change_id)`.execute(db);
    await sql`CREATE INDEX item_changes_batch ON item_changes (tenant_id, batch_id)`.execute(db);
    await sql`CREATE INDEX item_changes_at ON item_changes (tenant_id, at)`.execute(db);
    if (dialect === 'postgresql') await forceRowSecurity(db, 'item_changes');
  },
};
