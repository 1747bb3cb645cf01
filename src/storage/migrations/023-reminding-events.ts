import { sql } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Single events that remind, by start (issue 17). Gathering reminders (the dashboard's next day,
 * the webhook's next run over weeks) walked every event of the span to keep the few with
 * reminder_minutes; most events have none.
 */
export const remindingEvents: Migration = {
  version: 23,
  name: 'single events that remind, by start',
  async up(db) {
    await sql`CREATE INDEX events_reminding ON events (tenant_id, start_at, id, end_at) WHERE deleted_at IS NULL AND long_event = 0 AND reminder_minutes IS NOT NULL`.execute(
      db,
    );
  },
};
