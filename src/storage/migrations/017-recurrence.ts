import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';
import { forceRowSecurity } from './row-security.js';

/**
 * Recurrence (issue 14). Events, todos and project tasks take an RFC 5545 rule with its EXDATE and
 * RDATE lists (JSON lists of stored instants). A recurring event is flagged `long_event = 2`, so the
 * overlap queries of single events (0 and 1) never see it; its occurrences are kept, for a window
 * around now, in `event_occurrences` (derived data: rebuilt from the series row on every change),
 * and `covered_from`/`covered_to` say which span that table answers for; outside it they are
 * expanded when read. `exceptions` holds the changes made to single occurrences (JSON, by original
 * start). Todos and tasks move to their next occurrence when completed and count `completions`.
 */
/** What the application role may call to find whose a calendar feed is; granted in the role step. */
export const FEED_TENANT_FUNCTION = 'calendar_feed_tenant(text)';

export const recurrence: Migration = {
  version: 17,
  name: 'recurrence, reminders and calendars',
  async up(db, dialect) {
    const key = keyType(dialect);
    for (const table of ['events', 'todos', 'tasks']) {
      const t = sql.table(table);
      await sql`ALTER TABLE ${t} ADD COLUMN recurrence text`.execute(db);
      await sql`ALTER TABLE ${t} ADD COLUMN exdates text NOT NULL DEFAULT '[]'`.execute(db);
      await sql`ALTER TABLE ${t} ADD COLUMN rdates text NOT NULL DEFAULT '[]'`.execute(db);
    }
    for (const table of ['todos', 'tasks']) {
      await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN completions integer NOT NULL DEFAULT 0`.execute(db);
    }
    await sql`ALTER TABLE events ADD COLUMN exceptions text NOT NULL DEFAULT '{}'`.execute(db);
    await sql`ALTER TABLE events ADD COLUMN series_end ${key}`.execute(db);
    await sql`ALTER TABLE events ADD COLUMN covered_from ${key}`.execute(db);
    await sql`ALTER TABLE events ADD COLUMN covered_to ${key}`.execute(db);
    // The series a read must expand itself: those whose kept window ends before, or starts after,
    // what the read needs (near now: none, found from these two indexes without reading a row).
    await sql`CREATE INDEX events_series_kept_to ON events (tenant_id, covered_to, id) WHERE deleted_at IS NULL AND long_event = 2`.execute(db);
    await sql`CREATE INDEX events_series_kept_from ON events (tenant_id, covered_from, id) WHERE deleted_at IS NULL AND long_event = 2`.execute(db);

    await sql`CREATE TABLE event_occurrences (
      tenant_id ${key} NOT NULL,
      event_id ${key} NOT NULL,
      occurrence_start ${key} NOT NULL,
      start_at ${key} NOT NULL,
      end_at ${key} NOT NULL,
      long_event integer NOT NULL,
      CONSTRAINT event_occurrences_pk PRIMARY KEY (tenant_id, event_id, occurrence_start),
      CONSTRAINT event_occurrences_event_fk FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id) ON DELETE CASCADE
    )`.execute(db);
    // As for single events: a bounded window of start times, long occurrences apart.
    await sql`CREATE INDEX event_occurrences_start ON event_occurrences (tenant_id, start_at, event_id, occurrence_start, end_at, long_event) WHERE long_event = 0`.execute(
      db,
    );
    await sql`CREATE INDEX event_occurrences_long ON event_occurrences (tenant_id, start_at, event_id, occurrence_start, end_at, long_event) WHERE long_event = 1`.execute(
      db,
    );

    // A todo booked into the calendar (schedule_todo), and the UID of an item that came from an
    // iCalendar file, so that importing it again updates it.
    await sql`ALTER TABLE todos ADD COLUMN scheduled_event_id ${key}`.execute(db);
    await sql`ALTER TABLE events ADD COLUMN todo_id ${key}`.execute(db);
    for (const table of ['events', 'todos']) {
      await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN uid text`.execute(db);
      await sql`CREATE UNIQUE INDEX ${sql.id(`${table}_uid`)} ON ${sql.table(table)} (tenant_id, uid) WHERE uid IS NOT NULL`.execute(db);
    }
    await sql`CREATE INDEX todos_reminders ON todos (tenant_id, reminder_at, id) WHERE deleted_at IS NULL AND completed = 0 AND reminder_at IS NOT NULL`.execute(
      db,
    );

    // The person's working hours (JSON) and reminder webhook (its secret sealed under the key-encryption key).
    for (const column of ['working_hours', 'reminder_webhook_url', 'reminder_webhook_format', 'reminder_webhook_secret', 'reminder_webhook_since']) {
      await sql`ALTER TABLE profiles ADD COLUMN ${sql.id(column)} text`.execute(db);
    }

    // Each reminder sent or tried: delivery_id is stable for one reminder of one item, so a
    // receiver drops repeats (a resend after a crash carries the same id).
    await sql`CREATE TABLE reminder_deliveries (
      tenant_id ${key} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      delivery_id ${key} NOT NULL,
      item_kind ${key} NOT NULL,
      item_id ${key} NOT NULL,
      remind_at ${key} NOT NULL,
      status ${key} NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_attempt_at ${key},
      last_error text,
      sent_at ${key},
      CONSTRAINT reminder_deliveries_pk PRIMARY KEY (tenant_id, delivery_id)
    )`.execute(db);
    await sql`CREATE INDEX reminder_deliveries_item ON reminder_deliveries (tenant_id, item_kind, item_id, remind_at)`.execute(db);

    // Calendar feeds: found by a keyed hash of their secret, the secret itself sealed.
    await sql`CREATE TABLE calendar_feeds (
      tenant_id ${key} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      secret_hash ${key} NOT NULL,
      secret_sealed text NOT NULL,
      created_at ${key} NOT NULL,
      CONSTRAINT calendar_feeds_pk PRIMARY KEY (secret_hash)
    )`.execute(db);
    await sql`CREATE UNIQUE INDEX calendar_feeds_tenant ON calendar_feeds (tenant_id)`.execute(db);

    if (dialect !== 'postgresql') return;
    for (const table of ['event_occurrences', 'reminder_deliveries', 'calendar_feeds']) await forceRowSecurity(db, table);
    // Whose feed a secret opens, and nothing else, for the feed route that then reads as that
    // tenant under the usual policies (as due_work_tenants, migration 016).
    await sql`CREATE POLICY calendar_feeds_owner_select ON calendar_feeds FOR SELECT TO CURRENT_USER USING (true)`.execute(db);
    await sql`
      CREATE FUNCTION public.calendar_feed_tenant(hash text)
      RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$ SELECT f.tenant_id FROM public.calendar_feeds f WHERE f.secret_hash = hash $$`.execute(db);
    await sql.raw(`REVOKE ALL ON FUNCTION public.${FEED_TENANT_FUNCTION} FROM PUBLIC`).execute(db);
  },
};
