import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/**
 * The audit trail: append-only (no row is ever changed; only rows older than a day may be deleted,
 * by the retention sweep), each row carrying the hash of the one before it.
 */
export const auditEvents: Migration = {
  version: 11,
  name: 'audit trail',
  async up(db, dialect) {
    const text = keyType(dialect);
    const seq = dialect === 'sqlite' ? sql`integer PRIMARY KEY AUTOINCREMENT` : sql`bigserial PRIMARY KEY`;
    await sql`CREATE TABLE audit_events (
      seq ${seq},
      at ${text} NOT NULL,
      type ${text} NOT NULL,
      actor ${text},
      address ${text},
      client_id ${text},
      details text NOT NULL,
      prev_hash ${text} NOT NULL,
      hash ${text} NOT NULL
    )`.execute(db);
    await sql`CREATE INDEX audit_events_type ON audit_events (type, seq)`.execute(db);
    if (dialect === 'sqlite') {
      await sql`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`.execute(db);
      await sql`CREATE TRIGGER audit_events_keep_recent BEFORE DELETE ON audit_events
        WHEN OLD.at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
        BEGIN SELECT RAISE(ABORT, 'audit events younger than a day cannot be deleted'); END`.execute(db);
      return;
    }
    await sql`CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'audit events are append-only'; END IF;
        IF OLD.at > to_char(now() AT TIME ZONE 'UTC' - interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') THEN
          RAISE EXCEPTION 'audit events younger than a day cannot be deleted';
        END IF;
        RETURN OLD;
      END $$`.execute(db);
    await sql`CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_guard()`.execute(db);
  },
};
