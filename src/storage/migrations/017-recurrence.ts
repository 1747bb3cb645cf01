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
export const recurrence: Migration = {
  version: 17,
  name: 'recurrence',
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
    // The series a read must expand itself: those whose span meets the range.
    await sql`CREATE INDEX events_series ON events (tenant_id, start_at, series_end, id) WHERE deleted_at IS NULL AND long_event = 2`.execute(db);

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
    if (dialect === 'postgresql') await forceRowSecurity(db, 'event_occurrences');
  },
};
